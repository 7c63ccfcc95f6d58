"""The catalogue as RDF, streamed record by record.

Records are read in batches of plain rows (no ORM objects kept), each becomes a small list of
triples about one subject (a "node"), and a writer turns nodes into Turtle, N-Triples or JSON-LD
text as they come. Nothing holds the whole graph, so a catalogue of 100 000 processes is written
in flat memory (figures: docs/benchmarks.md).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, RDF, SKOS, XSD
from rdflib.plugins.serializers.nt import _nt_row
from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter
from catalog.kinds import KINDS
from catalog.linked import vocab
from catalog.linked.iris import Iris
from catalog.schemas import INT_MAX
from catalog.linked.vocab import CLASSES, CONCEPT_SCHEMES, CV, FIELDS, PDC, LINK_PREDICATES
from catalog.services import permissions
from catalog.services.context import Context

BATCH = 1000
FORMATS = {
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples; charset=utf-8",
    "jsonld": "application/ld+json; charset=utf-8",
}
EXTENSIONS = {"ttl": "ttl", "nt": "nt", "jsonld": "jsonld"}
NO_DESCRIPTION = " (описание не заполнено)"

Node = tuple[URIRef, list[tuple[URIRef, object]]]


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "ttl").lower()
    aliases = {"turtle": "ttl", "json-ld": "jsonld", "json": "jsonld", "ntriples": "nt", "n-triples": "nt"}
    fmt = aliases.get(fmt, fmt)
    if fmt not in FORMATS:
        raise BadParameter("Неверный формат выгрузки.", {"format": ["Допустимо: ttl, jsonld, nt."]})
    return fmt


def fallback_description(name: str) -> str:
    """What the standards' mandatory description says when the catalogue has none."""
    return f"{name}{NO_DESCRIPTION}"


def ru(value: str) -> Literal:
    return Literal(value, lang="ru")


def decimal_literal(value: float) -> Literal:
    return Literal(format(Decimal(repr(float(value))).normalize(), "f"), datatype=XSD.decimal)


@dataclass
class Selection:
    kinds: set[str] | None = None  # None: every kind
    agency_id: int | None = None


def check_selection(ctx: Context, kinds: Iterable[str] | None, agency_id) -> Selection:
    chosen = None
    if kinds:
        chosen = set()
        for name in kinds:
            for part in str(name).split(","):
                part = part.strip()
                if not part:
                    continue
                if part not in KINDS:
                    raise BadParameter("Неверный параметр выгрузки.", {
                        "kind": [f"Неизвестный вид записей «{part}». Допустимо: {', '.join(KINDS)}."]})
                chosen.add(part)
        chosen = chosen or None
    if agency_id not in (None, ""):
        text = str(agency_id).strip()
        # isascii: «²» is a digit to str.isdigit, not to int; such a value is looked up as a code.
        number = text.isascii() and text.isdigit() and int(text) <= INT_MAX
        agency = ctx.session.get(models.Agency, int(text)) if number else ctx.session.scalar(
            select(models.Agency).where(models.Agency.code == text))
        if agency is None:
            raise BadParameter("Неверный параметр выгрузки.", {"agency": [f"Органа «{text}» нет: укажите номер или код."]})
        agency_id = agency.id
    else:
        agency_id = None
    return Selection(chosen, agency_id)


class Exporter:
    """Nodes (subject, [(predicate, object)]) of the catalogue or a selection of it."""

    def __init__(self, ctx: Context, selection: Selection | None = None):
        permissions.require_read(ctx)
        self.ctx = ctx
        self.settings = ctx.settings
        self.iris = Iris(ctx.settings.base_iri)
        self.selection = selection or Selection()
        self.exported: dict[str, set[int]] = {}

    # --- helpers ---------------------------------------------------------------

    def _ref(self, kind_name: str, value) -> URIRef:
        return self.iris.record(kind_name, value)

    def _value(self, how: str, value):
        if how == "text":
            return ru(value)
        if how == "plain":
            return Literal(value)
        if how == "uri":
            return Literal(value, datatype=XSD.anyURI)
        if how == "bool":
            return Literal(bool(value))
        if how == "decimal":
            return decimal_literal(value)
        if how == "date":
            return Literal(value if isinstance(value, date) else date.fromisoformat(str(value)), datatype=XSD.date)
        if how.startswith("ref:"):
            return self._ref(how[4:], value)
        if how.startswith("enum:"):
            return vocab.concept(how[5:], value)
        if how == "freq":
            return vocab.EU_FREQ[vocab.EU_FREQUENCY[value]]
        raise ValueError(how)

    # --- the header: the catalogue, its publisher, the vocabularies ---------------

    def header(self) -> Iterator[Node]:
        iris, s = self.iris, self.settings
        yield iris.catalog, [
            (RDF.type, DCAT.Catalog), (DCTERMS.identifier, Literal(str(iris.catalog))),
            (DCTERMS.title, ru(f"Каталог процессов и данных: {s.region_name}")),
            (DCTERMS.title, Literal(f"Catalogue of processes and data: {s.region_name}", lang="en")),
            (DCTERMS.description, ru("Реестр процессов органов власти, услуги, жизненные ситуации, регулирующие "
                                     "акты, наборы данных, информационные системы и витрины данных региона.")),
            (DCTERMS.publisher, iris.publisher), (DCTERMS.spatial, iris.region),
            *[(DCAT.themeTaxonomy, iris.scheme(slug)) for slug, _, _ in CONCEPT_SCHEMES.values()],
        ]
        yield iris.publisher, [
            (RDF.type, FOAF.Agent), (RDF.type, ORG.Organization), (RDF.type, CV.PublicOrganisation),
            (DCTERMS.identifier, Literal(str(iris.publisher))), (FOAF.name, ru(s.publisher_name)),
            (DCTERMS.title, ru(s.publisher_name)), (SKOS.prefLabel, ru(s.publisher_name)),
            (DCTERMS.spatial, iris.region),
        ]
        yield iris.region, [(RDF.type, DCTERMS.Location), (SKOS.prefLabel, ru(s.region_name))]
        for slug, title_ru, title_en in CONCEPT_SCHEMES.values():
            yield iris.scheme(slug), [(RDF.type, SKOS.ConceptScheme), (DCTERMS.title, ru(title_ru)),
                                      (DCTERMS.title, Literal(title_en, lang="en")), (SKOS.prefLabel, ru(title_ru))]
        for scheme, enum in vocab.ENUMS.items():
            title_ru, title_en = vocab.SCHEME_LABELS[scheme]
            scheme_iri = vocab.scheme_iri(scheme)
            yield scheme_iri, [(RDF.type, SKOS.ConceptScheme), (DCTERMS.title, ru(title_ru)),
                               (DCTERMS.title, Literal(title_en, lang="en")), (SKOS.prefLabel, ru(title_ru))]
            for member in enum:
                pairs = [(RDF.type, SKOS.Concept), (SKOS.inScheme, scheme_iri), (SKOS.notation, Literal(member.value)),
                         (SKOS.prefLabel, ru(member.label)),
                         (SKOS.prefLabel, Literal(member.value.replace("_", " ").lower(), lang="en"))]
                if scheme == "channel":
                    pairs += [(RDF.type, CV.Channel), (DCTERMS.identifier, Literal(member.value))]
                yield vocab.concept(scheme, member.value), pairs

    # --- records -------------------------------------------------------------------

    def _rows(self, kind_name: str) -> Iterator[list[dict]]:
        model = KINDS[kind_name].model
        table = model.__table__
        where = [table.c.deleted_at.is_(None)]
        agency_id = self.selection.agency_id
        if agency_id is not None:
            kind = KINDS[kind_name]
            if kind.agency_field:
                where.append(table.c[kind.agency_field] == agency_id)
            elif kind_name == "entities":
                where.append(table.c.dataset_id.in_(
                    select(models.Dataset.id).where(models.Dataset.owner_agency_id == agency_id)))
            elif kind_name == "attributes":
                where.append(table.c.entity_id.in_(select(models.Entity.id).join(models.Dataset).where(
                    models.Dataset.owner_agency_id == agency_id)))
            elif kind_name != "links":
                return
        last = 0
        while True:
            rows = self.ctx.session.execute(
                select(table).where(table.c.id > last, *where).order_by(table.c.id).limit(BATCH)).mappings().all()
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

    def record_node(self, kind_name: str, row) -> list[Node]:
        iris = self.iris
        subject = iris.record(kind_name, row["id"])
        pairs = [(RDF.type, cls) for cls in CLASSES[kind_name]]
        pairs.append((DCTERMS.identifier, Literal(str(subject))))
        extra: list[Node] = []
        title_field = KINDS[kind_name].title_field
        for f in FIELDS[kind_name]:
            value = row.get(f.field)
            if f.how == "evidence" or f.how == "output":
                if value:
                    part = iris.part(kind_name, row["id"], f.field)
                    cls = CV.Evidence if f.how == "evidence" else CV.Output
                    extra.append((part, [(RDF.type, cls), (DCTERMS.identifier, Literal(str(part))),
                                         (DCTERMS.title, ru(value))]))
                    pairs.append((f.predicate, part))
                continue
            if f.how == "metadata":
                for number, item in enumerate(value or [], start=1):
                    part = iris.part(kind_name, row["id"], f"field-{number}")
                    extra.append((part, [(RDF.type, PDC.MetadataField), (PDC.order, Literal(number)),
                                         (DCTERMS.title, ru(item["name"])),
                                         (PDC.dataType, vocab.concept("data-type", item["data_type"])),
                                         (PDC.isRequired, Literal(bool(item.get("required"))))]))
                    pairs.append((f.predicate, part))
                continue
            if f.how.startswith("enums:"):
                for item in value or []:
                    pairs.append((f.predicate, vocab.concept(f.how[6:], item)))
                continue
            if value is None or value == "":
                continue
            pairs.append((f.predicate, self._value(f.how, value)))
        title = row.get(title_field)
        if not any(f.field == title_field and f.predicate == DCTERMS.title for f in FIELDS[kind_name]) and title:
            pairs.append((DCTERMS.title, ru(title)))
        if kind_name in vocab.REQUIRED_DESCRIPTION and not row.get("description"):
            pairs.append((DCTERMS.description, ru(fallback_description(title))))
        if kind_name == "agencies":
            pairs += [(FOAF.name, ru(row["name"])), (DCTERMS.spatial, iris.region)]
        elif kind_name == "services" and row.get("agency_id") is None:
            pairs.append((CV.hasCompetentAuthority, iris.publisher))
        elif kind_name == "datasets":
            if row.get("owner_agency_id") is None:
                pairs.append((DCTERMS.publisher, iris.publisher))
            extra.append((iris.catalog, [(DCAT.dataset, subject)]))
        elif kind_name == "marts":
            pairs.append((DCAT.endpointURL, subject))
            extra.append((iris.catalog, [(DCAT.service, subject)]))
        if kind_name in CONCEPT_SCHEMES:
            pairs.append((SKOS.inScheme, iris.scheme(CONCEPT_SCHEMES[kind_name][0])))
        return [(subject, pairs), *extra]

    def link_nodes(self, row) -> list[Node]:
        iris = self.iris
        subject = iris.record("links", row["id"])
        source = iris.record(row["source_kind"], row["source_id"])
        target = iris.record(row["target_kind"], row["target_id"])
        pairs = [(RDF.type, PDC.Link), (DCTERMS.identifier, Literal(str(subject))),
                 (PDC.linkType, vocab.concept("link-type", row["link_type"])),
                 (PDC.source, source), (PDC.target, target)]
        for name, predicate, scheme in (("transport", PDC.transport, "transport"),
                                        ("frequency", PDC.frequency, "frequency")):
            if row.get(name):
                pairs.append((predicate, vocab.concept(scheme, row[name])))
        if row.get("description"):
            pairs.append((DCTERMS.description, ru(row["description"])))
        nodes = [(subject, pairs)]
        predicate = LINK_PREDICATES.get(row["link_type"], {}).get(row["source_kind"])
        if predicate is not None:
            if row["link_type"] == "PRODUCES":
                nodes.append((target, [(predicate, source)]))
            else:
                direct = [(predicate, target)]
                if row["link_type"] == "EXPOSES" and row["target_kind"] == "datasets":
                    direct.append((DCAT.servesDataset, target))
                nodes.append((source, direct))
        return nodes

    def _deleted(self) -> set[tuple[str, int]]:
        gone = set()
        for name, kind in KINDS.items():
            if name == "links":
                continue
            table = kind.model.__table__
            for (record_id,) in self.ctx.session.execute(select(table.c.id).where(table.c.deleted_at.is_not(None))):
                gone.add((name, record_id))
        return gone

    def nodes(self) -> Iterator[Node]:
        yield from self.header()
        wanted = self.selection.kinds
        # With a selection, links go with the records chosen; remember which (ids only).
        filtered = wanted is not None or self.selection.agency_id is not None
        for kind_name in KINDS:
            if kind_name == "links" or (wanted and kind_name not in wanted):
                continue
            ids = self.exported.setdefault(kind_name, set())
            for rows in self._rows(kind_name):
                for row in rows:
                    if filtered:
                        ids.add(row["id"])
                    yield from self.record_node(kind_name, row)
        if wanted and "links" not in wanted:
            return
        deleted = self._deleted()
        for rows in self._rows("links"):
            for row in rows:
                ends = ((row["source_kind"], row["source_id"]), (row["target_kind"], row["target_id"]))
                if any(end in deleted for end in ends):
                    continue
                if filtered and row["source_id"] not in self.exported.get(row["source_kind"], ()):
                    continue
                yield from self.link_nodes(row)


# --- writers -------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def _qname(iri: URIRef) -> str:
    text = str(iri)
    for prefix, namespace in vocab.PREFIXES.items():
        if text.startswith(namespace) and _LOCAL.match(text[len(namespace):]):
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def _turtle_term(term) -> str:
    if isinstance(term, URIRef):
        return _qname(term)
    return term.n3()


class Writer:
    """Turns nodes into text: ``begin()``, ``node()`` for each, ``end()``; each returns text."""

    def begin(self) -> str:
        return ""

    def node(self, subject, pairs) -> str:
        raise NotImplementedError

    def end(self) -> str:
        return ""


class TurtleWriter(Writer):
    def begin(self) -> str:
        return "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in vocab.PREFIXES.items())

    def node(self, subject, pairs) -> str:
        parts = [f"\n{_turtle_term(subject)}"]
        for index, (predicate, obj) in enumerate(pairs):
            verb = "a" if predicate == RDF.type else _turtle_term(predicate)
            parts.append(f"{' ;' if index else ''}\n    {verb} {_turtle_term(obj)}")
        parts.append(" .\n")
        return "".join(parts)


class NTriplesWriter(Writer):
    def node(self, subject, pairs) -> str:
        return "".join(_nt_row((subject, predicate, obj)) for predicate, obj in pairs)


def jsonld_context() -> dict:
    return {"@context": dict(vocab.PREFIXES)}


def _json_term(term):
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    if term.language:
        return {"@value": str(term), "@language": term.language}
    if term.datatype is None or term.datatype == XSD.string:
        return {"@value": str(term)}
    return {"@value": str(term), "@type": _qname(term.datatype).strip("<>")}


class JsonLdWriter(Writer):
    """A JSON-LD document with the context inline (the same one /ns/context.jsonld serves)."""

    def __init__(self):
        self.first = True

    def begin(self) -> str:
        return '{"@context": ' + json.dumps(jsonld_context()["@context"], ensure_ascii=False) + ',\n "@graph": ['

    def node(self, subject, pairs) -> str:
        node: dict = {"@id": str(subject)}
        for predicate, obj in pairs:
            if predicate == RDF.type:
                node.setdefault("@type", []).append(_qname(obj).strip("<>"))
            else:
                node.setdefault(_qname(predicate).strip("<>"), []).append(_json_term(obj))
        text = ("\n  " if self.first else ",\n  ") + json.dumps(node, ensure_ascii=False)
        self.first = False
        return text

    def end(self) -> str:
        return "\n]}\n"


WRITERS = {"ttl": TurtleWriter, "nt": NTriplesWriter, "jsonld": JsonLdWriter}


def render(nodes: Iterable[Node], fmt: str, chunk_nodes: int = 200) -> Iterator[str]:
    """Text chunks of the document made of ``nodes``."""
    writer = WRITERS[check_format(fmt)]()
    parts = [writer.begin()]
    for index, (subject, pairs) in enumerate(nodes, start=1):
        if pairs:
            parts.append(writer.node(subject, pairs))
        if index % chunk_nodes == 0:
            yield "".join(parts)
            parts = []
    parts.append(writer.end())
    yield "".join(parts)


def stream(ctx: Context, fmt: str = "ttl", kinds=None, agency_id=None) -> Iterator[str]:
    """The export of the catalogue (or a selection) as text chunks, for a file or an HTTP answer.

    The selection and the reader's rights are checked before the first chunk is produced."""
    fmt = check_format(fmt)
    exporter = Exporter(ctx, check_selection(ctx, kinds, agency_id))
    return render(exporter.nodes(), fmt)


def export(ctx: Context, out: IO[str], fmt: str = "ttl", kinds=None, agency_id=None) -> None:
    for chunk in stream(ctx, fmt, kinds, agency_id):
        out.write(chunk)


def record_graph(ctx: Context, kind_name: str, record_id: int):
    """One record's RDF (its own triples, its parts, its links both ways) as an rdflib Graph."""
    from rdflib import Graph

    from catalog.services import records

    record = records.get_record(ctx, kind_name, record_id)
    exporter = Exporter(ctx)
    graph = Graph()
    for prefix, namespace in vocab.PREFIXES.items():
        graph.bind(prefix, namespace)
    row = {c.key: getattr(record, c.key) for c in record.__table__.columns}
    nodes = exporter.link_nodes(row) if kind_name == "links" else exporter.record_node(kind_name, row)
    if kind_name != "links":
        for link_kind, id_col in (("source", models.Link.source_id), ("target", models.Link.target_id)):
            kind_col = getattr(models.Link, f"{link_kind}_kind")
            for link in ctx.session.scalars(select(models.Link).where(
                    kind_col == kind_name, id_col == record_id, models.Link.deleted_at.is_(None))):
                nodes += exporter.link_nodes({c.key: getattr(link, c.key) for c in link.__table__.columns})
    for subject, pairs in nodes:
        for predicate, obj in pairs:
            graph.add((subject, predicate, obj))
    return graph
