"""Stable IRIs of records under the configured base (``Settings.base_iri``, env CATALOG_BASE_IRI).

A record's IRI is ``<base>/<kind>/<id>``, the same path as its page, so a browser that follows
an IRI lands on the record and an RDF client that asks for Turtle gets its RDF.
"""
from __future__ import annotations

import re

from rdflib import URIRef

from catalog.kinds import KINDS

DEFAULT_BASE_IRI = "http://localhost:8000"


def normalise_base(base: str | None) -> str:
    return (base or DEFAULT_BASE_IRI).rstrip("/")


class Iris:
    def __init__(self, base: str | None):
        self.base = normalise_base(base)
        self._pattern = re.compile(
            re.escape(self.base) + r"/(" + "|".join(re.escape(k) for k in KINDS) + r")/([0-9]+)$"
        )

    def record(self, kind_name: str, record_id: int) -> URIRef:
        return URIRef(f"{self.base}/{kind_name}/{record_id}")

    def part(self, kind_name: str, record_id: int, fragment: str) -> URIRef:
        return URIRef(f"{self.base}/{kind_name}/{record_id}#{fragment}")

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    @property
    def publisher(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#publisher")

    @property
    def region(self) -> URIRef:
        return URIRef(f"{self.base}/catalog#region")

    def scheme(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}/{slug}")

    def parse(self, iri) -> tuple[str, int] | None:
        """(kind, id) of a record IRI under this base, or None."""
        match = self._pattern.match(str(iri))
        return (match.group(1), int(match.group(2))) if match else None
