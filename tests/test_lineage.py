"""The architect's questions through the service, the API, the CLI and the pages, on the demo region."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from catalog import models
from catalog.errors import BadParameter, NotFound
from catalog.services import lineage


@pytest.fixture
def demo(demo_region):
    return demo_region


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
    ctx.graph = Neo4jQueries(graph, Neo4jProjection(graph, app.extensions["catalog"].sessions))
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


# --- issue 14: a lineage an architect can read, and the impact of retiring a system -------------

SED = "Региональная система электронного документооборота Приволжской области"


def _system(ctx, name):
    return ctx.session.scalar(select(models.InformationSystem).where(models.InformationSystem.name == name))


def test_every_edge_type_has_its_own_russian_label():
    from catalog.graph.model import EDGE_TYPES

    labels = [lineage.edge_label(t) for t in sorted(EDGE_TYPES)]
    assert all(label and not label.isascii() for label in labels)
    assert len(set(labels)) == len(labels)  # «предоставляет» was two types


def test_edge_texts_read_from_the_record_that_holds_the_link(ctx, tiny):
    found = lineage.picture(ctx, "processes", int(tiny.P.split(":")[1]))
    texts = {e.text for e in found.edges}
    assert "Назначение выплаты — потребляет данные — Доходы граждан" in texts
    assert "Доходы граждан — хранится в системе — АСП" in texts


def test_a_process_opens_upstream_at_depth_two_in_columns_by_distance(ctx, tiny):
    found = lineage.picture(ctx, "processes", int(tiny.P.split(":")[1]))
    assert (found.direction, found.depth) == ("upstream", 2)
    levels = {n.uid: n.level for n in found.nodes}
    assert levels[tiny.P] == 0 and levels[tiny.D] == -1 and levels[tiny.S] == -2 and levels[tiny.M] == -2
    both = lineage.picture(ctx, "datasets", int(tiny.D.split(":")[1]), "both", 1)
    levels = {n.uid: n.level for n in both.nodes}
    assert levels[tiny.S] == -1 and levels[tiny.P] == 1  # upstream left, downstream right


def test_an_expanded_record_brings_its_links_one_column_further_out(ctx, tiny):
    process = int(tiny.P.split(":")[1])
    plain = lineage.picture(ctx, "processes", process, "upstream", 1)
    assert tiny.S not in {n.uid for n in plain.nodes}
    grown = lineage.picture(ctx, "processes", process, "upstream", 1, expanded=[tiny.D, "nonsense", "foo:bar"])
    levels = {n.uid: n.level for n in grown.nodes}
    assert levels[tiny.S] == -2 and levels[tiny.M] == -2 and grown.expanded == [tiny.D]
    assert next(n for n in grown.nodes if n.uid == tiny.D).expanded


def test_the_regional_sed_comes_in_a_few_groups_that_open_by_kind_then_agency(client, ctx, demo):
    sed = _system(ctx, SED).id
    found = lineage.picture(ctx, "systems", sed)
    assert len(found.answer.subgraph.nodes) > 200 and len(found.nodes) <= 3 * ctx.settings.graph_cluster_threshold
    processes = next(n for n in found.nodes if n.uid == "cluster:1:processes")
    assert processes.title == f"Процессы: {len(processes.members)}" and len(processes.members) > 50
    opened = lineage.picture(ctx, "systems", sed, opened=["cluster:1:processes"])
    column = [n for n in opened.nodes if n.level == 1 and n.kind == "processes"]
    assert all(n.agency for n in column) and any(n.is_cluster and n.agency == "Минсоцзащиты" for n in column)
    assert len(opened.nodes) < 60
    # Edges between groups are merged, with how many links they stand for.
    assert any(e.count > 10 and "связ" in e.text for e in found.edges)

    # The whole walk is cut at the cap and says so with the noun agreeing («382 записей» before).
    page = client.get(f"/lineage/systems/{sed}?direction=both&depth=3").get_data(as_text=True)
    assert "на схеме и в таблице 382 записи" in page and "записей:" not in page
    assert lineage.counted(1, "запись") == "1 запись" and lineage.counted(5, "связь") == "5 связей"

    # The table beside the picture is paged, and paging keeps the opened groups.
    first = BeautifulSoup(client.get(f"/lineage/systems/{sed}?open=cluster:1:processes").get_data(as_text=True),
                          "html.parser")
    table = first.find(id="records").find_next("table")
    assert len(table.select("tbody tr")) == 50
    forward = first.find(id="records").find_next("nav").find("a", string="вперёд →")["href"]
    assert "open=cluster" in forward and "page=2" in forward
    second = BeautifulSoup(client.get(forward).get_data(as_text=True), "html.parser")
    assert "страница 2 из" in second.find(id="records").find_next("nav").get_text()


def test_picture_api_answers_the_page_and_refuses_bad_questions(client, tiny):
    process = tiny.P.split(":")[1]
    body = client.get(f"/api/v1/lineage/processes/{process}/picture?expand={tiny.D}&direction=upstream&depth=1").get_json()
    assert body["expanded"] == [tiny.D] and {n["uid"] for n in body["nodes"]} >= {tiny.S, tiny.M}
    assert all(n["kind_label"] and not n["kind_label"].isascii() for n in body["nodes"])
    assert client.get(f"/api/v1/lineage/processes/{process}/picture?depth=0").status_code == 422
    assert client.get(f"/api/v1/lineage/processes/{process}/picture?colour=red").status_code == 422


def test_impact_of_retiring_the_licence_system_names_agencies_paths_and_distances(ctx, demo):
    licences = _system(ctx, "АИС «Учёт лицензий» (устаревшая)")
    found = lineage.impact(ctx, "systems", licences.id)
    processes = found.by_kind()["processes"]
    # Before: 48 processes, 19 of them unrelated procurement reached through an agency's other data.
    assert processes and not any(r.record.title.startswith("Планирование и проведение закупок") for r in processes)
    for row in found.rows:
        assert row.path[0] == ("systems", licences.name) and row.path[-1] == (row.kind, row.record.title)
        assert len(row.path) - 1 == row.distance
        if row.kind in ("processes", "services", "agencies", "datasets"):
            assert row.agency, row
    agencies = [name for name, _ in found.grouped()]
    assert "Минпромторг" in agencies and agencies[-1] == "Без органа"
    near = lineage.impact(ctx, "systems", licences.id, 1)
    assert near.rows and {r.distance for r in near.rows} == {1} and len(near.rows) < len(found.rows)


def test_impact_exports_the_page_rows_as_csv_and_excel_that_never_run_formulas(client, ctx, tiny):
    import csv
    import io

    from openpyxl import load_workbook

    from catalog.services import records
    records.update_record(ctx, "processes", int(tiny.P.split(":")[1]),
                          {"version": 1, "name": '=HYPERLINK("http://x","выплата")'})
    system = tiny.S.split(":")[1]
    answer = client.get(f"/impact/systems/{system}.csv?depth=2")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == lineage.IMPACT_COLUMNS
    process_row = next(r for r in rows if r[1] == "процесс")
    assert process_row[0] == "Минсоцзащиты" and process_row[2] == "'=HYPERLINK(\"http://x\",\"выплата\")"
    assert process_row[3] == "2" and process_row[4].startswith("информационная система «АСП» → набор данных")
    book = load_workbook(io.BytesIO(client.get(f"/impact/systems/{system}.xlsx?depth=2").data))
    cells = {c.value: c.data_type for row in book.active.iter_rows() for c in row if c.value}
    assert cells['=HYPERLINK("http://x","выплата")'] == "s"
    api = client.get(f"/api/v1/impact/systems/{system}?depth=2").get_json()
    assert api["depth"] == 2 and {r["path_text"] for r in api["rows"]} == {r[4] for r in rows[1:]}
    assert client.get(f"/impact/systems/{system}?depth=40").status_code == 422


def test_cli_impact_prints_agencies_and_paths_and_writes_files(runner, tiny, tmp_path):
    system = tiny.S.split(":")[1]
    text = runner.invoke("impact", "systems", system, "--depth", "2")
    assert text.exit_code == 0 and "Минсоцзащиты" in text.output and "2 связи" in text.output
    out = tmp_path / "impact.xlsx"
    saved = runner.invoke("impact", "systems", system, "--format", "xlsx", "--output", str(out))
    assert saved.exit_code == 0 and out.read_bytes()[:2] == b"PK"


def test_picture_and_impact_are_the_same_on_the_neo4j_backend(ctx, tiny, projected_graph):
    process, system = int(tiny.P.split(":")[1]), int(tiny.S.split(":")[1])
    on_store = lineage.picture(ctx, "processes", process, "both", 2, expanded=[tiny.D])
    impact_on_store = lineage.impact(ctx, "systems", system)
    ctx.graph = projected_graph
    on_graph = lineage.picture(ctx, "processes", process, "both", 2, expanded=[tiny.D])
    assert on_graph.answer.backend == "neo4j"
    assert [(n.uid, n.level) for n in on_graph.nodes] == [(n.uid, n.level) for n in on_store.nodes]
    assert {(e.source, e.target, e.text) for e in on_graph.edges} == {(e.source, e.target, e.text) for e in on_store.edges}
    impact_on_graph = lineage.impact(ctx, "systems", system)
    assert [(r.record.title, r.distance, r.path) for r in impact_on_graph.rows] == [
        (r.record.title, r.distance, r.path) for r in impact_on_store.rows]
