"""Name standardisation: suggestions of the typical name, decisions by the record's editor, the report."""
from __future__ import annotations

import pytest

from catalog import models
from catalog.errors import Conflict, Forbidden
from catalog.services import names
from catalog.services import records as r


@pytest.fixture
def typical(ctx, seed):
    group = r.create_record(ctx, "process-groups", {"name": "Социальная поддержка"})
    payments = r.create_record(ctx, "typical-processes", {"name": "Предоставление выплат", "group_id": group.id})
    licence = r.create_record(ctx, "typical-processes", {"name": "Выдача лицензии"})
    r.create_record(ctx, "typical-processes", {"name": "Ведение реестра лицензий"})
    same = r.create_record(ctx, "services", {"name": "Выдача лицензий", "kind": "service", "agency_id": seed.other_agency.id})
    other = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "002", "service_id": same.id, "status": "queued_research",
        "name": "Приём заявления на выдачу лицензии", "responsible_id": seed.other_person.id})
    unrelated = r.create_record(ctx, "services", {"name": "Учёт древесины", "kind": "function"})
    benefit = r.create_record(ctx, "processes", {
        "agency_id": seed.agency.id, "registry_id": "003", "service_id": seed.service.id, "status": "queued_research",
        "name": "Предоставление выплаты на ребёнка", "responsible_id": seed.person.id})
    return {"payments": payments, "licence": licence, "same": same, "other": other, "unrelated": unrelated,
            "benefit": benefit}


def _match(ctx, kind, record_id):
    return ctx.session.query(models.NameMatch).filter_by(record_kind=kind, record_id=record_id).one_or_none()


def test_each_name_gets_the_closest_typical_name(ctx, seed, typical):
    names.match_names(ctx)
    assert _match(ctx, "services", typical["same"].id).typical_process_id == typical["licence"].id
    assert _match(ctx, "services", typical["same"].id).score == 1.0
    process = _match(ctx, "processes", typical["other"].id)
    assert process.typical_process_id == typical["licence"].id and 0.5 <= process.score < 1.0
    assert _match(ctx, "processes", typical["benefit"].id).typical_process_id == typical["payments"].id
    # Sharing only a general word («выплата») is not enough to suggest.
    assert _match(ctx, "processes", seed.process.id) is None
    assert _match(ctx, "services", typical["unrelated"].id) is None


def test_report_counts_conforming_names_per_agency(ctx, seed, typical):
    names.match_names(ctx)
    answer = names.report(ctx)
    by_agency = {row.agency_id: row for row in answer.rows}
    health = by_agency[seed.other_agency.id]
    assert (health.names, health.conforming, health.pending) == (2, 1, 2)
    assert health.share == 0.5
    assert answer.total.names == 6 and answer.total.conforming == 1 and answer.total.pending == 3


def test_accepting_links_the_typical_process_and_rejecting_stays(ctx, seed, typical, make_user):
    from catalog.services.context import Context

    names.match_names(ctx)
    editor = make_user("health", ["agency_editor"], agency_ids=[seed.other_agency.id])
    stranger = make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    as_editor = Context(session=ctx.session, user=editor, settings=ctx.settings)
    as_stranger = Context(session=ctx.session, user=stranger, settings=ctx.settings)
    process_match = _match(ctx, "processes", typical["other"].id)
    with pytest.raises(Forbidden):
        names.decide(as_stranger, process_match.id, True)
    names.decide(as_editor, process_match.id, True)
    ctx.session.refresh(typical["other"])
    assert typical["other"].typical_process_id == typical["licence"].id
    history = r.record_history(ctx, "processes", typical["other"].id)
    assert history[0].actor_name == "health" and "typical_process_id" in history[0].changes
    service_match = _match(ctx, "services", typical["same"].id)
    names.decide(as_editor, service_match.id, True)
    outgoing, _ = r.links_of(ctx, "services", typical["same"].id)
    assert [(l.link.link_type, l.other.id) for l in outgoing] == [("MATCHES_TYPICAL", typical["licence"].id)]
    with pytest.raises(Conflict):
        names.decide(as_editor, service_match.id, False)
    social = _match(ctx, "processes", typical["benefit"].id)
    names.decide(as_stranger, social.id, False)
    # A decision stands when the names are matched again.
    names.match_names(ctx)
    assert _match(ctx, "processes", typical["benefit"].id).state == "rejected"
    assert names.report(ctx).total.linked == 2


def test_names_api_page_and_cli(client, runner, seed, typical, make_user, token_for, login):
    assert client.post("/api/v1/names/match").status_code == 401
    office = make_user("office", ["process_office"])
    counts = client.post("/api/v1/names/match", headers=token_for(office)).get_json()["counts"]
    assert counts["предложено"] == 3
    items = client.get("/api/v1/names/matches", query_string={"agency": seed.other_agency.id}).get_json()["items"]
    assert {i["typical_name"] for i in items} == {"Выдача лицензии"}
    bad = client.get("/api/v1/names/matches", query_string={"state": "maybe"})
    assert bad.status_code == 422 and "state" in bad.get_json()["fields"]
    decided = client.post(f"/api/v1/names/matches/{items[0]['id']}/accept", headers=token_for(office)).get_json()
    assert decided["state"] == "accepted" and decided["decided_by"] == "office"
    report = client.get("/api/v1/names/report").get_json()
    assert report["total"]["names"] == 6 and report["total"]["share_conforming"] == 0.1667
    login("office")
    page = client.get("/names").get_data(as_text=True)
    assert "Соответствие названий типовому перечню" in page and "Принять" in page and "16,7\u00a0%" in page
    pending = client.get("/api/v1/names/matches").get_json()["items"][0]
    answer = client.post(f"/names/{pending['id']}/reject", data={"next": "//evil.example/"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/names")
    assert "Предложение отклонено" in client.get("/names").get_data(as_text=True)
    out = runner.invoke("names", "report").output
    assert "Всего\t6\t1\t16,7" in out
