"""Issue 17's flags in search: systems «без заключения» and processes whose status is «не подтверждён» are a
value of the «stage» facet, and the flag follows the records it rests on (a request approved for the system,
a certification recorded for the process) without a reindex."""
from __future__ import annotations

from datetime import date, timedelta

from catalog.services import evidence, search
from catalog.services import records as r
from tests.test_gate import approve, people  # noqa: F401  (the fixture)
from tests.test_requests import describe_and_optimise, good_request

NO_CONCLUSION, UNCONFIRMED = "systems:no_conclusion", "processes:unconfirmed"


def _flagged(ctx, value):
    result = search.search(ctx, None, {"stage": value})
    return [(hit.kind, hit.record_id) for hit in result.hits]


def test_a_system_without_a_conclusion_is_a_facet_value_until_a_request_is_approved(ctx, seed, people):  # noqa: F811
    describe_and_optimise(ctx, seed.process.id)
    ctx.settings.gate_existing_landscape = True  # the inherited landscape: saved, flagged
    try:
        system = r.create_record(ctx, "systems", {"name": "Система учёта выплат", "short_name": "СУВ",
                                                  "legal_kind": "regional", "stage": "development"})
    finally:
        ctx.settings.gate_existing_landscape = False
    running = r.create_record(ctx, "systems", {"name": "Система учёта льгот", "legal_kind": "regional",
                                               "stage": "operation"})
    result = search.search(ctx, "система учёта")
    labels = {v.value: (v.label, v.count) for v in result.facets["stage"]}
    assert labels[NO_CONCLUSION] == ("информационная система: без заключения", 1)
    assert _flagged(ctx, NO_CONCLUSION) == [("systems", system.id)]
    # The request naming it, approved: the system's document follows without a reindex.
    approve(ctx, people, good_request(seed, kind="develop", system_id=system.id, new_system_name=None))
    assert _flagged(ctx, NO_CONCLUSION) == []
    assert {h.record_id for h in search.search(ctx, "система учёта").hits} >= {system.id, running.id}


def test_a_process_with_an_unconfirmed_status_is_a_facet_value_until_its_evidence_exists(ctx, seed):
    ctx.declared = True  # as the register declares it (Kemerovo 3): kept, «не подтверждён»
    try:
        r.update_record(ctx, "processes", seed.process.id, {"version": seed.process.version, "status": "sent_certification"})
    finally:
        ctx.declared = False
    assert evidence.status_flag(ctx, seed.process)  # the page says so; search must too
    result = search.search(ctx, "приём заявления")
    labels = {v.value: (v.label, v.count) for v in result.facets["stage"]}
    assert labels[UNCONFIRMED] == ("процесс: статус не подтверждён", 1)
    assert _flagged(ctx, UNCONFIRMED) == [("processes", seed.process.id)]
    evidence.record_certification(ctx, seed.process.id, {"sent_on": (date.today() - timedelta(days=3)).isoformat()})
    assert _flagged(ctx, UNCONFIRMED) == []
