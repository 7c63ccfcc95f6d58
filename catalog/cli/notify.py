"""E-mail notifications: send what is due (for cron) and show what a person would receive."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.group("notify")
def notify_group():
    """Уведомления по электронной почте (CATALOG_SMTP_URL)."""


@notify_group.command("run")
@click.pass_obj
def notify_run(env: Env):
    """Поставить в очередь и отправить письма, срок которых пришёл (для cron)."""
    from catalog.formatting import counted
    from catalog.services import notify

    ctx = env.context()
    if not notify.enabled(ctx):
        click.echo("Отправка писем выключена: CATALOG_SMTP_URL не задан.")
        return
    result = notify.run(ctx)
    click.echo(f"В очередь: {counted(result['queued'], 'письмо')}; отправлено: {counted(result['sent'], 'письмо')}; "
               f"повторим позже: {counted(result['retry'], 'письмо')}; не доставлено: {counted(result['failed'], 'письмо')}.")


@notify_group.command("preview")
@click.argument("login")
@click.pass_obj
def notify_preview(env: Env, login):
    """Письма, которые пользователь LOGIN получил бы сейчас."""
    from catalog.services import notify, users

    ctx = env.context()
    click.echo(notify.preview(ctx, users.find_user(ctx, login)))  # an unknown login: «Пользователь … не найден.»


COMMANDS = (notify_group,)
