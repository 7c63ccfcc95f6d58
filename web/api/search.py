"""Search over the catalogue: words with facets and highlights, and suggestions for the search box."""
from __future__ import annotations

from flask import jsonify
from marshmallow import fields

from catalog.schemas import rfc3339
from catalog.search.query import FILTERS
from catalog.services import search
from web import context
from web.api.base import Blueprint, QueryArgs, bounded

blp = Blueprint("search_api", __name__, tag="Поиск")


# Each facet is a repeatable parameter; its values are checked by the search service (the page shares it).
SearchArgs = QueryArgs.from_dict({
    "q": fields.String(load_default=None, metadata={"description": "Слова запроса; «фраза» в кавычках, -слово исключает"}),
    "page": bounded(1, 1000, load_default=1),
    "per_page": bounded(1, 100, load_default=20),
    **{name: fields.List(fields.String(), load_default=list, metadata={"description": label})
       for name, (_, label, _) in FILTERS.items()},
}, name="SearchArgs")


class SuggestArgs(QueryArgs):
    q = fields.String(load_default=None, metadata={"description": "Начало названия"})
    limit = bounded(1, 20, load_default=8)


def search_json(result) -> dict:
    return {
        "total": result.total, "page": result.page, "per_page": result.per_page, "pages": result.pages,
        "ignored": result.ignored, "partial": result.partial, "note": search.note(result),
        "items": [{"uid": h.uid, "kind": h.kind, "id": h.record_id, "title": h.title, "score": round(h.score, 4),
                   "highlights": h.highlights, "kind_label": h.kind_label, "agency": h.agency, "status": h.status,
                   "status_label": h.status_label, "registry_id": h.registry_id, "same_name": h.same_name}
                  for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                          for v in values] for name, values in result.facets.items()},
    }


@blp.get("/search")
@blp.query(SearchArgs)
@blp.response(200, description="Найденное: items, facets, total, page, per_page, pages")
@blp.doc(summary="Поиск по каталогу с фасетами и подсветкой")
def search_view(args):
    filters = {name: args[name] for name in FILTERS}
    return jsonify(search_json(search.search(context(), args["q"], filters, args["page"], args["per_page"])))


@blp.get("/search/suggest")
@blp.query(SuggestArgs)
@blp.response(200, description="Подсказки: items (uid, kind, id, title)")
@blp.doc(summary="Подсказки по началу названия")
def suggest_view(args):
    found = search.suggest(context(), args["q"], args["limit"])
    return jsonify(items=[{"uid": s.uid, "kind": s.kind, "id": s.record_id, "title": s.title,
                           "kind_label": s.kind_label, "agency": s.agency, "count": s.count,
                           "agencies": s.agencies} for s in found])


class MissesArgs(QueryArgs):
    limit = bounded(1, 1000, load_default=200)


@blp.get("/search/misses")
@blp.query(MissesArgs)
@blp.response(200, description="Запросы: query, empty, few, last_total, ignored, first_at, last_at")
@blp.doc(summary="Запросы, по которым не нашлось ничего или мало (процессный офис)",
         responses={"403": {"description": "Отчёт — процессному офису и администратору"}})
def misses_view(args):
    rows = search.misses(context(), args["limit"])
    return jsonify(items=[{"query": m.query, "empty": m.empty_count, "few": m.few_count, "last_total": m.last_total,
                           "ignored": (m.ignored or "").split(), "first_at": rfc3339(m.first_at),
                           "last_at": rfc3339(m.last_at)} for m in rows])


@blp.get("/search/thesaurus")
@blp.response(200, description="Записи: id, marker, phrases, note, added_by, added_at, removed_by, removed_at")
@blp.doc(summary="Записи тезауруса, добавленные процессным офисом, с историей")
def thesaurus_view():
    from catalog.services import thesaurus

    return jsonify(items=[{"id": e.id, "marker": e.marker, "phrases": e.phrases.split("\t"), "note": e.note,
                           "added_by": e.added_by, "added_at": rfc3339(e.added_at), "removed_by": e.removed_by,
                           "removed_at": rfc3339(e.removed_at)} for e in thesaurus.entries(context())])
