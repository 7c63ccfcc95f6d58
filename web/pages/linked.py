"""Linked data on the web: the JSON-LD context, the vocabulary documents, the SPARQL page and the RDF
answer of a record's page; thin views over ``catalog.linked`` (export, import and SPARQL for machines:
web/api/linked.py)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from catalog.errors import CatalogError, Unauthorized
from catalog.linked import export, sparql
from catalog.linked.validate import ONTOLOGY, SHAPES
from web import context

bp = Blueprint("linked", __name__)

RDF_TYPES = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}


# --- vocabulary documents ----------------------------------------------------------------


@bp.get("/ns/context.jsonld")
def jsonld_context():
    response = jsonify(export.jsonld_context())
    response.mimetype = "application/ld+json"
    return response


@bp.get("/ns/ontology.ttl")
def ontology():
    return Response(ONTOLOGY.read_text(encoding="utf-8"), mimetype="text/turtle")


@bp.get("/ns/shapes.ttl")
def shapes():
    return Response(SHAPES.read_text(encoding="utf-8"), mimetype="text/turtle")


# --- export and import ------------------------------------------------------------------------


# --- SPARQL -----------------------------------------------------------------------------------


def _local(iri: str | None) -> str | None:
    """A link to this site for IRIs under the base, the IRI itself otherwise."""
    if iri is None:
        return None
    base = current_app.config["CATALOG"].base_iri
    return iri[len(base):] or "/" if iri.startswith(base + "/") else iri


@bp.get("/sparql")
def sparql_page():
    ctx = context()
    sparql.require_sparql(ctx)
    example = sparql.EXAMPLES_BY_SLUG.get(request.args.get("example", ""))
    query = request.args.get("query") or (example.query if example else None)
    answer, error, columns, rows, status = None, None, [], [], 200
    if query and query.strip():
        try:
            answer = sparql.run(ctx, query, request.remote_addr)
            columns, rows = sparql.table(answer)
            rows = [[(text, _local(link)) for text, link in row] for row in rows]
        except CatalogError as caught:
            error, status = caught, caught.status
    graph = sparql.cached_view(ctx)
    return render_template(
        "sparql.html", graph=graph, query=query or sparql.EXAMPLES[0].query, ran=bool(query and query.strip()),
        examples=sparql.EXAMPLES, example=example, answer=answer, error=error, columns=columns, rows=rows,
        prefixes=sparql.PREFIXES, settings=ctx.settings,
    ), status


# --- a record's RDF (content negotiation on its page) --------------------------------------


def negotiated_rdf(kind_name: str, record_id: int) -> Response | None:
    """The record's RDF when the client prefers Turtle, JSON-LD or N-Triples to HTML; else None."""
    by_name = {fmt: mimetype for mimetype, fmt in RDF_TYPES.items()}
    best = by_name.get(request.args.get("format", ""))  # ?format=ttl: a link a browser can follow
    if best is None:
        best = request.accept_mimetypes.best_match(["text/html", *RDF_TYPES])  # ties go to HTML
    if best not in RDF_TYPES:
        return None
    fmt = RDF_TYPES[best]
    try:
        graph = export.record_graph(context(), kind_name, record_id)
    except Unauthorized as error:
        response = Response(error.message + "\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="catalog"'
        return response
    if fmt == "jsonld":
        body = graph.serialize(format="json-ld", context=export.jsonld_context()["@context"], auto_compact=True)
    else:
        body = graph.serialize(format="turtle" if fmt == "ttl" else "nt")
    response = Response(body, mimetype=best)
    response.headers["Vary"] = "Accept"
    return response
