"""SHACL validation of the catalogue's RDF, reported in Russian: which record, which field, why.

The catalogue's own shapes (``ontology/shapes.ttl``) always run; other shapes files (DCAT-AP,
CPSV-AP) may be added. Validation needs the whole graph in memory (SHACL looks across records),
so it reads the streamed export into one rdflib Graph.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from catalog.errors import InvalidInput
from catalog.kinds import KINDS
from catalog.linked import export, vocab
from catalog.linked.iris import Iris
from catalog.services import records
from catalog.services.context import Context

ONTOLOGY_DIR = Path(__file__).resolve().parents[2] / "ontology"
ONTOLOGY = ONTOLOGY_DIR / "catalog.ttl"
SHAPES = ONTOLOGY_DIR / "shapes.ttl"

_CYRILLIC = re.compile("[а-яА-ЯёЁ]")
SEVERITY = {SH.Violation: "нарушение", SH.Warning: "предупреждение", SH.Info: "замечание"}


@dataclass
class Finding:
    focus: str
    kind: str | None
    record_id: int | None
    record: str  # «процесс № 5 «Название»»
    field: str  # Russian label of the property
    path: str | None
    message: str
    severity: str
    shapes: str
    value: str | None = None

    def line(self) -> str:
        value = f" (значение: {self.value})" if self.value else ""
        return f"{self.record}: поле «{self.field}» — {self.message}{value} [{self.severity}; {self.shapes}]"


def load_shapes(path: Path | str) -> Graph:
    try:
        return Graph().parse(str(path))
    except FileNotFoundError:
        raise InvalidInput("Файл форм SHACL не найден.", {"shapes": [str(path)]}) from None


def _labels() -> Graph:
    return Graph().parse(str(ONTOLOGY))


def _short(iri) -> str:
    text = str(iri)
    for prefix, namespace in vocab.PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text


def _ru(graph: Graph, subject, predicate=RDFS.label) -> str | None:
    values = list(graph.objects(subject, predicate))
    for value in values:
        if isinstance(value, Literal) and value.language == "ru":
            return str(value)
    return None


_SIMPLE = {
    "InConstraintComponent": "значение не из допустимого списка",
    "MinInclusiveConstraintComponent": "значение меньше допустимого",
    "MaxInclusiveConstraintComponent": "значение больше допустимого",
    "MinExclusiveConstraintComponent": "значение меньше допустимого",
    "MaxExclusiveConstraintComponent": "значение больше допустимого",
    "MinLengthConstraintComponent": "значение слишком короткое",
    "MaxLengthConstraintComponent": "значение слишком длинное",
    "PatternConstraintComponent": "значение не соответствует образцу",
    "LanguageInConstraintComponent": "недопустимый язык значения",
    "UniqueLangConstraintComponent": "на одном языке должно быть не больше одного значения",
    "ClosedConstraintComponent": "свойство не предусмотрено формой",
    "SPARQLConstraintComponent": "нарушено правило, заданное запросом SPARQL",
}


class Validator:
    def __init__(self, ctx: Context | None = None, base_iri: str | None = None):
        self.ctx = ctx
        self.iris = Iris(base_iri or (ctx.settings.base_iri if ctx else None))
        self.ontology = _labels()
        self._titles: dict = {}

    def _record(self, focus) -> tuple[str | None, int | None, str]:
        text = str(focus)
        base_part = text.split("#", 1)[0]
        parsed = self.iris.parse(base_part)
        if not parsed:
            return None, None, f"ресурс <{text}>"
        kind_name, record_id = parsed
        title = None
        if self.ctx is not None:
            key = (kind_name, record_id)
            if key not in self._titles:
                found = records.titles_for(self.ctx, {key})
                self._titles[key] = found[key].title if key in found else None
            title = self._titles[key]
        label = f"{KINDS[kind_name].label_one} № {record_id}" + (f" «{title}»" if title else "")
        if "#" in text:
            label += f" (часть «{text.split('#', 1)[1]}»)"
        return kind_name, record_id, label

    def _field(self, path, shapes_graph: Graph, shape) -> str:
        if path is None:
            return "—"
        name = _ru(shapes_graph, shape, SH.name) if shape is not None else None
        return name or _ru(self.ontology, path) or _short(path)

    def run(self, data: Graph, shapes_graph: Graph, shapes_name: str) -> list[Finding]:
        import pyshacl

        try:
            conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none",
                                                       advanced=True, allow_warnings=False)
        except Exception as error:  # pyshacl refuses shapes graphs that are not well-formed SHACL
            reason = str(error).strip().splitlines()[0][:300]
            raise InvalidInput(f"Формы SHACL «{shapes_name}» некорректны и не применены: {reason}",
                               {"shapes": [reason]}) from None
        findings = []
        if conforms:
            return findings
        for node in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(node, SH.focusNode)
            path = report.value(node, SH.resultPath)
            shape = report.value(node, SH.sourceShape)
            component = report.value(node, SH.sourceConstraintComponent)
            value = report.value(node, SH.value)
            messages = list(report.objects(node, SH.resultMessage))
            message = next((str(m) for m in messages if isinstance(m, Literal) and m.language == "ru"), None) \
                or next((str(m) for m in messages if _CYRILLIC.search(str(m))), None)
            if value == focus:
                value = None
            if message is None and shape is not None:
                message = _ru(shapes_graph, shape, SH.message) or _explain(shapes_graph, shape, component,
                                                                           self.ontology)
            kind_name, record_id, record_label = self._record(focus)
            findings.append(Finding(
                focus=str(focus), kind=kind_name, record_id=record_id, record=record_label,
                field=self._field(path, shapes_graph, shape), path=str(path) if path is not None else None,
                message=message, severity=SEVERITY.get(report.value(node, SH.resultSeverity), "нарушение"),
                shapes=shapes_name, value=(_short(value) if isinstance(value, URIRef) else str(value)) if value is not None else None,
            ))
        findings.sort(key=lambda f: (f.kind or "", f.record_id or 0, f.field))
        return findings


def _explain(shapes_graph: Graph, shape, component, ontology: Graph) -> str:
    """A Russian sentence for a constraint whose shape gave no Russian message of its own."""
    name = str(component).rsplit("#", 1)[-1]

    def param(p):
        return shapes_graph.value(shape, SH[p])

    if name == "MinCountConstraintComponent":
        return f"обязательное поле не заполнено (нужно не меньше {param('minCount')})"
    if name == "MaxCountConstraintComponent":
        return f"значений больше, чем допускается (не больше {param('maxCount')})"
    if name == "ClassConstraintComponent":
        cls = param("class")
        label = (_ru(ontology, cls) if cls is not None else None) or _short(cls)
        return f"значение должно быть ресурсом класса «{label}» (с этим типом в данных)"
    if name == "DatatypeConstraintComponent":
        return f"значение должно иметь тип данных {_short(param('datatype'))}"
    if name == "NodeKindConstraintComponent":
        kind = str(param("nodeKind") or "").rsplit("#", 1)[-1]
        wanted = {"IRI": "ссылка (IRI)", "Literal": "литерал (текст, число, дата)",
                  "BlankNodeOrIRI": "ссылка (IRI) или пустой узел"}.get(kind, kind)
        return f"неверный вид значения: нужна {wanted}"
    return _SIMPLE.get(name, f"нарушено ограничение {name}")


@dataclass
class Report:
    findings: list[Finding]
    triples: int
    shapes: list[str]

    @property
    def conforms(self) -> bool:
        return not self.findings


def catalogue_graph(ctx: Context) -> Graph:
    graph = Graph()
    buffer = io.StringIO()
    export.export(ctx, buffer, "nt")
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph


def validate_catalog(ctx: Context, extra_shapes: list[tuple[str, Path | str]] = ()) -> Report:
    """Run the catalogue's shapes (and any extra ones, named) on the live catalogue."""
    data = catalogue_graph(ctx)
    validator = Validator(ctx)
    findings = validator.run(data, load_shapes(SHAPES), "правила каталога")
    names = ["правила каталога"]
    for name, path in extra_shapes:
        findings += validator.run(data, load_shapes(path), name)
        names.append(name)
    return Report(findings, len(data), names)
