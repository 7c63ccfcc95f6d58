"""Search over the catalogue and its index."""
from __future__ import annotations

import sys
import time

import click

from catalog.cli import Env, progress
from catalog.formatting import counted, seconds


class _QueryGroup(click.Group):
    """``catalog search "…"`` searches; ``catalog search reindex|sync|check`` runs a subcommand."""

    def resolve_command(self, click_ctx, args):
        if args and args[0] not in self.commands:
            args = ["query", *args]
        return super().resolve_command(click_ctx, args)


@click.group("search", cls=_QueryGroup)
def search_group():
    """Поиск по каталогу и его индекс: catalog search "запрос", reindex, sync, check."""


@search_group.command("query", hidden=True)
@click.argument("words", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, help="Вид записей (processes, systems, …).")
@click.option("--agency", "agencies", multiple=True, help="Номер органа.")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def search_query(env: Env, words, kinds, agencies, limit):
    from catalog.services import search

    ctx = env.context()
    result = search.search(ctx, " ".join(words), {"kind": list(kinds), "agency": list(agencies)}, 1, limit)
    click.echo(f"Найдено: {result.total}")
    for hit in result.hits:
        # The same details as the search page, so like-named records of different agencies are told apart.
        details = [hit.registry_id and f"идентификатор {hit.registry_id}", hit.agency, hit.status_label]
        click.echo("\t".join([f"{hit.kind}/{hit.record_id}", hit.title, *[d for d in details if d]]))


@search_group.command("reindex")
@click.pass_obj
def search_reindex(env: Env):
    """Построить индекс заново; старый отвечает, пока новый не готов."""
    from catalog.services import search

    started = time.monotonic()
    count = search.reindex(env.context(), progress)
    click.echo(f"В индексе {counted(count, 'запись')} ({seconds(time.monotonic() - started)}).")


@search_group.command("sync")
@click.pass_obj
def search_sync(env: Env):
    """Применить к индексу изменения из журнала."""
    from catalog.services import search

    click.echo(f"Применено событий: {search.sync(env.context(), progress)}.")


@search_group.command("check")
@click.pass_obj
def search_check(env: Env):
    """Сравнить индекс с хранилищем; код выхода 1 при расхождении."""
    from catalog.services import search

    drift = search.check(env.context())
    if drift.clean:
        click.echo("Индекс совпадает с хранилищем.")
        return
    for label, uids in (("нет в индексе", drift.missing), ("лишние в индексе", drift.extra),
                        ("устарели в индексе", drift.stale)):
        if uids:
            click.echo(f"{label}: {len(uids)} — {', '.join(sorted(uids)[:20])}")
    sys.exit(1)


@search_group.command("misses")
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def search_misses(env: Env, limit):
    """Запросы, по которым не нашлось ничего или мало (без сведений о том, кто искал)."""
    from catalog.services import search

    rows = search.misses(env.context(), limit)
    if not rows:
        click.echo("Ненайденных запросов нет.")
    for row in rows:
        ignored = f"; пропущено: {row.ignored}" if row.ignored else ""
        click.echo(f"«{row.query}»: ничего — {row.empty_count}, мало — {row.few_count}{ignored}")


COMMANDS = [search_group]
