"""RDF in the catalogue's vocabularies → records, through the service layer, in one transaction
(run by ``catalog.services.imports.rdf``: rights, the transaction, the dry run).

Every record is created (or, when its IRI names a record of this catalogue, updated) by
``catalog.services.records``, so the schemas, the rules, the rights and the history apply as if
it had been typed in. Anything wrong stops the import with a message naming the record (its IRI)
and the field, and nothing is written: the caller's context must not autocommit.

A record keeps the number in its IRI when that number is free in the target catalogue, so
export → import into an empty catalogue → export gives the same graph.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import re
from functools import cache
from pathlib import Path
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urljoin

from defusedxml import DefusedXmlException
from rdflib import BNode, Graph, Literal, URIRef, plugin
from rdflib.namespace import RDF
from rdflib.parser import Parser
from rdflib.plugins.parsers.rdfxml import ErrorHandler, RDFXMLHandler, RDFXMLParser
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext
from sqlalchemy import func, select, text

from catalog.errors import CatalogError, InvalidInput
from catalog import models
from catalog.kinds import KINDS, LINK_RULES
from catalog.linked import vocab
from catalog.linked.export import NO_DESCRIPTION
from catalog.linked.iris import Iris
from catalog.linked.vocab import CLASSES, FIELDS, PDC
from catalog.services import records
from catalog.services.context import Context

# Records are created so that what a record points to exists before it.
IMPORT_ORDER = ["agencies", "people", "life-situations", "acts", "process-groups", "typical-processes",
                "service-spheres", "typical-services", "services", "systems", "datasets", "entities", "attributes",
                "document-types", "marts", "processes", "process-consumers", "links"]
# Standard classes that make a resource from elsewhere a record of a kind, and the values the
# catalogue requires that such RDF does not carry.
FOREIGN_CLASSES = {
    # foaf:Agent is the DCAT-AP range of dct:publisher: most catalogues name their publishers so.
    "agencies": (vocab.ORG.Organization, vocab.CV.PublicOrganisation, vocab.FOAF.Agent),
    "services": (vocab.CPSV.PublicService,),
    "life-situations": (vocab.CV.LifeEvent,),
    "acts": (vocab.ELI.LegalResource,),
    "datasets": (vocab.DCAT.Dataset,),
    "document-types": (vocab.CV.EvidenceType,),
    "marts": (vocab.DCAT.DataService,),
}
# Predicates whose object is an agency even when the file gives it no class (a publisher named only).
AGENCY_PREDICATES = (vocab.DCTERMS.publisher, vocab.CV.hasCompetentAuthority)
# Standard properties kept in a field of the catalogue when its own predicate is not there.
FOREIGN_FIELDS = {"agencies": {"website": vocab.FOAF.homepage}}
FOREIGN_DEFAULTS = {
    "agencies": {"kind": "other"},
    "services": {"kind": "service"},
    "acts": {"kind": "other"},
    "marts": {"kind": "agency"},
}
PARSE_FORMATS = {"ttl": "turtle", "turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "json-ld": "json-ld",
                 "xml": "xml", "rdf": "xml"}
FORMAT_NAMES = {"turtle": "Turtle", "nt": "N-Triples", "json-ld": "JSON-LD", "xml": "RDF/XML"}


# --- parsing RDF without fetching anything -------------------------------------------------
#
# rdflib resolves a JSON-LD "@context" (or "@import") given as a string by opening it as a URL or
# a local file, and its RDF/XML parser expands the entities of a DTD. An uploaded document must
# cost no request to anywhere and no file read: contexts come only from the copies the catalogue
# ships, RDF/XML with a DTD is refused.

_shipped_contexts: contextvars.ContextVar[dict] = contextvars.ContextVar("shipped_contexts", default={})


class ContextRefused(Exception):
    def __init__(self, iri: str):
        super().__init__(iri)
        self.iri = iri


def _fetch_shipped_context(self, source, base, referenced_contexts):
    """Replaces rdflib's context loader (which opens URLs and files): shipped copies or a refusal."""
    shipped = _shipped_contexts.get()
    iri = source if source in shipped else urljoin(base or "", source)
    if iri not in shipped:
        raise ContextRefused(source)  # as written: the resolved form would show the server's folder
    return json.loads(json.dumps(shipped[iri]))  # rdflib may change what it is given


if not hasattr(JsonLdContext, "_fetch_context"):  # pragma: no cover - a new rdflib must be checked again
    raise ImportError("rdflib's JSON-LD context loader moved: catalog.linked.importer must be updated")
JsonLdContext._fetch_context = _fetch_shipped_context


# Copies of the standards' published contexts (catalog/linked/contexts/), by the IRIs documents name.
SHIPPED_CONTEXT_FILES = {
    "https://semiceu.github.io/uri.semic.eu-generated/CPSV-AP/releases/3.2.0/context/cpsv-ap.jsonld":
        "cpsv-ap-3.2.0.jsonld",
}


@cache
def _context_file(name: str) -> dict:
    return json.loads((Path(__file__).parent / "contexts" / name).read_text(encoding="utf-8"))


def shipped_contexts(settings) -> dict[str, dict]:
    """JSON-LD contexts an imported document may name by IRI: the catalogue's own /ns/context.jsonld
    and the copies of DCAT-AP / CPSV-AP contexts shipped with it."""
    from catalog.linked.export import jsonld_context

    contexts = {iri: _context_file(name) for iri, name in SHIPPED_CONTEXT_FILES.items()}
    contexts[f"{settings.base_iri}/ns/context.jsonld"] = jsonld_context()
    return contexts


class SafeRdfXmlParser(RDFXMLParser):
    """rdflib's RDF/XML parser on an expat reader that refuses DTDs, entities and external references."""

    def parse(self, source, sink, **args) -> None:
        from defusedxml.expatreader import create_parser
        from xml.sax import handler

        reader = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        reader.start_namespace_decl("xml", "http://www.w3.org/XML/1998/namespace")
        reader.setFeature(handler.feature_namespaces, 1)
        rdfxml = RDFXMLHandler(sink)
        rdfxml.setDocumentLocator(source)
        reader.setContentHandler(rdfxml)
        reader.setErrorHandler(ErrorHandler())
        reader.parse(source)


plugin.register("pdc-safe-xml", Parser, __name__, "SafeRdfXmlParser")
PARSER_PLUGINS = {"xml": "pdc-safe-xml"}


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # What the catalogue does not model: {"dcat:distribution": 2} for values of imported records,
    # {"dcat:Distribution": 2} for resources of classes it has no record for.
    ignored_properties: dict[str, int] = field(default_factory=dict)
    ignored_classes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # records left out, each with its reason

    def summary(self) -> str:
        def part(counts):
            return ", ".join(f"{KINDS[k].label.lower()} {v}" for k, v in counts.items() if v) or "нет"
        return f"создано: {part(self.created)}; изменено: {part(self.updated)}; без изменений: {part(self.unchanged)}"

    def notes(self) -> list[str]:
        def counts(found):
            return ", ".join(f"{name} — {number}" for name, number in found.items())
        notes = list(self.skipped)
        if self.ignored_properties:
            notes.append(f"Не перенесены свойства, которых нет в каталоге: {counts(self.ignored_properties)}.")
        if self.ignored_classes:
            notes.append(f"Не перенесены ресурсы классов, которых нет в каталоге: {counts(self.ignored_classes)}.")
        return notes


def guess_format(filename: str | None, declared: str | None = None) -> str:
    if declared:
        key = declared.lower()
        if key not in PARSE_FORMATS:
            raise InvalidInput("Неизвестный формат RDF.", {"format": ["Допустимо: ttl, nt, jsonld, xml."]})
        return PARSE_FORMATS[key]
    suffix = (filename or "").rsplit(".", 1)[-1].lower()
    return PARSE_FORMATS.get(suffix, "turtle")


def parse(data: str | bytes, fmt: str, contexts: dict[str, dict] | None = None) -> Graph:
    """Parse RDF text; a malformed document gets an error naming the line and what is wrong.

    Nothing is fetched: JSON-LD contexts named by IRI come from ``contexts`` (shipped copies), any
    other is refused naming it; RDF/XML with a DTD or entities is refused."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput("Файл RDF не в кодировке UTF-8.",
                               {"file": [f"Неверный байт в позиции {error.start}."]}) from None
    name = FORMAT_NAMES.get(fmt, fmt)
    token = _shipped_contexts.set(contexts or {})
    try:
        return Graph().parse(data=data, format=PARSER_PLUGINS.get(fmt, fmt))
    except ContextRefused as error:
        allowed = ", ".join(f"<{iri}>" for iri in contexts or {}) or "нет"
        raise InvalidInput(
            f"Контекст JSON-LD <{error.iri}> не загружается: каталог не обращается ни к сети, ни к файлам.",
            {"@context": [f"Контекст <{error.iri}> не принят: дайте его в документе объектом "
                          f"(«@context»: {{…}}) или сошлитесь на встроенный ({allowed})."]}) from None
    except DefusedXmlException as error:
        what = {"DTDForbidden": "объявление типа документа (<!DOCTYPE …>)",
                "EntitiesForbidden": "объявление сущности (<!ENTITY …>)"}.get(type(error).__name__,
                                                                              "ссылку на внешний ресурс")
        raise InvalidInput(f"Файл RDF/XML содержит {what}: DTD и сущности не принимаются.",
                           {"file": [f"Уберите {what} из файла."]}) from None
    except json.JSONDecodeError as error:
        where, why = f"строка {error.lineno}, позиция {error.colno}", error.msg
    except (NameError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        # A parser's own bug, not a position in the file (rdflib's JSON-LD on a bare value: «cannot access local
        # variable 'resources'»; a document nested too deep): its message would mean nothing to the sender.
        where, why = "документ", "структура документа не соответствует формату"
    except Exception as error:  # rdflib's parsers raise many kinds; each is reported the same way
        where, why = _where(error, data)
    finally:
        _shipped_contexts.reset(token)
    raise InvalidInput(f"Файл не разобран как {name}: {where}: {why}.", {"file": [f"{where}: {why}"]})


def _where(error: Exception, data: str) -> tuple[str, str]:
    lines = getattr(error, "lines", None)
    why = getattr(error, "_why", None) or str(error)
    if isinstance(lines, int):
        return f"строка {lines + 1}", why
    match = re.search(r"Invalid line(?: \(.*?\))?: (.*)$", str(error), re.S)
    if match:
        bad = match.group(1).strip()
        # The parser reports the rest of the line from where it stopped.
        for number, line in enumerate(data.splitlines(), start=1):
            if bad and line.rstrip().endswith(bad):
                return f"строка {number}", f"неверная строка N-Triples «{line.strip()[:200]}», ошибка около «{bad[:80]}»"
    match = re.search(r"line (\d+)", str(error))
    return (f"строка {match.group(1)}" if match else "документ"), why.strip().splitlines()[0][:300]


class Importer:
    def __init__(self, ctx: Context, graph: Graph):
        if ctx.autocommit:
            raise ValueError("the import runs in one transaction: pass Context(autocommit=False)")
        self.ctx = ctx
        self.graph = graph
        self.iris = Iris(ctx.settings.base_iri)
        self.ids: dict[URIRef, tuple[str, int]] = {}  # IRI in the file → (kind, id) in this catalogue
        self.next_ids: dict[str, int] = {}
        self.result = ImportResult()

    # --- finding the records in the graph ------------------------------------------------

    def subjects(self) -> dict[str, list[URIRef]]:
        found: dict[str, list[URIRef]] = {}
        seen: set = set()
        for kind_name in IMPORT_ORDER:
            own = set(self.graph.subjects(RDF.type, CLASSES[kind_name][0]))
            # RDF from elsewhere may carry only the standard class (cpsv:PublicService, dcat:Dataset…).
            for cls in FOREIGN_CLASSES.get(kind_name, ()):
                own |= {s for s in self.graph.subjects(RDF.type, cls)
                        if not any((s, RDF.type, CLASSES[k][0]) in self.graph for k in KINDS)}
            if kind_name == "agencies":
                own |= {o for p in AGENCY_PREDICATES for o in self.graph.objects(None, p)
                        if isinstance(o, (URIRef, BNode))
                        and not any((o, RDF.type, CLASSES[k][0]) in self.graph for k in KINDS)}
            own -= seen
            # A blank node is a record only as a resource from elsewhere (a publisher written [ … ]).
            own = {s for s in own if (isinstance(s, URIRef) or self._foreign(kind_name, s))
                   and s not in (self.iris.publisher, self.iris.catalog, self.iris.region)}
            seen |= own
            found[kind_name] = sorted(own, key=self._order_key)
        found["agencies"] = self._parents_first(found["agencies"])
        return found

    def _order_key(self, iri):
        parsed = self.iris.parse(iri) if isinstance(iri, URIRef) else None
        return (0, parsed[1], "") if parsed else (1, 0, str(iri))

    def _foreign(self, kind_name: str, subject) -> bool:
        """A resource from another catalogue: it lacks the catalogue's own class for its kind."""
        return (subject, RDF.type, CLASSES[kind_name][0]) not in self.graph

    def _label(self, subject) -> str:
        """How a message names a resource: its IRI, or a blank node by its name (never rdflib's label)."""
        if isinstance(subject, URIRef):
            return f"<{subject}>"
        for predicate in (vocab.FOAF.name, vocab.SKOS.prefLabel, vocab.DCTERMS.title, vocab.DCTERMS.identifier):
            value = self._one(subject, predicate, prefer_ru=True)
            if value is not None:
                return f"«{value}» (безымянный ресурс)"
        return "безымянный ресурс без названия"

    def _parents_first(self, agencies: list[URIRef]) -> list[URIRef]:
        wanted = set(agencies)
        done: list[URIRef] = []
        placed: set = set()

        def place(iri, trail=()):
            if iri in placed or iri in trail:
                return
            parent = self.graph.value(iri, vocab.ORG.subOrganizationOf)
            if parent in wanted:
                place(parent, (*trail, iri))
            placed.add(iri)
            done.append(iri)

        for iri in agencies:
            place(iri)
        return done

    # --- reading values -------------------------------------------------------------------

    def _fail(self, subject, kind_name: str, field_name: str, message: str):
        label = KINDS[kind_name].fields().get(field_name)
        field_label = label.metadata.get("label", field_name) if label is not None else field_name
        raise InvalidInput(f"{self._label(subject)} ({KINDS[kind_name].label_one}): поле «{field_label}»: {message}",
                           {f"{self._label(subject)} {field_name}": [message]})

    def _one(self, subject, predicate, prefer_ru: bool = False):
        values = list(self.graph.objects(subject, predicate))
        if prefer_ru and len(values) > 1:
            order = {"ru": 0, "en": 1}
            values.sort(key=lambda v: (order.get(v.language, 2) if isinstance(v, Literal) and v.language else 3,
                                       str(v)))
        return values[0] if values else None

    def _resolve(self, subject, kind_name, field_name, target_kind, iri):
        if iri in (self.iris.publisher,):
            return None
        if iri in self.ids:
            found_kind, found_id = self.ids[iri]
            if found_kind != target_kind:
                self._fail(subject, kind_name, field_name,
                           f"ссылка на <{iri}> ведёт к записи вида «{KINDS[found_kind].label_one}», "
                           f"а нужна «{KINDS[target_kind].label_one}».")
            return found_id
        parsed = self.iris.parse(iri) if isinstance(iri, URIRef) else None
        if parsed and parsed[0] == target_kind and self.ctx.session.get(KINDS[target_kind].model, parsed[1]):
            return parsed[1]
        self._fail(subject, kind_name, field_name,
                   f"ссылка на запись {self._label(iri)}, которой нет ни в файле, ни в каталоге.")

    def _concept(self, subject, kind_name, field_name, scheme, value):
        prefix = f"{vocab.VOCAB_BASE}{scheme}/"
        text_value = str(value)
        if not text_value.startswith(prefix):
            self._fail(subject, kind_name, field_name, f"значение <{value}> не из словаря «{scheme}».")
        return text_value[len(prefix):]

    def values_of(self, kind_name: str, subject: URIRef) -> dict:
        data: dict = {}
        g = self.graph
        for f in FIELDS[kind_name]:
            if f.how == "node":
                continue
            if f.how.startswith("enums:"):
                data[f.field] = sorted(self._concept(subject, kind_name, f.field, f.how[6:], v)
                                       for v in g.objects(subject, f.predicate))
                continue
            if f.how == "metadata":
                items = []
                for part in g.objects(subject, f.predicate):
                    order = self._one(part, PDC.order)
                    items.append((int(order) if order is not None else 0, {
                        "name": str(self._one(part, vocab.DCTERMS.title, True) or ""),
                        "data_type": self._concept(subject, kind_name, f.field, "data-type",
                                                   self._one(part, PDC.dataType) or ""),
                        "required": bool(self._one(part, PDC.isRequired) and self._one(part, PDC.isRequired).toPython()),
                    }))
                data[f.field] = [item for _, item in sorted(items, key=lambda i: i[0])]
                continue
            value = self._one(subject, f.predicate, prefer_ru=True)
            if f.how in ("evidence", "output"):
                value = self._one(value, vocab.DCTERMS.title, True) if value is not None else None
                data[f.field] = str(value) if value is not None else None
                continue
            if value is None:
                data[f.field] = False if f.how == "bool" else None
                continue
            if f.how in ("text", "plain", "uri"):
                data[f.field] = str(value)
            elif f.how == "bool":
                data[f.field] = bool(value.toPython()) if isinstance(value, Literal) else False
            elif f.how == "decimal":
                try:
                    data[f.field] = float(value)
                except ValueError:
                    self._fail(subject, kind_name, f.field, f"«{value}» не число.")
            elif f.how == "date":
                data[f.field] = str(value)
            elif f.how.startswith("ref:"):
                data[f.field] = self._resolve(subject, kind_name, f.field, f.how[4:], value)
            elif f.how.startswith("enum:"):
                data[f.field] = self._concept(subject, kind_name, f.field, f.how[5:], value)
            elif f.how == "freq":
                code = str(value).removeprefix(str(vocab.EU_FREQ))
                if code not in vocab.EU_FREQUENCY_BACK:
                    self._fail(subject, kind_name, f.field, f"периодичность <{value}> не из таблицы частот ЕС.")
                data[f.field] = vocab.EU_FREQUENCY_BACK[code]
        self._fill_foreign(kind_name, subject, data)
        if kind_name in vocab.REQUIRED_DESCRIPTION:
            title = data.get(KINDS[kind_name].title_field)
            if title and data.get("description") == f"{title}{NO_DESCRIPTION}":
                data["description"] = None
        if kind_name == "links":
            for side in ("source", "target"):
                iri = self._one(subject, getattr(PDC, side))
                if iri not in self.ids and not self.iris.parse(iri or ""):
                    self._fail(subject, "links", f"{side}_id", f"запись <{iri}> не найдена ни в файле, ни в каталоге.")
                kind_id = self.ids.get(iri) or self.iris.parse(iri)
                data[f"{side}_kind"], data[f"{side}_id"] = kind_id
            if data.get("link_type") is None:
                self._fail(subject, "links", "link_type", "не указан тип связи (pdc:linkType).")
        return data

    def _fill_foreign(self, kind_name: str, subject: URIRef, data: dict) -> None:
        """What RDF from other catalogues (CPSV-AP, DCAT) lacks and the catalogue requires."""
        title_field = KINDS[kind_name].title_field
        if data.get(title_field) is None:
            for predicate in (vocab.DCTERMS.title, vocab.SKOS.prefLabel, vocab.FOAF.name, vocab.DCTERMS.identifier):
                value = self._one(subject, predicate, prefer_ru=True)
                if value is not None:
                    data[title_field] = str(value)
                    break
        if kind_name == "links" or (subject, RDF.type, CLASSES[kind_name][0]) in self.graph:
            return
        for name, value in FOREIGN_DEFAULTS.get(kind_name, {}).items():
            if data.get(name) is None:
                data[name] = value
        if data.get(title_field) is None and isinstance(subject, URIRef):
            data[title_field] = _tail(subject)  # a publisher named only by its IRI
        if data.get("code") is None and "code" in KINDS[kind_name].fields():
            data["code"] = self._foreign_code(kind_name, subject, data.get(title_field))
        for name, predicate in FOREIGN_FIELDS.get(kind_name, {}).items():
            value = self._one(subject, predicate)
            if data.get(name) is None and value is not None:
                data[name] = str(value)
        if kind_name == "marts" and data.get("owner_agency_id") is None:
            data["owner_agency_id"] = self._inherited_owner(subject)

    def _foreign_code(self, kind_name: str, subject, title) -> str:
        """The code a resource from elsewhere is found by at the next import of the same file: an agency's
        identifier or the end of its IRI (as catalogues write agency codes), any other record's IRI."""
        identifier = self._one(subject, vocab.DCTERMS.identifier)
        if kind_name == "agencies" or isinstance(subject, BNode):
            if identifier is not None:
                code = str(identifier)
            elif isinstance(subject, URIRef):
                code = _tail(subject)
            else:
                code = str(title or "")
        else:
            code = str(subject)
        if len(code) > 64:  # the column's width; the hash keeps two long IRIs apart
            code = f"{code[:55]}-{hashlib.sha1(code.encode()).hexdigest()[:8]}"
        return code

    def _inherited_owner(self, subject):
        """dct:publisher of a dcat:DataService is optional in DCAT-AP; the catalogue needs an owner: that of
        the datasets it serves, or the publisher of the catalogue that lists it."""
        for dataset in self.graph.objects(subject, vocab.DCAT.servesDataset):
            if dataset in self.ids:
                record = self.ctx.session.get(models.Dataset, self.ids[dataset][1])
                if record is not None and record.owner_agency_id is not None:
                    return record.owner_agency_id
        for catalog in self.graph.subjects(vocab.DCAT.service, subject):
            publisher = self._one(catalog, vocab.DCTERMS.publisher)
            if publisher in self.ids and self.ids[publisher][0] == "agencies":
                return self.ids[publisher][1]
        return None

    # --- writing --------------------------------------------------------------------------

    def _free_id(self, kind_name: str, subject: URIRef, claimed: set[int]) -> int:
        parsed = self.iris.parse(subject)
        model = KINDS[kind_name].model
        if parsed and parsed[0] == kind_name and parsed[1] not in claimed \
                and self.ctx.session.get(model, parsed[1]) is None:
            return parsed[1]
        if kind_name not in self.next_ids:
            self.next_ids[kind_name] = (self.ctx.session.scalar(select(func.max(model.id))) or 0) + 1
        while self.next_ids[kind_name] in claimed:
            self.next_ids[kind_name] += 1
        return self.next_ids[kind_name]

    def _existing(self, kind_name: str, subject: URIRef, data: dict | None = None):
        parsed = self.iris.parse(subject) if isinstance(subject, URIRef) else None
        if parsed and parsed[0] == kind_name:
            return self.ctx.session.get(KINDS[kind_name].model, parsed[1])
        if data is not None and data.get("code") and self._foreign(kind_name, subject):
            # A resource from elsewhere imported before: found by the code its IRI gave it.
            model = KINDS[kind_name].model
            return self.ctx.session.scalar(select(model).where(model.code == data["code"]).limit(1))
        return None

    def run(self) -> ImportResult:
        found = self.subjects()
        if not any(found.values()):
            raise InvalidInput("В файле нет записей каталога: ни одного ресурса известного класса "
                               "(pdc:Process, cpsv:PublicService, dcat:Dataset…).", {"file": ["Нет записей."]})
        # Numbers the file's own IRIs claim, so records from elsewhere do not take them first.
        claimed: dict[str, set[int]] = defaultdict(set)
        for kind_name, subjects in found.items():
            for subject in subjects:
                parsed = self.iris.parse(subject)
                if parsed and parsed[0] == kind_name and self._existing(kind_name, subject) is None:
                    claimed[kind_name].add(parsed[1])
        for kind_name in IMPORT_ORDER:
            for subject in found[kind_name]:
                self._write(kind_name, subject, claimed[kind_name])
        self._direct_links(found["links"], claimed["links"])
        self._advance_sequences()
        self._count_ignored(found)
        return self.result

    def _count_ignored(self, found: dict[str, list]) -> None:
        """What the file says that the catalogue has no field or record for, by property and by class."""
        known = {RDF.type, vocab.DCTERMS.title, vocab.SKOS.prefLabel, vocab.FOAF.name, vocab.DCTERMS.identifier,
                 vocab.DCAT.servesDataset}
        for fields_of_kind in FIELDS.values():
            known |= {f.predicate for f in fields_of_kind}
        for by_source in vocab.LINK_PREDICATES.values():
            known |= set(by_source.values())
        records_found = {s for subjects in found.values() for s in subjects}
        kind_of = {s: kind_name for kind_name, subjects in found.items() for s in subjects}
        # The catalogue's own export points at its region, catalogue and publisher, and gives a data
        # mart as its own endpoint: nothing of that is lost on the way back.
        skip = {self.iris.publisher, self.iris.catalog, self.iris.region}
        properties: dict[str, int] = defaultdict(int)
        for subject in records_found:
            for predicate, obj in self.graph.predicate_objects(subject):
                if predicate not in known and obj not in skip and obj != subject \
                        and predicate not in FOREIGN_FIELDS.get(kind_of[subject], {}).values():
                    properties[_short(predicate)] += 1
        classes: dict[str, int] = defaultdict(int)
        own = (str(PDC), vocab.VOCAB_BASE, str(vocab.SKOS), str(vocab.OWL), str(vocab.RDFS))
        for subject, cls in self.graph.subject_objects(RDF.type):
            if subject in records_found or subject in skip or str(cls).startswith(own) \
                    or str(subject).startswith(own):
                continue
            classes[_short(cls)] += 1
        self.result.ignored_properties = dict(sorted(properties.items()))
        self.result.ignored_classes = dict(sorted(classes.items()))

    def _write(self, kind_name: str, subject: URIRef, claimed: set[int]) -> None:
        data = self.values_of(kind_name, subject)
        # A value the file does not give for a field that cannot be empty (a mart's stage) keeps what the
        # catalogue has, or its default: a file silent on it never clears it.
        columns = KINDS[kind_name].model.__table__.c
        data = {k: v for k, v in data.items() if v is not None or k not in columns or columns[k].nullable}
        existing = self._existing(kind_name, subject, data)
        if existing is None and self._foreign(kind_name, subject) and self._skip_incomplete(kind_name, subject, data):
            return
        try:
            if existing is not None:
                before = existing.version
                record = records.update_record(self.ctx, kind_name, existing.id, {**data, "version": existing.version})
                (self.result.updated if record.version != before else self.result.unchanged)[kind_name] += 1
            else:
                parsed = self.iris.parse(subject)
                record_id = self._free_id(kind_name, subject, claimed - ({parsed[1]} if parsed else set()))
                claimed.add(record_id)
                record = records.create_record(self.ctx, kind_name, data, record_id=record_id)
                self.result.created[kind_name] += 1
        except CatalogError as error:
            fields = {f"{self._label(subject)} {name}": msgs for name, msgs in error.fields.items()}
            detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.fields.items())
            message = f"{self._label(subject)} ({KINDS[kind_name].label_one}): {error.message}" + (f" {detail}" if detail else "")
            raise type(error)(message, fields, **error.extra) from None
        self.ids[subject] = (kind_name, record.id)

    def _skip_incomplete(self, kind_name: str, subject, data: dict) -> bool:
        """A resource from elsewhere without a reference the catalogue requires and its standard leaves
        optional (a dcat:DataService without dct:publisher) is left out with a note, not the whole file."""
        schema_fields = KINDS[kind_name].fields()
        for f in FIELDS[kind_name]:
            declared = schema_fields.get(f.field)
            if f.how.startswith("ref:") and declared is not None and declared.required and data.get(f.field) is None:
                label = declared.metadata.get("label", f.field)
                self.result.skipped.append(
                    f"{self._label(subject)} ({KINDS[kind_name].label_one}) не загружен(а): нет значения "
                    f"«{label}» ({_short(f.predicate)}), а в каталоге оно обязательно.")
                return True
        return False

    def _kind_id(self, iri) -> tuple[str, int] | None:
        if iri in self.ids:
            return self.ids[iri]
        if not isinstance(iri, URIRef):
            return None
        parsed = self.iris.parse(iri)
        if parsed and self.ctx.session.get(KINDS[parsed[0]].model, parsed[1]) is not None:
            return parsed
        return None

    def _direct_links(self, link_nodes: list[URIRef], claimed: set[int]) -> None:
        """Links said only the standard way (prov:used, cv:isGroupedBy, dcat:servesDataset…) between
        records of the file or of the catalogue, when no pdc:Link node already describes them."""
        described = {(self._one(n, PDC.linkType), self._one(n, PDC.source), self._one(n, PDC.target))
                     for n in link_nodes}
        for link_type, by_source in vocab.LINK_PREDICATES.items():
            type_iri = vocab.concept("link-type", link_type)
            sources, targets = LINK_RULES[link_type]
            for source_kind, predicate in by_source.items():
                predicates = [predicate] + ([vocab.DCAT.servesDataset] if link_type == "EXPOSES" else [])
                for used in predicates:
                    for subject, obj in self.graph.subject_objects(used):
                        source_iri, target_iri = (obj, subject) if link_type == "PRODUCES" else (subject, obj)
                        if (type_iri, source_iri, target_iri) in described:
                            continue
                        source, target = self._kind_id(source_iri), self._kind_id(target_iri)
                        if source is None or target is None or source[0] != source_kind or target[0] not in targets:
                            continue
                        described.add((type_iri, source_iri, target_iri))
                        if self.ctx.session.scalar(select(models.Link.id).where(
                                models.Link.link_type == link_type, models.Link.source_kind == source[0],
                                models.Link.source_id == source[1], models.Link.target_kind == target[0],
                                models.Link.target_id == target[1], models.Link.deleted_at.is_(None)).limit(1)):
                            continue
                        record_id = self._free_id("links", URIRef(""), claimed)
                        claimed.add(record_id)
                        records.create_record(self.ctx, "links", {
                            "link_type": link_type, "source_kind": source[0], "source_id": source[1],
                            "target_kind": target[0], "target_id": target[1]}, record_id=record_id)
                        self.result.created["links"] += 1

    def _advance_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind: move them past the largest id."""
        session = self.ctx.session
        if session.get_bind().dialect.name != "postgresql":
            return
        for kind_name in set(self.result.created):
            table = KINDS[kind_name].model.__tablename__
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def _tail(iri) -> str:
    return re.split(r"[/#]", str(iri).rstrip("/#"))[-1]


_SHORT_PREFIXES = {**vocab.PREFIXES, "dcatap": str(vocab.DCATAP), "vcard": "http://www.w3.org/2006/vcard/ns#",
                   "adms": "http://www.w3.org/ns/adms#", "locn": "http://www.w3.org/ns/locn#",
                   "schema": "https://schema.org/", "spdx": "http://spdx.org/rdf/terms#",
                   "odrl": "http://www.w3.org/ns/odrl/2/", "time": "http://www.w3.org/2006/time#"}


def _short(iri) -> str:
    """A property or class as the standards write it (dcat:distribution), else in full."""
    text_iri = str(iri)
    for prefix, namespace in sorted(_SHORT_PREFIXES.items(), key=lambda item: -len(item[1])):
        if text_iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*", text_iri[len(namespace):]):
            return f"{prefix}:{text_iri[len(namespace):]}"
    return f"<{text_iri}>"
