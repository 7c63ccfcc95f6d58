"""What the linked-data tests share: the demo region, the conformance files, a second empty database."""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
DCAT_AP_SHAPES = CONFORMANCE / "dcat-ap/releases/3.0.1/html/shacl/shapes.ttl"
DCAT_AP_FULL_SHAPES = CONFORMANCE / "dcat-ap/releases/3.0.1/shacl/dcat-ap-SHACL.ttl"
CPSV_AP_SHAPES = CONFORMANCE / "cpsv-ap/releases/3.2.0/shacl/cpsv-ap-SHACL.ttl"
W3C = CONFORMANCE / "w3c-ontologies"
PARSE = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}


def load_demo(ctx) -> None:
    from catalog.demo.loader import load_demo as load

    load(ctx)


def export_text(ctx, fmt: str = "ttl", **selection) -> str:
    from catalog.linked import export

    return "".join(export.stream(ctx, fmt, selection.get("kinds"), selection.get("agency_id")))


def graph_of(text: str, fmt: str = "ttl") -> Graph:
    return Graph().parse(data=text, format=PARSE[fmt])


def empty_database(request, database_url: str, tmp_path) -> str:
    """Another empty, migrated database of the same kind as the test's own."""
    from tests.conftest import new_database

    return new_database(request, "sqlite" if database_url.startswith("sqlite") else "postgresql", tmp_path, "other")
