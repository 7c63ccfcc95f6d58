"""The ``catalog`` command: thin wrappers over the services, for the people who run the server.

This module holds what every command shares: the ``main`` group, the :class:`Env` of one invocation and
the one place a :class:`~catalog.errors.CatalogError` becomes a message and an exit code. Each command
group lives in the module named after its domain; :data:`MODULES` lists them.
"""
from __future__ import annotations

import click

from catalog.config import load_settings
from catalog.db import make_engine, make_session_factory, schema_is_current
from catalog.errors import CatalogError
from catalog.services.context import Context


class Env:
    def __init__(self, database_url: str | None):
        self.settings = load_settings(database_url=database_url)
        self.engine = make_engine(self.settings.database_url)
        self.sessions = make_session_factory(self.engine)

    def require_schema(self) -> None:
        if not schema_is_current(self.engine):
            raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")

    def context(self, autocommit: bool = True) -> Context:
        self.require_schema()
        return Context(session=self.sessions(), is_system=True, system_actor="командная строка", autocommit=autocommit,
                       settings=self.settings, graph=self.graph(), search=self.search())

    def graph(self):
        """The configured graph backend, opened once per command and closed with it."""
        from catalog.graph import open_graph

        if not hasattr(self, "_graph"):
            try:
                self._graph = open_graph(self.settings, self.sessions)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        return self._graph

    def search(self):
        """The configured search index, opened once per command."""
        from catalog.search import open_search

        if not hasattr(self, "_search"):
            try:
                self._search = open_search(self.settings, self.sessions)
            except ValueError as error:
                raise click.ClickException(str(error)) from None
        return self._search

    def close(self) -> None:
        if getattr(self, "_graph", None) is not None:
            self._graph.graph.close()
        self.engine.dispose()


def progress(stage: str, count: int) -> None:
    from catalog.formatting import number
    from catalog.kinds import KINDS

    # Projections report by kind name («agencies»): a person reads the kind's label.
    label = KINDS[stage].label if stage in KINDS else stage
    click.echo(f"  {label}: {number(count, 0)}", err=True)


def error_message(error: CatalogError) -> str:
    """The service's Russian message, then one line per field it names."""
    return "\n".join([error.message] + [f"  {field}: {' '.join(msgs)}" for field, msgs in error.fields.items()])


class CatalogGroup(click.Group):
    """The top group: every subcommand runs inside its ``invoke``, so this is the one place where a
    refusal of the services becomes «Error: …» and exit code 1 — no command repeats the block."""

    def invoke(self, click_ctx):
        try:
            return super().invoke(click_ctx)
        except CatalogError as error:
            raise click.ClickException(error_message(error)) from None


@click.group(cls=CatalogGroup)
@click.option("--database-url", envvar="CATALOG_DATABASE_URL", help="SQLAlchemy URL (по умолчанию SQLite в ./instance).")
@click.pass_context
def main(click_ctx, database_url):
    """Каталог процессов и данных региона."""
    click_ctx.obj = Env(database_url)
    click_ctx.call_on_close(click_ctx.obj.close)


# Imported after ``main``, ``Env`` and ``progress`` exist: the modules use them.
from catalog.cli import (  # noqa: E402
    calendar, costs, dashboard, demo, graph, history, imports, jobs, linked, names, outbox, passports, projects, requests,
    search, server, store, users,
)

# Each module names the commands and groups it adds to ``catalog`` in its ``COMMANDS``.
MODULES = (store, demo, server, jobs, users, search, names, passports, costs, dashboard, requests, imports, linked,
           graph, outbox, calendar, projects, history)

for _module in MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
