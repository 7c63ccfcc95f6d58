"""Requests to create or develop an information system (``catalog.services.requests``)."""
from __future__ import annotations

import click

from catalog.cli import Env


@click.group("requests")
def requests_group():
    """Заявки на создание и развитие информационных систем."""


@requests_group.command("list")
@click.option("--status", help="draft, submitted, concluded, approved, rejected, returned")
@click.option("--failing", help="Код проверки: as_is, optimised, data_model, duplicates, marts, criteria, cost_value")
@click.pass_obj
def requests_list(env: Env, status, failing):
    """Очередь заявок с результатами проверок."""
    from catalog.services import requests

    from catalog.enums import RequestStatus

    for r in requests.list_requests(env.context(), status=status, failing=failing):
        bad = [c["name"] for c in r.checks if c["result"] == "fail"]
        click.echo(f"{r.id}\t{RequestStatus.label_of(r.status)}\t{r.title}\tне пройдены: {'; '.join(bad) or 'нет'}"
                   + ("\tтребует пересмотра" if r.needs_review else ""))


@requests_group.command("recheck")
@click.argument("request_id", type=int, required=False)
@click.pass_obj
def requests_recheck(env: Env, request_id):
    """Проверить заново одну заявку или все поданные."""
    from catalog.services import requests

    ctx = env.context()
    ids = [request_id] if request_id else [r.id for r in requests.list_requests(ctx) if r.status in requests.OPEN]
    for one in ids:
        found = requests.recheck(ctx, one)
        bad = [c["name"] for c in found.checks if c["result"] == "fail"]
        click.echo(f"{found.id}\tне пройдены: {'; '.join(bad) or 'нет'}")


COMMANDS = [requests_group]
