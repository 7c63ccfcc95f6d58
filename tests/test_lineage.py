"""The architect's questions through the service, the API, the CLI and the pages, on the demo region."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from catalog import models
from catalog.demo.loader import load_demo
from catalog.errors import BadParameter, NotFound
from catalog.services import lineage


@pytest.fixture
def demo(ctx):
    load_demo(ctx)


def _process(ctx, name_start):
    return ctx.session.scalar(select(models.Process).where(models.Process.name.startswith(name_start))
                              .order_by(models.Process.id))


def test_bad_questions_are_named(ctx, tiny):
    process_id = int(tiny.P.split(":")[1])
    with pytest.raises(NotFound):
        lineage.lineage(ctx, "processes", 999999)
    with pytest.raises(BadParameter) as caught:
        lineage.lineage(ctx, "processes", process_id, depth=7)
    assert "depth" in caught.value.fields
    with pytest.raises(BadParameter) as caught:
        lineage.lineage(ctx, "processes", process_id, edge_types="CONSUMES,TELEPORTS")
    assert "TELEPORTS" in caught.value.fields["edge_types"][0]
    with pytest.raises(BadParameter) as caught:
        lineage.lineage(ctx, "processes", process_id, direction="sideways")
    assert "direction" in caught.value.fields


def test_process_systems_come_with_their_paths(ctx, demo):
    process = _process(ctx, "Межведомственные запросы по заявлению о назначении выплаты на ребёнка")
    uses, _, _ = lineage.process_systems(ctx, process.id)
    found = {(u.role, u.record.title) for u in uses}
    assert ("потребляет", "Витрина ЕГР ЗАГС (СМЭВ4)") in found
    assert ("автоматизирован", "Региональная ГИС «Адресная социальная помощь»") in found
    zags = next(u for u in uses if u.record.title.startswith("Единый государственный реестр записей актов"))
    assert [e.edge_type for e in zags.path] == ["STORED_IN", "CONSUMES"]
    decision = _process(ctx, "Рассмотрение документов и принятие решения о назначении выплаты на ребёнка")
    produced = {u.record.short_name for u in lineage.process_systems(ctx, decision.id)[0] if u.role == "производит"
                and u.kind == "systems"}
    assert {"АСП", "ЕГИССО"} <= produced


def test_impact_of_a_system_reaches_services_agencies_and_situations(ctx, demo):
    zags = ctx.session.scalar(select(models.InformationSystem).where(models.InformationSystem.short_name == "ЕГР ЗАГС"))
    grouped = lineage.impact(ctx, "systems", zags.id).by_kind()
    titles = {kind: {r.record.title for r in items} for kind, items in grouped.items()}
    assert "Рождение ребёнка" in titles["life-situations"]
    assert any(t.startswith("Назначение ежемесячной денежной выплаты") for t in titles["services"])
    assert "Министерство социальной защиты населения Приволжской области" in titles["agencies"]
    assert any(t.startswith("Межведомственные запросы по заявлению о назначении выплаты") for t in titles["processes"])


def test_reports_find_what_the_demo_was_built_with(ctx, demo):
    hand = {h.record.title: h for h in lineage.hand_typed_duplicates(ctx)}
    applicants = hand["Сведения о заявителях"]
    assert {"АИС МФЦ", "АСП", "Региональная СЭД"} <= {s.short_name for s in applicants.systems}
    assert applicants.manual_processes
    paper = lineage.paper_requests(ctx)
    assert len(paper) >= 10
    income = [r for r in paper if r.data.title == "Сведения о доходах граждан"]
    assert income and income[0].marts[0].name == "Витрина «Доходы граждан» Социального фонда"
    duplicated = lineage.duplicated_systems(ctx)
    licensing = next(d for d in duplicated if d.typical.name == "Выдача лицензии")
    assert {"ГИС Лицензирование", "ГИС КНД"} <= {s.short_name for s in licensing.systems}
    assert all(s.legal_kind != "federal" for d in duplicated for s in d.systems)


def test_deleting_the_mart_removes_the_paper_finding(ctx, tiny):
    from catalog.services import records
    assert len(lineage.paper_requests(ctx)) == 1
    records.delete_record(ctx, "marts", int(tiny.M.split(":")[1]))
    assert lineage.paper_requests(ctx) == []


def test_lineage_api(client, tiny):
    process_id = tiny.P.split(":")[1]
    body = client.get(f"/api/v1/lineage/processes/{process_id}?direction=upstream&depth=2").get_json()
    assert body["root"] == tiny.P and body["backend"] == "sql"
    assert {n["uid"] for n in body["nodes"]} >= {tiny.D, tiny.S, tiny.M}
    assert {"source": tiny.D, "target": tiny.P, "type": "CONSUMES"}.items() <= next(
        e for e in body["edges"] if e["type"] == "CONSUMES").items()
    assert client.get(f"/api/v1/lineage/processes/{process_id}?depth=99").status_code == 422
    bad = client.get(f"/api/v1/lineage/processes/{process_id}?edge_types=FOO")
    assert bad.status_code == 422 and "edge_types" in bad.get_json()["fields"]
    assert client.get("/api/v1/lineage/processes/999999").status_code == 404
    assert client.get(f"/api/v1/lineage/processes/{process_id}?colour=red").status_code == 422
    systems = client.get(f"/api/v1/processes/{process_id}/systems").get_json()["items"]
    assert {(i["role"], i["kind"]) for i in systems} == {("потребляет", "systems"), ("потребляет", "marts")}
    impact = client.get(f"/api/v1/impact/systems/{tiny.S.split(':')[1]}").get_json()
    assert [p["id"] for p in impact["processes"]] == [int(process_id)]
    assert client.get("/api/v1/reports/paper-requests").get_json()["items"][0]["process"]["id"] == int(process_id)
    assert client.get("/api/v1/reports/hand-typed").status_code == 200
    assert client.get("/api/v1/reports/duplicated-systems").status_code == 200


def test_lineage_page_shows_picture_table_and_systems(client, tiny):
    process_id = tiny.P.split(":")[1]
    page = client.get(f"/lineage/processes/{process_id}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.find(id="layers") and soup.find(id="lineage-data")
    scripts = [s.get("src") for s in soup.find_all("script") if s.get("src")]
    assert all(src.startswith("/") for src in scripts)
    assert client.get(scripts[0]).status_code == 200
    text = soup.get_text(" ", strip=True)
    assert "Информационные системы и витрины процесса" in text and "Витрина доходов" in text
    assert client.get(f"/lineage/processes/{process_id}?depth=99").status_code == 422
    assert client.get(f"/impact/systems/{tiny.S.split(':')[1]}").status_code == 200
    assert "Назначение выплаты" in client.get("/reports/").get_data(as_text=True)


def test_names_are_escaped_in_the_picture(client, ctx, tiny):
    from catalog.services import records
    process_id = int(tiny.P.split(":")[1])
    records.update_record(ctx, "processes", process_id, {"version": 1, "name": "<script>alert(1)</script>"})
    html = client.get(f"/lineage/processes/{process_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "\\u003cscript\\u003ealert(1)" in html  # inside the JSON the picture reads


def test_cli_lineage_and_reports(runner, tiny):
    answer = runner.invoke("lineage", "processes", tiny.P.split(":")[1], "--direction", "upstream", "--depth", "1")
    assert answer.exit_code == 0 and "Доходы граждан" in answer.output
    bad = runner.invoke("lineage", "processes", tiny.P.split(":")[1], "--depth", "40")
    assert bad.exit_code != 0 and "depth" in bad.output
    assert "Витрина доходов" in runner.invoke("report", "paper-requests").output
    assert "Назначение выплаты" in runner.invoke("impact", "systems", tiny.S.split(":")[1]).output
    check = runner.invoke("graph", "check")
    assert check.exit_code == 0 and "sql" in check.output


def test_unreachable_graph_server_falls_back_to_the_store(app, ctx, tiny):
    from catalog.graph import Neo4jQueries
    from catalog.graph.neo4j_backend import Neo4jGraph
    from catalog.graph.projection import Neo4jProjection

    graph = Neo4jGraph("bolt://127.0.0.1:1")
    ctx.graph = Neo4jQueries(graph, Neo4jProjection(graph, app.extensions["catalog_sessions"]))
    answer = lineage.lineage(ctx, "processes", int(tiny.P.split(":")[1]), "upstream", 2)
    assert answer.backend == "sql" and "недоступен" in answer.notice
    assert tiny.D in answer.subgraph.nodes


def test_pages_keep_serving_when_the_graph_server_is_down(app, client, tiny):
    app.config["CATALOG"].graph_backend = "neo4j"
    app.config["CATALOG"].neo4j_url = "bolt://127.0.0.1:1"
    page = client.get(f"/lineage/processes/{tiny.P.split(':')[1]}")
    assert page.status_code == 200 and "Сервер графа недоступен" in page.get_data(as_text=True)
    assert client.get(f"/processes/{tiny.P.split(':')[1]}").status_code == 200


def test_cli_graph_commands_on_falkordb(runner, ctx, tiny, falkordb, monkeypatch):
    from catalog.services import records
    monkeypatch.setenv("CATALOG_GRAPH_BACKEND", "neo4j")
    monkeypatch.setenv("CATALOG_NEO4J_URL", falkordb.url())
    rebuilt = runner.invoke("graph", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke("graph", "check").output.strip().endswith("Расхождений нет.")
    records.delete_record(ctx, "links", tiny.stored_link)
    drift = runner.invoke("graph", "check")
    assert drift.exit_code == 1 and f"link:{tiny.stored_link}" in drift.output
    synced = runner.invoke("graph", "sync")
    assert synced.exit_code == 0 and "Применено событий: 1" in synced.output
    assert runner.invoke("graph", "check").exit_code == 0
    answer = runner.invoke("lineage", "processes", tiny.P.split(":")[1], "--direction", "upstream", "--depth", "1")
    assert "Доходы граждан" in answer.output


def test_cli_graph_commands_report_an_unreachable_server(runner, monkeypatch):
    monkeypatch.setenv("CATALOG_GRAPH_BACKEND", "neo4j")
    monkeypatch.setenv("CATALOG_NEO4J_URL", "bolt://127.0.0.1:1")
    answer = runner.invoke("graph", "check")
    assert answer.exit_code != 0 and "недоступен" in answer.output


def test_large_answers_are_cut_with_a_message(app, client, tiny):
    app.config["CATALOG"].graph_max_nodes = 3
    process_id = tiny.P.split(":")[1]
    page = client.get(f"/lineage/processes/{process_id}?direction=upstream&depth=3").get_data(as_text=True)
    assert "на схеме и в таблице 3 записи" in page  # the noun agrees with the number
    body = client.get(f"/api/v1/lineage/processes/{process_id}?direction=upstream&depth=3").get_json()
    assert body["truncated"] is True and len(body["nodes"]) == 3
