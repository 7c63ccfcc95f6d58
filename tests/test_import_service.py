"""The one import path (catalog.services.imports): partial loads keep rows whole with what they
depend on, the dry run reports what the real load does, the readers know only files, and a change
made by ``catalog import`` re-checks the system requests it touches."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import models
from catalog.services import imports, rules
from tests.test_import_register import BAD_ROWS, PERSON, good_rows, make_register, processes_of, situations  # noqa: F401
from tests.test_requests import world  # noqa: F401 (a fixture)

SERVICE = "Назначение ежемесячной выплаты на ребёнка"


def row(key, links="", status="идёт исследование"):
    return [key, f"Процесс {key}", SERVICE, "", PERSON, status, "", links, "цифровой", ""]


def test_partial_load_writes_no_row_that_links_to_a_refused_row(runner, ctx, seed, tmp_path):
    """Issue 13: with --partial a row linking to a refused row was written though counted as refused."""
    rows = [row("101", links="102"),              # row 5: links forward to the refused row 6
            row("102", status="завершён"),        # row 6: refused (unknown status)
            row("103", links="102"),              # row 7: links back to the refused row 6
            row("104", links="101"),              # row 8: links to row 5, refused in its turn
            row("105", links="106"), row("106", links="105"),  # rows 9-10: link to each other, both good
            row("107")]                           # row 11: on its own
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--partial")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "создано 3, изменено 0, без изменений 0, отклонено 4" in out
    assert "строка 5, столбец I «Связь с другими процессами»: процесс «102» не загружен: в его строке 6 есть ошибки" in out
    assert "строка 7, столбец I «Связь с другими процессами»: процесс «102» не загружен: в его строке 6" in out
    assert "строка 8, столбец I «Связь с другими процессами»: процесс «101» не загружен: в его строке 5" in out
    stored = processes_of(ctx, seed.agency.id)
    assert set(stored) == {"001", "105", "106", "107"}  # nothing of the refused rows, nor of those linking to them
    linked = set(ctx.session.execute(select(models.Link.source_id, models.Link.target_id).where(
        models.Link.link_type == "LINKED_TO", models.Link.deleted_at.is_(None))).all())
    assert linked == {(stored["105"].id, stored["106"].id), (stored["106"].id, stored["105"].id)}


def test_rows_linking_to_each_other_are_refused_together_when_one_fails_to_write(runner, ctx, seed, tmp_path):
    too_long = row("202", links="201")
    too_long[1] = "П" * 8001  # past the names' 8000 characters: refused by the service when written, not when read
    rows = [row("201", links="202"), too_long, row("204")]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--partial")
    assert result.exit_code == 0, result.output
    assert "создано 1, изменено 0, без изменений 0, отклонено 2" in result.output
    assert "строка 5, столбец I «Связь с другими процессами»: процесс «202» не загружен: в его строке 6" in result.output
    assert set(processes_of(ctx, seed.agency.id)) == {"001", "204"}
    assert not ctx.session.scalars(select(models.Link).where(models.Link.link_type == "LINKED_TO")).all()


def test_partial_load_refuses_the_rows_of_a_dataset_whose_first_row_was_refused(runner, ctx, seed, tmp_path):
    from tests.test_import_records import write_csv

    path = write_csv(tmp_path / "данные.csv", [
        ["Набор данных", "Обладатель данных", "Сущность", "Атрибут", "Код атрибута", "Тип данных"],
        ["Реестр получателей", "НЕТ ТАКОГО", "Получатель", "СНИЛС", "snils", "строка"],  # row 2: unknown owner
        ["Реестр получателей", "", "Получатель", "Дата рождения", "birth_date", "дата"],  # its dataset's rows
        ["Реестр получателей", "", "Выплата", "Сумма", "amount", "число"],
        ["Реестр выплат", "MINSOC", "Выплата", "Сумма", "amount", "число"],  # row 5: its own dataset
    ])
    result = runner.invoke("import", "datasets", str(path), "--partial")
    assert result.exit_code == 0, result.output
    assert "создано 1, изменено 0, без изменений 0, отклонено 3" in result.output
    assert "строка 3, столбец A «Набор данных»: набор данных «Реестр получателей» не загружен: в его строке 2 " \
           "есть ошибки" in result.output
    ctx.session.expire_all()
    names = set(ctx.session.scalars(select(models.Dataset.name)))
    assert "Реестр получателей" not in names and "Реестр выплат" in names
    assert set(ctx.session.scalars(select(models.Attribute.code))) == {"amount"}


# --- the dry run reports exactly what the real load does -----------------------------------------

BPMN = sorted((Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "bpmn-miwg").glob(
    "Reference/*.bpmn"))[0]
NOT_COMPARED = {"dry_run", "written", "summary"}  # what says which of the two it was


def compared(report) -> dict:
    return {k: v for k, v in report.to_dict().items() if k not in NOT_COMPARED}


def both_ways(app, kind, source, **options):
    """The dry run, then the real load of the same file on the same store; their reports (or refusals)."""
    from catalog.errors import CatalogError
    from catalog.services.context import Context

    outcomes = []
    for dry_run in (True, False):
        with app.extensions["catalog"].sessions() as session:
            ctx = Context(session=session, is_system=True, settings=app.config["CATALOG"])
            try:
                outcomes.append(compared(imports.run_import(ctx, kind, source, dry_run=dry_run, **options)))
            except CatalogError as error:
                outcomes.append(("refused", type(error).__name__, error.message, error.fields))
    return outcomes


def test_the_dry_run_reports_what_the_real_load_does(app, ctx, seed, situations, tmp_path):  # noqa: F811
    from tests.linked_helpers import export_text
    from tests.test_import_openlineage import DBT_STREAMS, complete

    app.config["CATALOG"].openlineage_agency = "MINSOC"
    linking = [row("101", links="102"), row("102", status="завершён"), row("103", links="101"),
               row("105", links="106"), row("106", links="105")]
    registers = {"errors": make_register(tmp_path / "с-ошибками.xlsx", BAD_ROWS),
                 "good": make_register(tmp_path / "верный.xlsx", good_rows()),
                 "linking": make_register(tmp_path / "связи.xlsx", linking)}
    events = [complete(e, "dry") for e in json.loads(DBT_STREAMS["failed"][0].read_text())]
    (tmp_path / "events.json").write_text(json.dumps(events), encoding="utf-8")
    foreign = ('\n<http://example.org/services/1> a <http://purl.org/vocab/cpsv#PublicService> ;\n'
               '    <http://purl.org/dc/terms/title> "Услуга из другого каталога"@ru .\n')
    (tmp_path / "catalog.ttl").write_text(export_text(ctx) + foreign, encoding="utf-8")
    (tmp_path / "broken.ttl").write_text('<http://example.org/p/1> a <https://example.invalid/x> ;\n oops .\n',
                                         encoding="utf-8")
    cases = [("rdf", tmp_path / "catalog.ttl", {}), ("rdf", tmp_path / "broken.ttl", {}),
             ("openlineage", tmp_path / "events.json", {}),
             ("bpmn", BPMN, {"process_id": seed.process.id, "variant": "as_is"})]
    cases += [("register", registers[name], {"agency": "MINSOC", "partial": partial})
              for name in registers for partial in (False, True)]
    seen = []
    for kind, path, options in cases:
        dry, real = both_ways(app, kind, path, **options)
        assert dry == real, (kind, path.name, options)
        seen.append(dry)
    # What was compared: records created by RDF, a refusal, events, a passport's steps, rows refused
    # and written (the linking register: rows 5 and 7 wait for or link to the refused row 6).
    assert seen[0]["created"] == 1 and seen[0]["details"]["created"] == {"services": 1} and seen[0]["unchanged"] > 5
    assert seen[1][0] == "refused" and "строка 2" in seen[1][2]
    assert seen[2]["details"] == {"events": 8, "processes": 4, "datasets": 3, "links_added": 3, "runs_stored": 8}
    assert seen[3]["details"]["steps"] == 3
    assert [(r["created"], r["updated"], r["unchanged"], r["refused"], r["refused_whole"]) for r in seen[4:]] == [
        (0, 1, 0, 4, True), (0, 1, 0, 4, False), (2, 1, 0, 0, False), (0, 0, 3, 0, False),
        (3, 0, 0, 2, True), (2, 0, 0, 3, False)]


# --- a change made by `catalog import` re-checks the system requests it touches ----------------


def test_a_register_loaded_by_the_cli_rechecks_the_request_resting_on_its_process(app, runner, ctx, seed, world,
                                                                                  tmp_path):
    """The outbox consumer re-checks a request after `catalog import` as after a change on a page."""
    from catalog.outbox import OutboxConsumer
    from catalog.services import requests
    from tests.test_requests import as_user, describe_and_optimise, good_request

    describe_and_optimise(ctx, seed.process.id)
    filer = as_user(ctx, world["users"]["filer"])
    draft = requests.create_request(filer, good_request(seed, overlap_explanation="x"))
    request = requests.submit(filer, draft.id, draft.version)
    settings, sessions = app.config["CATALOG"], app.extensions["catalog"].sessions
    consumer = OutboxConsumer.for_store(settings, sessions)
    consumer.run_once()  # caught up: nothing to re-check yet

    def needs_review() -> bool:
        with sessions() as session:
            return session.get(models.SystemRequest, request.id).needs_review

    assert not needs_review()
    path = make_register(tmp_path / "реестр.xlsx", [[
        "001", "Приём заявления о назначении выплаты (новая редакция)", SERVICE, "", PERSON,
        "В очереди на исследование", "", "", "цифровой", ""]])
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC")
    assert result.exit_code == 0, result.output
    assert "изменено 1" in result.output
    applied = consumer.run_once()
    assert applied["requests"] > 0
    assert needs_review()
    with sessions() as session:
        event = session.scalars(select(models.ChangeEvent).where(
            models.ChangeEvent.record_kind == requests.KIND, models.ChangeEvent.record_id == request.id)
            .order_by(models.ChangeEvent.id.desc())).first()
        assert event.changes["needs_review"] == {"before": False, "after": True}


# --- the readers know files, not the catalogue ----------------------------------------------------

READERS = sorted((Path(__file__).resolve().parents[1] / "catalog" / "readers").glob("*.py"))
ALLOWED_CATALOG = {"catalog.errors", "catalog.cells", "catalog.formatting"}  # refusals, safe cells, Russian counts
FORBIDDEN_TOP = {"sqlalchemy", "flask", "web", "marshmallow", "click"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names if node.module == "catalog"}
    return names


@pytest.mark.parametrize("path", READERS, ids=lambda p: p.name)
def test_each_reader_depends_on_nothing_above_catalog_errors(path):
    modules = imported_modules(path)
    catalog = {m for m in modules if m == "catalog" or m.startswith("catalog.")}
    assert catalog <= ALLOWED_CATALOG | {m for m in catalog if m.startswith("catalog.readers")}, path.name
    assert not {m.split(".")[0] for m in modules} & FORBIDDEN_TOP, path.name


def test_readers_cover_tables_bpmn_and_the_report_and_the_old_package_is_gone():
    from pathlib import Path

    assert {p.stem for p in READERS} >= {"tables", "bpmn", "report"}
    # The old top-level package (benchmarks/importers.py, the importers' benchmark, is another thing).
    root = Path(__file__).resolve().parents[1]
    assert not (root / "importers").exists() and not (root / "importers.py").exists()


# --- one rule for every import, for every role ---------------------------------------------------

IMPORT_RULES = ["upload", "register own", "register other", "typical", "systems", "marts", "datasets",
                "openlineage", "rdf"]
MAY = {  # role → the imports it may start (rules.check_import); the services check each row too
    "reader": set(),
    "agency editor": {"upload", "register own", "systems", "marts", "datasets", "openlineage"},
    "process office": {"upload", "register own", "register other", "typical", "openlineage"},
    "architect": {"upload", "systems", "marts", "datasets", "openlineage"},
    "mart owner": {"upload", "marts", "datasets", "openlineage"},
    "admin": set(IMPORT_RULES),
    "deactivated admin": set(),
    "nobody": set(),
}


def test_one_rule_decides_every_import_for_every_role(ctx, seed, make_user):
    from catalog.errors import Forbidden, Unauthorized
    from catalog.services import users
    from catalog.services.context import Context

    people = {"reader": make_user("reader", ["reader"]),
              "agency editor": make_user("editor", ["agency_editor"], [seed.agency.id]),
              "process office": make_user("office", ["process_office"]),
              "architect": make_user("architect", ["architect"]),
              "mart owner": make_user("owner", ["mart_owner"], mart_ids=[seed.mart.id]),
              "admin": make_user("admin", ["admin"]),
              "deactivated admin": make_user("gone", ["admin"]), "nobody": None}
    users.update_user(ctx, people["deactivated admin"].id, is_active=False)
    asks = {"upload": (None, None), "register own": ("register", seed.agency.id),
            "register other": ("register", seed.other_agency.id),
            **{kind: (kind, None) for kind in ("typical", "systems", "marts", "datasets", "openlineage", "rdf")}}
    found = {}
    for role, user in people.items():
        acting = Context(session=ctx.session, user=user, settings=ctx.settings)
        found[role] = set()
        for name, (kind, agency_id) in asks.items():
            try:
                rules.check_import(acting, kind, agency_id)
            except (Forbidden, Unauthorized) as error:
                assert error.message.endswith(".")  # a sentence in Russian, not a code
                continue
            found[role].add(name)
    assert found == MAY
    system = Context(session=ctx.session, is_system=True, settings=ctx.settings)
    for kind, agency_id in asks.values():
        rules.check_import(system, kind, agency_id)  # the command line administers the catalogue
