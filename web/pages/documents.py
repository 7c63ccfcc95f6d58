"""Printable documents (issue 16): the print view (HTML with print CSS) and the PDF of the order, the
roadmap, the passport and the conclusion, both made by catalog/services/documents.py."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, send_from_directory
from markupsafe import Markup

from catalog.services import documents
from web import context
from web.security import as_download

bp = Blueprint("documents", __name__)
KINDS = "any(order,roadmap,passport,conclusion,notice)"


def print_view(kind: str, record_id: int):
    found = documents.document(context(), kind, record_id)
    body = Markup(documents.render_html(found.template, found.context))  # autoescaped by the document's template
    return render_template("document_print.html", doc=found, body=body, kind=kind, record_id=record_id)


@bp.get(f"/documents/<{KINDS}:kind>/<int:record_id>")
def document_page(kind, record_id):
    return print_view(kind, record_id)


@bp.get(f"/documents/<{KINDS}:kind>/<int:record_id>.pdf")
def document_pdf(kind, record_id):
    found = documents.document(context(), kind, record_id)
    pdf = documents.render_pdf(found.template, found.context, found.title)
    return as_download(Response(pdf, mimetype="application/pdf"), found.filename, "document.pdf")


@bp.get("/documents/fonts/<name>")
def font(name):
    # The print view's font, served by the app itself (closed networks: nothing from outside).
    return send_from_directory(documents.FONTS, name, mimetype="font/ttf", max_age=86400)
