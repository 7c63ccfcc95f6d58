"""A generated catalogue (the demo region repeated district by district) exported as the register, whole
and agency by agency, loads back with nothing created or changed (issue 15 «Done when»): the report says
so, and every table of the store (records, links, change events) is row for row what it was.

Districts repeat the demo's numbering (2.1 «а» numbers processes within an agency), so a link to another
agency's process (2.1 «п») is written and read as «КОД:идентификатор»: by its bare «004» the import took
the agency's own «004».
"""
from __future__ import annotations

import hashlib

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, inspect, select, text

from catalog import models
from catalog.demo.generator import generate
from catalog.demo.loader import load_catalogue
from catalog.services import records as r

PROCESSES = 300  # two districts: 30 agencies with processes, ids like «004» and «ЗАГС.4» in both


@pytest.fixture
def region(ctx):
    load_catalogue(ctx, generate(PROCESSES, seed=3))
    ctx.session.commit()
    return ctx


@pytest.fixture
def district(ctx):
    """The first 40 processes of one district (several agencies): enough where links across districts do not matter."""
    load_catalogue(ctx, generate(40))
    ctx.session.commit()
    return ctx


def store_digest(database_url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows (in any order)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            digest = {}
            for table in sorted(inspect(connection).get_table_names()):
                rows = sorted(repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"')))
                digest[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return digest
    finally:
        engine.dispose()


def agencies_linking_elsewhere(ctx) -> list[str]:
    """Codes of the agencies with a process linked to another agency's process."""
    source, target = models.Process.__table__.alias("s"), models.Process.__table__.alias("t")
    return list(ctx.session.scalars(
        select(models.Agency.code).distinct()
        .join(source, source.c.agency_id == models.Agency.id)
        .join(models.Link, (models.Link.source_id == source.c.id) & (models.Link.source_kind == "processes"))
        .join(target, target.c.id == models.Link.target_id)
        .where(models.Link.link_type == "LINKED_TO", target.c.agency_id != source.c.agency_id)
        .order_by(models.Agency.code)))


def test_the_whole_region_export_loads_back_changing_nothing(runner, region, database_url, tmp_path):
    exported = tmp_path / "реестр всех органов.xlsx"
    result = runner.invoke("export", "register", "-o", str(exported))
    assert result.exit_code == 0, result.output
    assert f"Выгружено процессов: {PROCESSES}" in result.output
    before = store_digest(database_url)
    checked = runner.invoke("import", "register", str(exported), "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert f"будет создано 0, будет изменено 0, без изменений {PROCESSES}, отклонено 0" in checked.output, \
        checked.output
    loaded = runner.invoke("import", "register", str(exported))
    assert loaded.exit_code == 0, loaded.output
    assert f"создано 0, изменено 0, без изменений {PROCESSES}, отклонено 0" in loaded.output, loaded.output
    assert store_digest(database_url) == before


def test_each_agency_with_links_elsewhere_loads_its_export_back_changing_nothing(runner, region, database_url,
                                                                                 tmp_path):
    # Agencies linked to another agency's process: CSV's own «004» beside MINSOC's, the second district's
    # centre, ADM_ZARECHNY with no «008» of its own, MINSOC (the largest, two such links).
    codes = ["ADM_ZARECHNY", "CSV", "CSV_1", "MINSOC"]
    assert set(codes) <= set(agencies_linking_elsewhere(region))
    before = store_digest(database_url)
    for code in codes:
        exported = tmp_path / f"{code}.xlsx"
        assert runner.invoke("export", "register", "--agency", code, "-o", str(exported)).exit_code == 0
        count = region.session.scalar(select(func.count(models.Process.id)).join(models.Agency).where(
            models.Agency.code == code))
        checked = runner.invoke("import", "register", str(exported), "--agency", code, "--dry-run")
        assert f"будет создано 0, будет изменено 0, без изменений {count}, отклонено 0" in checked.output, \
            (code, checked.output)
        loaded = runner.invoke("import", "register", str(exported), "--agency", code)
        assert f"создано 0, изменено 0, без изменений {count}, отклонено 0" in loaded.output, (code, loaded.output)
    assert store_digest(database_url) == before
    # The link from the second district's centre to its own district's process, by that agency's code.
    sheet = load_workbook(tmp_path / "CSV_1.xlsx").active
    header = [c.value for c in sheet[4]]
    linked = [row[header.index("Связь с другими процессами")] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert "MINSOC_1:004" in linked


def test_a_link_typed_as_agency_code_and_identifier_reaches_that_agencys_process(runner, region, tmp_path):
    exported = tmp_path / "CSV.xlsx"
    assert runner.invoke("export", "register", "--agency", "CSV", "-o", str(exported)).exit_code == 0
    book = load_workbook(exported)
    sheet = book.active
    header = [c.value for c in sheet[4]]
    column = header.index("Связь с другими процессами") + 1
    sheet.cell(5, column).value = "minsoc_1 : 4"  # as a person types it: any case, spaces, no leading zeros
    book.save(exported)
    result = runner.invoke("import", "register", str(exported), "--agency", "CSV")
    assert "изменено 1, без изменений 3, отклонено 0" in result.output, result.output
    ctx = region
    ctx.session.expire_all()
    process = ctx.session.scalar(select(models.Process).join(models.Agency).where(
        models.Agency.code == "CSV", models.Process.registry_id == "001"))
    targets = [(i.other.agency.code, i.other.registry_id) for i in r.links_of(ctx, "processes", process.id)[0]
               if i.link.link_type == "LINKED_TO"]
    assert targets == [("MINSOC_1", "004")]


def test_a_whole_region_file_refuses_a_row_of_an_unknown_agency_and_writes_nothing(runner, district, database_url,
                                                                                  tmp_path):
    exported = tmp_path / "все.xlsx"
    assert runner.invoke("export", "register", "-o", str(exported)).exit_code == 0
    book = load_workbook(exported)
    sheet = book.active
    sheet.cell(5, 1).value = "НЕТ_ТАКОГО"
    sheet.cell(6, 3).value = "Новое название процесса"  # a change the refusal must not keep
    book.save(exported)
    before = store_digest(database_url)
    result = runner.invoke("import", "register", str(exported))
    assert result.exit_code == 1
    assert "нет органа «НЕТ_ТАКОГО» в каталоге" in result.output, result.output
    assert "Файл отклонён: ничего не записано." in result.output
    assert store_digest(database_url) == before


def test_an_agency_register_without_the_agency_column_asks_for_the_agency(runner, district, tmp_path):
    exported = tmp_path / "MINSOC.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported)).exit_code == 0
    result = runner.invoke("import", "register", str(exported))
    assert result.exit_code == 1
    assert "нет обязательного столбца «Орган (код)»" in result.output, result.output


def test_an_agency_editor_may_not_load_the_whole_region(runner, district, make_user, database_url, tmp_path):
    """Each agency's right is asked (2.1: an agency keeps its own register): an editor of one agency is
    refused the file of every agency, and nothing is written."""
    minsoc = district.session.scalar(select(models.Agency).where(models.Agency.code == "MINSOC"))
    make_user("editor", ["agency_editor"], [minsoc.id])
    exported = tmp_path / "все.xlsx"
    assert runner.invoke("export", "register", "-o", str(exported)).exit_code == 0
    before = store_digest(database_url)
    result = runner.invoke("import", "register", str(exported), "--as", "editor")
    assert result.exit_code == 1
    assert "Недостаточно прав" in result.output, result.output
    assert store_digest(database_url) == before


def test_the_whole_region_file_loads_from_the_page_and_the_api_without_an_agency(
        client, runner, district, make_user, login, token_for, database_url, tmp_path):
    """The upload page and the API take the whole-region export as the command line does (no agency chosen:
    each row's «Орган (код)»), and a file of one agency without that column is refused naming the column."""
    import io

    from bs4 import BeautifulSoup

    exported = tmp_path / "все.xlsx"
    assert runner.invoke("export", "register", "-o", str(exported)).exit_code == 0
    make_user("office", ["process_office"])
    headers = token_for(make_user("robot", ["process_office"]))
    login("office")

    def records():  # the store but where the projections stand and when the token was last used
        return {table: rows for table, rows in store_digest(database_url).items()
                if table not in ("projection_positions", "api_tokens")}

    before = records()
    page = client.post("/import/", content_type="multipart/form-data", data={
        "kind": "register", "agency": "", "action": "import", "file": (io.BytesIO(exported.read_bytes()), exported.name)})
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text(" ")
    assert page.status_code == 200, text[:2000]
    assert "создано 0" in text and "изменено 0" in text, text[:2000]
    answer = client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(exported.read_bytes()), exported.name)})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["created"] == 0 and answer.get_json()["updated"] == 0
    assert records() == before
    one = tmp_path / "MINSOC.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(one)).exit_code == 0
    refused = client.post("/api/v1/imports/register", headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(one.read_bytes()), one.name)})
    assert refused.status_code == 422
    assert any(e["header"] == "Орган (код)" for e in refused.get_json()["errors"]), refused.get_json()
