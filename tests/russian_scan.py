"""What a page shows a person must read as Russian: no enum code, field name, Python value, ISO date or
English word outside the names and abbreviations a Russian official uses too.

``problems(html)`` lists what is wrong on one page (the visible text, with attribute values a person
reads: placeholders, titles, button values). Used by the demo walk in test_russian.py; run
``python -m tests.russian_scan`` against a server to look at a live catalogue.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

from catalog import enums
from catalog.kinds import KINDS

# Latin words a Russian page may carry: proper names and abbreviations of the field, units, formats.
ALLOWED_LATIN = {
    "API", "BPMN", "SPARQL", "AS-IS", "TO-BE", "AS", "IS", "TO", "BE", "RDF", "OWL", "SHACL", "JSON", "JSON-LD", "CSV",
    "XLSX", "xlsx", "csv", "Excel", "OpenLineage", "OpenAPI", "Turtle", "DCAT", "Cypher", "URL", "IRI", "ID", "v1",
    "api", "ru", "http", "https", "www", "GET", "POST", "PUT", "PATCH", "DELETE", "Bearer", "Authorization", "SQL",
    "ХML", "XML", "BPMN-XML", "PDF", "HTML", "SVG", "UTF-8", "ИНН", "OGRN", "KPI", "MB", "Swagger", "Neo4j",
    "FalkorDB", "Elasticsearch", "SQLite", "PostgreSQL", "Python", "Alembic", "GitHub", "Gemba", "gemba", "Ishikawa",
    "catalog", "demo", "xmlns", "SELECT", "WHERE", "LIMIT", "PREFIX", "ASK", "CONSTRUCT", "DESCRIBE", "dcat", "dct",
    "rdf", "rdfs", "owl", "sh", "xsd", "foaf", "prov", "skos", "cat", "ttl", "jsonld", "nt", "schema", "org", "w3",
    "purl", "terms", "ns", "openlineage", "io", "spec", "facets", "CamelCase", "XSD", "REST", "CSRF", "Token",
    "SMEV", "SMEV4", "ESIA", "IP", "PNG", "MFC", "NSI", "MINSOC", "ZIP", "zip",
}
# Paths and code samples are shown as code on purpose (the API and SPARQL pages).
CODE_TAGS = ("code", "pre", "script", "style", "textarea", "svg", "kbd", "samp")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
REPRS = [re.compile(p) for p in (r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\{'", r"\['", r"\[\]", r"\{\}", r"\bnan\b")]
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9]|[A-Za-z]")


def _enum_codes() -> set[str]:
    codes = set()
    for value in vars(enums).values():
        if isinstance(value, type) and issubclass(value, enums.LabeledEnum) and value is not enums.LabeledEnum:
            for member in value:
                # A code is shown where its label should be; codes that are also what the label says (API, «ЕПГУ») are fine.
                if member.value != member.label and member.value.upper() != member.label:
                    codes.add(member.value)
    return codes | set(KINDS)


CODES = _enum_codes()


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(CODE_TAGS):
        tag.decompose()
    parts = [soup.get_text(" ")]
    for tag in soup.find_all(True):
        for attribute in ("placeholder", "title", "aria-label", "alt"):
            if tag.get(attribute):
                parts.append(tag[attribute])
        if tag.name == "input" and tag.get("type") in ("submit", "button") and tag.get("value"):
            parts.append(tag["value"])
    return re.sub(r"\s+", " ", " ".join(parts))


URL_OR_MAIL = re.compile(r"\b(?:https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


def problems(html: str) -> list[str]:
    # Addresses and e-mails are data a person typed, in Latin by nature.
    text = URL_OR_MAIL.sub(" ", visible_text(html))
    found = []
    for pattern in REPRS:
        for match in pattern.finditer(text):
            found.append(f"значение Python «{match.group(0)}»: …{text[max(0, match.start() - 50):match.end() + 30]}…")
    for match in ISO_DATE.finditer(text):
        found.append(f"дата ISO «{match.group(0)}»: …{text[max(0, match.start() - 50):match.end() + 30]}…")
    for match in LATIN_WORD.finditer(text):
        word = match.group(0)
        if word in ALLOWED_LATIN:
            continue
        where = text[max(0, match.start() - 50):match.end() + 30]
        if word in CODES:
            found.append(f"код «{word}»: …{where}…")
        elif len(word) > 2 and not any(c.isdigit() for c in word) and not word.isupper():
            found.append(f"английское слово «{word}»: …{where}…")
    return found


# Pages the walk does not open: downloads, the API, actions, and the pages other parts of the work
# rebuild and check themselves (search, lineage and impact pictures).
SKIP = re.compile(r"^/(api/|static/|logout|login|search|lineage|impact|export|favicon|sparql)|\.(xlsx|csv|ttl|jsonld|json|xml|bpmn|svg|png)(\?|$)|/(download|delete|restore)(\?|$)")


def shape(path: str) -> str:
    """/processes/12?agency_id=3 → /processes/N?agency_id: one page of each shape is enough."""
    base, _, query = path.partition("?")
    keys = sorted(part.split("=")[0] for part in query.split("&") if part) if query else []
    return re.sub(r"\d+", "N", base) + ("?" + "&".join(keys) if keys else "")


def walk(client, start=("/",), max_pages: int = 400, depth: int = 2):
    """Pages reachable from ``start`` by links, one of each shape, to ``depth`` clicks; yields (path, html)."""
    from urllib.parse import urlsplit

    seen_shapes, queue = set(), [(path, 0) for path in start]
    visited = 0
    while queue and visited < max_pages:
        path, level = queue.pop(0)
        if shape(path) in seen_shapes:
            continue
        seen_shapes.add(shape(path))
        answer = client.get(path)
        visited += 1
        if answer.status_code != 200 or "text/html" not in answer.content_type:
            continue
        html = answer.get_data(as_text=True)
        yield path, html
        if level >= depth:
            continue
        for a in BeautifulSoup(html, "html.parser").find_all("a", href=True):
            href = a["href"]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path + ("?" + parts.query if parts.query else "")):
                continue
            target = parts.path + ("?" + parts.query if parts.query else "")
            if shape(target) not in seen_shapes:
                queue.append((target, level + 1))
