"""The ``catalog`` command: thin wrappers over the services, for the people who run the server.

This module holds what every command shares: the ``main`` group, the :class:`Env` of one invocation and
the one place a :class:`~catalog.errors.CatalogError` becomes a message and an exit code. Each command
group lives in the module named after its domain; :data:`MODULES` lists them.
"""
from __future__ import annotations

import click

from catalog.errors import CatalogError
from catalog.runtime import Runtime
from catalog.services.context import Context


class Env:
    """One invocation of ``catalog``: the :class:`~catalog.runtime.Runtime` the web app is built on too,
    opened lazily, with the CLI's own ways of saying a part cannot be opened."""

    def __init__(self, database_url: str | None):
        self.runtime = Runtime.load(database_url=database_url)
        self.settings, self.engine, self.sessions = self.runtime.settings, self.runtime.engine, self.runtime.sessions

    def require_schema(self) -> None:
        if not self.runtime.schema_is_current():
            raise click.ClickException("База данных не создана или устарела: выполните «catalog init».")

    def context(self, autocommit: bool = True) -> Context:
        self.require_schema()
        self.graph(), self.search()  # a bad setting is a CLI message, not a traceback
        return self.runtime.context(is_system=True, system_actor="командная строка", autocommit=autocommit)

    def graph(self):
        """The configured graph backend, opened once per command and closed with it."""
        try:
            return self.runtime.graph()
        except ValueError as error:
            raise click.ClickException(str(error)) from None

    def search(self):
        """The configured search index, opened once per command."""
        try:
            return self.runtime.search()
        except ValueError as error:
            raise click.ClickException(str(error)) from None

    def outbox(self):
        """The outbox consumer of this invocation's runtime."""
        self.require_schema()
        self.graph(), self.search()
        return self.runtime.outbox()

    def close(self) -> None:
        self.runtime.close()


def progress(stage: str, count: int) -> None:
    from catalog.formatting import number
    from catalog.kinds import KINDS
    from catalog.search.documents import EXTRA_KINDS, kind_label

    # Projections report by kind name («agencies», «passports»): a person reads the kind's label.
    label = kind_label(stage, one=False) if stage in KINDS or stage in EXTRA_KINDS else stage
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
    calendar, checks, costs, dashboard, demo, duties, harvest, history, import_jobs, imports, inbox, lineage, linked,
    names, notify, outbox, passports, people, personal_data, projects, quality, requests, search, server, store, users,
)

# Each module names the commands and groups it adds to ``catalog`` in its ``COMMANDS``.
MODULES = (store, demo, server, import_jobs, users, search, names, passports, costs, dashboard, requests, imports, linked,
           lineage, outbox, calendar, projects, history, checks, harvest, personal_data, notify, inbox, people,
           duties, quality)

for _module in MODULES:
    for _command in _module.COMMANDS:
        main.add_command(_command)
