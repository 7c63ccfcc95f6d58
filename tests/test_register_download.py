"""The register downloaded from «Загрузка» loads back unchanged, links to other agencies' processes
included (rules of the register 2.1 «п»: «связь с другими процессами – идентификаторы процессов»)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from catalog.services import records as r


def linked_across_agencies(ctx, seed):
    """A MINSOC process linked to a MINZDRAV one, as the demo's are (a birth certificate before a benefit)."""
    other = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "МЗ-1", "service_id": r.create_record(ctx, "services", {
            "name": "Выдача медицинского свидетельства о рождении", "kind": "service",
            "agency_id": seed.other_agency.id}).id,
        "name": "Выдача медицинского свидетельства о рождении", "responsible_id": seed.other_person.id,
        "status": "queued_research"})
    r.create_record(ctx, "links", {"link_type": "LINKED_TO", "source_kind": "processes", "source_id": seed.process.id,
                                   "target_kind": "processes", "target_id": other.id})
    return other


def test_a_register_with_a_link_to_another_agency_exports_and_loads_back_unchanged(runner, ctx, seed, tmp_path):
    linked_across_agencies(ctx, seed)
    exported = tmp_path / "реестр.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported)).exit_code == 0
    again = runner.invoke("import", "register", str(exported), "--agency", "MINSOC", "--dry-run")
    # It was refused: «процесса с идентификатором «МЗ-1» нет ни в файле, ни в реестре органа».
    assert "будет изменено 0, без изменений 1, отклонено 0" in again.output, again.output


def test_a_link_to_another_agency_is_kept_and_can_be_added_by_identifier(runner, ctx, seed, tmp_path):
    other = linked_across_agencies(ctx, seed)
    exported = tmp_path / "реестр.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported)).exit_code == 0
    book = load_workbook(exported)
    sheet = book.active
    linked_col = next(c.column for c in sheet[4] if str(c.value).startswith("Связь с другими процессами"))
    # Another agency's process by its agency's code and identifier (other districts may number alike).
    assert sheet.cell(5, linked_col).value == "MINZDRAV:МЗ-1"
    sheet.cell(5, linked_col).value = None
    book.save(exported)
    result = runner.invoke("import", "register", str(exported), "--agency", "MINSOC")
    assert "изменено 1" in result.output, result.output
    assert not [i for i in r.links_of(ctx, "processes", seed.process.id)[0] if i.link.link_type == "LINKED_TO"]
    sheet.cell(5, linked_col).value = "МЗ-1"
    book.save(exported)
    result = runner.invoke("import", "register", str(exported), "--agency", "MINSOC")
    assert "изменено 1, без изменений 0, отклонено 0" in result.output, result.output
    outgoing = [i for i in r.links_of(ctx, "processes", seed.process.id)[0] if i.link.link_type == "LINKED_TO"]
    assert [i.other.id for i in outgoing] == [other.id]


def test_the_upload_page_offers_the_register_to_download(client, seed, make_user, login):
    make_user("editor", ["agency_editor"], [seed.agency.id])
    assert login("editor").status_code == 302
    page = client.get("/import/").get_data(as_text=True)
    assert "Скачать реестр (.xlsx)" in page and 'action="/import/register.xlsx"' in page
    # Agencies by name, not by their codes.
    assert "(MINSOC)" not in page
    response = client.get("/import/register.xlsx", query_string={"agency": "MINSOC"})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(1, 1).value == "Реестр процессов: Министерство социальной защиты"
    assert sheet.cell(5, 1).value == "001"
    missing = client.get("/import/register.xlsx", query_string={"agency": "NOPE"})
    assert missing.status_code == 404 and "Органа с кодом «NOPE» нет в каталоге." in missing.get_data(as_text=True)


def test_an_agency_editor_links_its_process_to_another_agencys_by_identifier(runner, ctx, seed, make_user, tmp_path):
    other = linked_across_agencies(ctx, seed)
    make_user("editor", ["agency_editor"], [seed.agency.id])
    exported = tmp_path / "реестр.xlsx"
    assert runner.invoke("export", "register", "--agency", "MINSOC", "-o", str(exported)).exit_code == 0
    for link in r.links_of(ctx, "processes", seed.process.id)[0]:
        r.delete_record(ctx, "links", link.link.id, link.link.version)
    result = runner.invoke("import", "register", str(exported), "--agency", "MINSOC", "--as", "editor")
    assert "изменено 1, без изменений 0, отклонено 0" in result.output, result.output
    outgoing = [i for i in r.links_of(ctx, "processes", seed.process.id)[0] if i.link.link_type == "LINKED_TO"]
    assert [i.other.id for i in outgoing] == [other.id]
