"""One meaning of «version»: every change of a versioned thing names the version it was made against.

The rule for all domains (records, passports, cost positions, optimisation projects, system requests):

- no version → 422, the field ``version`` named;
- a version other than the current one → 409 with the current version and the change events since;
- the current version → the change goes ahead (the caller bumps the version by one).

The system (the CLI, loaders run on the server) acts on what it has just read: when it gives no version
it is taken to mean the current one. Web requests never act as the system.
"""
from __future__ import annotations

from catalog import models
from catalog.errors import Conflict, InvalidInput
from catalog.services import history
from catalog.services.context import Context

MISSING = "Обязательное поле не заполнено: укажите версию, которую вы читали."


def check_version(ctx: Context, kind: str, record: models.Record, given, changed: str = "Запись изменена") -> None:
    """Refuse a change of ``record`` (its change events under ``kind``) unless ``given`` is its current version.
    ``changed`` starts the Russian message of a conflict («Проект изменён», «Заявка изменена»…)."""
    if given is None:
        if ctx.is_system:
            return
        raise InvalidInput("Укажите версию, которую вы изменяете.", {"version": [MISSING]})
    if isinstance(given, bool) or not isinstance(given, int):
        raise InvalidInput("Неверная версия.", {"version": ["Ожидается целое число."]})
    if given != record.version:
        from catalog.schemas import ChangeEventSchema

        since = history.events_for(ctx, kind, record.id, since_version=given)
        raise Conflict(
            f"{changed} другим пользователем: у вас версия {given}, текущая — {record.version}.",
            current_version=record.version,
            changes=ChangeEventSchema(many=True).dump(since),
        )
