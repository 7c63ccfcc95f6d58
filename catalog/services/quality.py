"""Data-mart quality checks as deadlines (Samara concept, section 5 result 13: the officials of the agencies
answer for the completeness, accuracy and timeliness of the data their marts present).

A mart in operation is due for a new check of its quality (``DataMart.quality_checked_on``)
``Settings.mart_quality_term_days`` after the last one (a year by default, CATALOG_MART_QUALITY_TERM_DAYS:
the term after which its page, search and reports call it stale, catalog.services.consistency); a mart never
checked is due at once. A mart still being designed has no check due.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog import models
from catalog.enums import MartQuality, MartStage, Role
from catalog.services import consistency, entry_dates
from catalog.services.context import Context


def _answers_for(user: models.User, mart: models.DataMart) -> bool:
    """The mart's owners (mart owners assigned to it) and the editors of the agency that owns it."""
    return ((user.has_role(Role.MART_OWNER.value) and mart.id in (user.mart_ids or []))
            or (user.has_role(Role.AGENCY_EDITOR.value) and mart.owner_agency_id in (user.agency_ids or [])))


def inbox_items(ctx: Context, user: models.User) -> list[dict]:
    """Marts the user answers for whose quality check is older than the configured term (or missing)."""
    if user is None or not user.is_active or not (user.mart_ids or user.agency_ids):
        return []
    today = entry_dates.local_day(ctx.settings)
    term = timedelta(days=ctx.settings.mart_quality_term_days)
    items = []
    for mart in ctx.session.scalars(select(models.DataMart).where(
            models.DataMart.deleted_at.is_(None), models.DataMart.stage == MartStage.OPERATION.value)
            .order_by(models.DataMart.id)):
        if not _answers_for(user, mart):
            continue
        # The same judgement as the mart's page and the reports (consistency.mart_quality).
        if consistency.mart_quality(ctx.settings, mart, today) == MartQuality.CHECKED.value:
            continue
        checked = mart.quality_checked_on
        due = checked + term if checked else None
        title = (f"{mart.name}: качество проверено {checked:%d.%m.%Y}" if checked
                 else f"{mart.name}: качество ни разу не проверялось")
        items.append({"kind": "Проверка качества витрины устарела", "title": title, "url": f"/marts/{mart.id}",
                      "due": due, "overdue": True, "agency_id": mart.owner_agency_id})
    return items
