"""The inbox (issue 16): what waits for the caller, and the process office's overview per agency."""
from __future__ import annotations

from flask import jsonify

from catalog.schemas import InboxItemSchema, InboxSchema
from catalog.services import inbox
from web import context
from web.api.base import Blueprint, QueryArgs, bounded

blp = Blueprint("inbox_api", __name__, tag="Входящие")


class OverviewArgs(QueryArgs):
    agency_id = bounded(None, load_default=None, metadata={"description": "Орган (номер)"})


def _dump(items: list[dict]) -> dict:
    rows = [{**item, **({"waits_for": item["for"]} if "for" in item else {})} for item in items]
    return {"count": len(rows), "overdue": sum(1 for r in rows if r["overdue"]),
            "items": InboxItemSchema(many=True).dump(rows)}


@blp.get("/inbox")
@blp.response(200, InboxSchema, description="Задачи: что ждёт вызывающего, со сроками в рабочих днях")
@blp.doc(summary="Мои входящие")
def inbox_view():
    return jsonify(_dump(inbox.inbox(context())))


@blp.get("/inbox/agencies")
@blp.query(OverviewArgs)
@blp.response(200, InboxSchema, description="Задачи всех органов, с тем, кто отвечает")
@blp.doc(summary="Входящие по органам (Процессный офис)",
         responses={"403": {"description": "Сводка — процессному офису и администратору"}})
def overview_view(args):
    return jsonify(_dump(inbox.overview(context(), args["agency_id"])))
