"""The demo's inbox (issue 16): something waits for every demo user who acts (the reader only reads).

The projects and requests already leave items: an application unanswered for weeks, a roadmap late in a
measure, deviations to explain (office, editors, heads). This adds what the others lack: a request
concluded by the office and waiting for the architect's decision, and a mart whose quality was last checked
more than a year ago (the mart owner; CATALOG_MART_QUALITY_TERM_DAYS).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog import models
from catalog.enums import RequestStatus
from catalog.services import entry_dates, records, requests
from catalog.services.context import Context


def load_inbox(ctx: Context, mart_code: str) -> None:
    chief = ctx.session.scalar(select(models.User).where(models.User.login == "office-head"))
    waiting = ctx.session.scalars(select(models.SystemRequest).where(
        models.SystemRequest.status == RequestStatus.SUBMITTED.value).order_by(models.SystemRequest.id)).all()
    # The one held only by an overlap its applicant explained: the office accepts the explanation in its own
    # words (issue 17), so the architect has a decision to take.
    ready = next((r for r in waiting if r.overlap_explanation
                  and [c["code"] for c in requests.failing_blocking(r)] == ["duplicates"]), None)
    if chief is not None and ready is not None:
        requests.conclude(Context(session=ctx.session, user=chief, settings=ctx.settings), ready.id, {
            "version": ready.version, "conclusion": "positive",
            "reasons": "Процессы описаны и оптимизированы; данные берутся из витрин.",
            "overlap_answer": "Функции электронной подписи решений в действующих системах нет.",
            "overlap_accepted": True})
    mart = ctx.session.scalar(select(models.DataMart).where(models.DataMart.code == mart_code))
    if mart is not None:
        stale = entry_dates.local_day(ctx.settings) - timedelta(days=ctx.settings.mart_quality_term_days + 30)
        records.update_record(ctx, "marts", mart.id, {"version": mart.version, "quality_checked_on": stale.isoformat()})
