"""Generated catalogues of the demo region's shape at any size, for benchmarks.

The demo region is repeated as many times as needed: each copy is a district with its own
agencies, people, services, processes, regional systems, datasets and marts (codes suffixed
``_<k>``, names marked with the district), while federal agencies, federal systems and their data,
life situations, the typical list, acts and document types are shared, as they are in a real
region. Statuses are shuffled with a seeded generator so copies differ. The result has the keys of
``catalog.demo.region`` and is read by ``catalog.demo.loader.load_catalogue``.
"""
from __future__ import annotations

import math
import random

from catalog.demo import region

SHARED = ("LIFE_SITUATIONS", "PROCESS_GROUPS", "TYPICAL_PROCESSES", "ACTS", "DOCUMENT_TYPES")
FEDERAL_AGENCIES = {a["code"] for a in region.AGENCIES if a["kind"] == "federal"}
FEDERAL_SYSTEMS = {s["code"] for s in region.SYSTEMS if s["legal_kind"] == "federal"}
FEDERAL_DATASETS = {d["code"] for d in region.DATASETS if d["owner"] in FEDERAL_AGENCIES}
FEDERAL_MARTS = {m["code"] for m in region.DATA_MARTS if m["owner"] in FEDERAL_AGENCIES}
STATUSES = ["queued_research", "researching", "queued_reengineering", "reengineering", "reengineered",
            "sent_certification", "certified"]
# Registers are mostly at the start of the reengineering path.
STATUS_WEIGHTS = [30, 20, 15, 15, 10, 5, 5]


def generate(processes: int, seed: int = 0, extra_consumes: int = 0) -> dict:
    """``extra_consumes`` adds that many CONSUMES links per process to datasets of its district or
    federal ones (denser graphs for the lineage benchmark)."""
    rng = random.Random(seed)
    copies = max(1, math.ceil(processes / len(region.PROCESSES)))
    data = {name: list(getattr(region, name)) for name in SHARED}
    data["REGION_NAME"] = f"{region.REGION_NAME} (сгенерировано: {processes} процессов)"
    data.update(AGENCIES=[a for a in region.AGENCIES if a["code"] in FEDERAL_AGENCIES],
                SYSTEMS=[s for s in region.SYSTEMS if s["code"] in FEDERAL_SYSTEMS],
                DATASETS=[d for d in region.DATASETS if d["code"] in FEDERAL_DATASETS],
                DATA_MARTS=[m for m in region.DATA_MARTS if m["code"] in FEDERAL_MARTS],
                PEOPLE=[], SERVICES=[], PROCESSES=[])
    for k in range(copies):
        _add_district(data, k, rng, processes - len(data["PROCESSES"]), extra_consumes)
    return data


def _add_district(data: dict, k: int, rng: random.Random, room: int, extra_consumes: int) -> None:
    def code(value: str | None, shared: set[str] = frozenset()) -> str | None:
        if value is None or k == 0 or value in shared:
            return value
        return f"{value}_{k}"

    def name(value: str) -> str:
        return value if k == 0 else f"{value} (округ {k})"

    agency = lambda c: code(c, FEDERAL_AGENCIES)  # noqa: E731
    system = lambda c: code(c, FEDERAL_SYSTEMS)  # noqa: E731
    dataset = lambda c: code(c, FEDERAL_DATASETS)  # noqa: E731

    for a in region.AGENCIES:
        if a["code"] not in FEDERAL_AGENCIES:
            data["AGENCIES"].append({**a, "code": agency(a["code"]), "name": name(a["name"]),
                                     "parent": agency(a["parent"])})
    for p in region.PEOPLE:
        data["PEOPLE"].append({**p, "key": code(p["key"]), "agency": agency(p["agency"])})
    for s in region.SYSTEMS:
        if s["code"] not in FEDERAL_SYSTEMS:
            data["SYSTEMS"].append({**s, "code": system(s["code"]), "name": name(s["name"]),
                                    "operator": agency(s["operator"])})
    for d in region.DATASETS:
        if d["code"] not in FEDERAL_DATASETS:
            data["DATASETS"].append({
                **d, "code": dataset(d["code"]), "name": name(d["name"]), "owner": agency(d["owner"]),
                "stored_in": [system(s) for s in d["stored_in"]],
                "entities": [{**e, "code": code(e["code"])} for e in d["entities"]],
            })
    for m in region.DATA_MARTS:
        if m["code"] not in FEDERAL_MARTS:
            data["DATA_MARTS"].append({
                **m, "code": code(m["code"]), "name": name(m["name"]), "owner": agency(m["owner"]),
                "host": system(m["host"]), "exposes": [dataset(d) for d in m["exposes"]],
                "quality_responsible": code(m["quality_responsible"]),
            })
    for s in region.SERVICES:
        data["SERVICES"].append({**s, "code": code(s["code"]), "name": name(s["name"]), "agency": agency(s["agency"])})
    district_datasets = [dataset(d["code"]) for d in region.DATASETS]
    transports = ["smev", "api", "file", "paper", "manual"]
    kept = region.PROCESSES[:room]
    kept_keys = {f"{p['agency']}:{p['registry_id']}" for p in kept}
    for p in kept:
        data["PROCESSES"].append({
            **p, "agency": agency(p["agency"]), "service": code(p["service"]), "responsible": code(p["responsible"]),
            "status": p["status"] if k == 0 else rng.choices(STATUSES, STATUS_WEIGHTS)[0],
            "consumes": [{**c, "dataset": dataset(c["dataset"])} for c in p["consumes"]] + [
                {"dataset": code_, "transport": rng.choice(transports), "frequency": "on_request"}
                for code_ in rng.sample(district_datasets, min(extra_consumes, len(district_datasets)))],
            "produces": [{**c, "dataset": dataset(c["dataset"])} for c in p["produces"]],
            "automated_by": [system(s) for s in p["automated_by"]],
            "linked": [_linked(other, agency) for other in p["linked"] if other in kept_keys],
        })


def _linked(key: str, agency) -> str:
    agency_code, registry_id = key.split(":", 1)
    return f"{agency(agency_code)}:{registry_id}"
