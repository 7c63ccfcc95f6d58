"""A whole-file register import writes its new processes in batches (issues 15 and 19): the records,
links, consumers, transitions and history it leaves are those of the row-by-row path; any error still
refuses the whole file, a partial load still keeps the good rows, and the command line and the upload
page say what was done in the same words."""
from __future__ import annotations

import io
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from catalog import models
from catalog.services import imports
from catalog.services import records as r
from catalog.services.imports.register import RegisterImporter
from tests.test_import_register import HEADERS, make_register

CONSUMERS = "Потребители (внутренние и внешние)"
SITUATIONS = ["Рождение ребёнка", "Переезд", "Выход на пенсию"]
STATUSES = ["в очереди на исследование", "идёт исследование", "проходит реинжиниринг", "сертифицирован"]
ROWS = 230  # with batches of 40 (below): five full batches, a short one, and rows waiting for their person


def generated_rows(count: int, bad_last: bool = False, tag: str = "") -> list[list]:
    """Rows like an agency's: 0–2 life situations, links back and forth, a new service per ten rows, people
    named with their position once and without it in other rows (one before it: that row waits). ``tag``
    ends the services' names: an agency finds another's service of the same name, so each has its own."""
    rows = []
    for n in range(1, count + 1):
        situations = "; ".join(SITUATIONS[(n + k) % 3] for k in range(n % 3))
        linked = "; ".join(str(1000 + t) for t in ((n - 1,) if n % 10 == 0 else (n + 3,) if n % 17 == 0 else ())
                           if 1 <= t <= count)
        person = f"Сотрудник {n % 7} Иван" + ("" if n % 5 == 2 and n > 7 or n == 3 else ", специалист")
        status = STATUSES[n % len(STATUSES)] if not (bad_last and n == count) else "неизвестный статус"
        rows.append([str(1000 + n), f"Процесс № {n}", f"Услуга {n // 10}{tag}", situations, person, status,
                     "Граждане", linked, "цифровой" if n % 2 else "не цифровой", "ЕПГУ" if n % 2 else "",
                     "физические лица" if n % 4 == 0 else ""])
    rows[2][4] = "Новиков Олег"  # given with his position only in row 9 (after this one)
    rows[8][4] = "Новиков Олег, консультант"
    return rows


def register_file(path, count: int = ROWS, bad_last: bool = False, tag: str = ""):
    return make_register(path, generated_rows(count, bad_last, tag), headers=[*HEADERS, CONSUMERS])


@pytest.fixture
def situations(ctx, seed):
    for name in SITUATIONS:
        r.create_record(ctx, "life-situations", {"name": name})


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(RegisterImporter, "batch_rows", 40)


def written(ctx, agency_id: int, tag: str = "", seed=None, own=("person", "service")) -> dict:
    """What the imports left for one agency (the seed's own process, person and service aside), without the
    numbers the store gave (they differ by agency)."""
    ctx.session.expire_all()
    processes = list(ctx.session.scalars(select(models.Process).where(models.Process.agency_id == agency_id,
                                                                      models.Process.registry_id != "001")))
    by_id = {p.id: p for p in processes}
    situations = dict(ctx.session.execute(select(models.LifeSituation.id, models.LifeSituation.name)).all())
    links = Counter()
    for link in ctx.session.scalars(select(models.Link).where(models.Link.source_kind == "processes",
                                                              models.Link.source_id.in_(list(by_id)))):
        target = by_id[link.target_id].registry_id if link.target_kind == "processes" else situations[link.target_id]
        links[(by_id[link.source_id].registry_id, link.link_type, target, link.version, link.is_deleted)] += 1
    consumers = Counter((by_id[c.process_id].registry_id, c.scope, c.applicant_category, c.description)
                        for c in ctx.session.scalars(select(models.ProcessConsumer).where(
                            models.ProcessConsumer.process_id.in_(list(by_id)))))
    transitions = Counter((by_id[t.process_id].registry_id, t.from_status, t.to_status, t.reason)
                          for t in ctx.session.scalars(select(models.StatusTransition).where(
                              models.StatusTransition.process_id.in_(list(by_id)))))
    people = {p.id: p for p in ctx.session.scalars(select(models.Person).where(models.Person.agency_id == agency_id))}
    services = {s.id: s for s in ctx.session.scalars(select(models.Service).where(models.Service.agency_id == agency_id))}
    for record in (getattr(seed, name) for name in own) if seed is not None else ():
        people.pop(record.id, None) if isinstance(record, models.Person) else services.pop(record.id, None)
    rows = {p.registry_id: (p.name, services[p.service_id].name.removesuffix(tag), people[p.responsible_id].full_name,
                            people[p.responsible_id].position, p.status, p.is_digital, p.channels, p.client, p.version)
            for p in processes}
    # The history of every record the import wrote: its own events, ids left out.
    mine = {("processes", i) for i in by_id} | {("people", i) for i in people} | {("services", i) for i in services}
    link_ids = set(ctx.session.scalars(select(models.Link.id).where(models.Link.source_kind == "processes",
                                                                     models.Link.source_id.in_(list(by_id)))))
    consumer_ids = set(ctx.session.scalars(select(models.ProcessConsumer.id).where(
        models.ProcessConsumer.process_id.in_(list(by_id)))))
    mine |= {("links", i) for i in link_ids} | {("process-consumers", i) for i in consumer_ids}
    events = Counter()
    for event in ctx.session.scalars(select(models.ChangeEvent)):
        if (event.record_kind, event.record_id) in mine:
            changes = tuple(sorted((k, str(v).replace(tag, "") if tag else str(v))
                                   for k, v in event.changes.items() if not k.endswith("_id")))
            events[(event.record_kind, event.action, event.version, event.actor_name,
                    event.register_agency_id == agency_id, changes)] += 1
    return {"processes": rows, "links": links, "consumers": consumers, "transitions": transitions,
            "people": sorted((p.full_name, p.position) for p in people.values()),
            "services": sorted(s.name.removesuffix(tag) for s in services.values()), "events": events}


def report_of(report, tag: str = "") -> tuple:
    def plain(text):
        return text.replace(tag, "") if text and tag else text

    changes = [(c.row, c.key, c.action, [(f.label, plain(f.before), plain(f.after)) for f in c.changes])
               for c in report.changes]
    return (report.created, report.updated, report.unchanged, report.refused, report.written, changes,
            [e.text() for e in report.errors])


def test_a_batched_import_writes_what_the_row_by_row_one_writes(ctx, seed, situations, small_batches, monkeypatch,
                                                                tmp_path):
    batched = imports.run_import(ctx, "register", register_file(tmp_path / "реестр.xlsx", tag=" (А)"),
                                 agency="MINSOC")
    monkeypatch.setattr(RegisterImporter, "batch_rows", 0)  # the same rows, each written on its own
    one_by_one = imports.run_import(ctx, "register", register_file(tmp_path / "реестр.xlsx", tag=" (Б)"),
                                    agency="MINZDRAV")
    assert report_of(batched, " (А)") == report_of(one_by_one, " (Б)")
    assert (batched.created, batched.updated, batched.refused) == (ROWS, 0, 0)
    mine, theirs = written(ctx, seed.agency.id, " (А)", seed), written(ctx, seed.other_agency.id, " (Б)", seed, ("other_person",))
    assert mine == theirs
    # Known counts: each row's process, 0–2 life situations, links to the row before (every tenth) and
    # three rows on (every 17th), a consumer every fourth row, one transition and one event each.
    assert len(mine["processes"]) == ROWS
    situation_links = sum(n % 3 for n in range(1, ROWS + 1))
    linked = sum(1 for n in range(1, ROWS + 1) if n % 10 == 0 or (n % 17 == 0 and n + 3 <= ROWS))
    assert sum(mine["links"].values()) == situation_links + linked
    assert mine["links"][("1010", "LINKED_TO", "1009", 1, False)] == 1
    assert mine["links"][("1017", "LINKED_TO", "1020", 1, False)] == 1
    assert sum(mine["consumers"].values()) == ROWS // 4
    assert sum(mine["transitions"].values()) == ROWS
    assert mine["processes"]["1003"][2:4] == ("Новиков Олег", "консультант")  # it waited for row 9
    created = Counter(kind for kind, action, *_ in mine["events"].elements() if action == "create")
    assert created == {"processes": ROWS, "links": situation_links + linked, "process-consumers": ROWS // 4,
                       "services": len(mine["services"]), "people": len(mine["people"])}
    # Its number of events is that of its records: nothing written twice, nothing left without history.
    assert ctx.session.scalar(select(func.count()).select_from(models.ChangeEvent).where(
        models.ChangeEvent.record_kind == "processes", models.ChangeEvent.register_agency_id == seed.agency.id)) \
        == ROWS + 1  # and the seed's own process


def test_a_re_import_of_a_batched_import_changes_nothing(ctx, seed, situations, small_batches, tmp_path):
    path = register_file(tmp_path / "реестр.xlsx")
    imports.run_import(ctx, "register", path, agency="MINSOC")
    events = ctx.session.scalar(select(func.count()).select_from(models.ChangeEvent))
    again = imports.run_import(ctx, "register", path, agency="MINSOC")
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, ROWS, 0)
    assert ctx.session.scalar(select(func.count()).select_from(models.ChangeEvent)) == events


def counts(ctx) -> dict:
    ctx.session.rollback()
    return {model.__name__: ctx.session.scalar(select(func.count()).select_from(model))
            for model in (models.Process, models.Link, models.ChangeEvent, models.StatusTransition, models.Service,
                          models.Person, models.ProcessConsumer)}


def test_an_error_in_the_last_row_leaves_nothing_written(ctx, seed, situations, small_batches, tmp_path):
    before = counts(ctx)
    report = imports.run_import(ctx, "register", register_file(tmp_path / "реестр.xlsx", bad_last=True),
                                agency="MINSOC")
    assert report.refused_whole and not report.written
    assert report.refused == 1 and [e.row for e in report.errors] == [4 + ROWS]  # the title block, then the header
    assert "неизвестный статус «неизвестный статус»" in report.errors[0].reason
    # The good rows were counted (as they would be written) but five batches of them were in the store
    # before the last row was read: all of it is rolled back.
    assert report.created == ROWS - 1
    assert counts(ctx) == before


def test_a_partial_load_writes_the_good_rows(ctx, seed, situations, small_batches, tmp_path):
    before = counts(ctx)
    report = imports.run_import(ctx, "register", register_file(tmp_path / "реестр.xlsx", bad_last=True),
                                agency="MINSOC", partial=True)
    assert report.written and not report.refused_whole
    assert (report.created, report.refused) == (ROWS - 1, 1)
    after = counts(ctx)
    assert after["Process"] - before["Process"] == ROWS - 1
    assert str(1000 + ROWS) not in written(ctx, seed.agency.id)["processes"]


def test_the_command_line_and_the_upload_page_say_the_same(runner, client, ctx, seed, situations, make_user, login,
                                                           tmp_path):
    path = register_file(tmp_path / "реестр.xlsx", count=30)
    printed = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--dry-run")
    assert printed.exit_code == 0, printed.output
    make_user("editor", ["agency_editor"], [seed.agency.id])
    login("editor")
    page = client.post("/import/", data={"kind": "register", "agency": "MINSOC", "action": "check",
                                         "file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data")
    shown = BeautifulSoup(page.get_data(as_text=True), "html.parser").find(
        "p", class_="flash", string=lambda text: text and "реестр.xlsx" in text).get_text()
    summary = ("Проверка файла «реестр.xlsx» (реестр процессов), ничего не записано: будет создано 30, "
               "будет изменено 0, без изменений 0, отклонено 0.")
    assert shown == summary
    assert printed.output.splitlines()[0] == summary


def test_a_new_process_or_link_that_repeats_one_is_still_refused(ctx, seed, situations):
    """The two questions each new row asks the store (now built once) still find what they look for."""
    from catalog.errors import InvalidInput

    process = {"agency_id": seed.agency.id, "registry_id": "001", "service_id": seed.service.id, "name": "Другой",
               "responsible_id": seed.person.id, "status": "queued_research"}
    with pytest.raises(InvalidInput) as refused:
        r.check_create(ctx, "processes", process)
    assert refused.value.fields["registry_id"] == [
        f"В реестре органа уже есть процесс с идентификатором «001»: № {seed.process.id}."]
    assert r.update_record(ctx, "processes", seed.process.id, {"registry_id": "001", "name": "Новое имя",
                                                                "version": seed.process.version}).name == "Новое имя"
    r.check_create(ctx, "processes", {**process, "agency_id": seed.other_agency.id,
                                      "responsible_id": seed.other_person.id})  # another agency's register
    r.delete_record(ctx, "processes", seed.process.id, seed.process.version)
    with pytest.raises(InvalidInput) as refused:
        r.create_record(ctx, "processes", process)
    assert "(удалён; его можно восстановить)" in refused.value.fields["registry_id"][0]
    situation = ctx.session.scalar(select(models.LifeSituation).where(models.LifeSituation.name == "Переезд"))
    link = {"link_type": "IN_SITUATION", "source_kind": "processes", "source_id": seed.process.id,
            "target_kind": "life-situations", "target_id": situation.id}
    r.restore_record(ctx, "processes", seed.process.id, seed.process.version)
    made = r.create_checked(ctx, "links", [r.check_create(ctx, "links", link)])
    with pytest.raises(InvalidInput) as refused:
        r.check_create(ctx, "links", link)
    assert refused.value.fields["target_id"] == ["Такая связь уже есть."]
    r.update_record(ctx, "links", made[0].id, {"target_id": situation.id, "version": made[0].version})  # itself


def test_the_same_link_check_reads_one_index_entry_not_every_link_to_the_target(ctx, seed, situations):
    """Issue 15: a register import slowed with every row, because each new link's same-link check read
    every link to its life situation (SQLite took the target's index). Now it searches the source's
    index on both ends of the link (migration 0023), or the index by type (0026), which holds both ends too."""
    if ctx.session.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan asked of SQLite, which has no statistics to choose by")
    from catalog.services.records import _same_link

    compiled = _same_link().compile(ctx.session.get_bind())
    values = compiled.construct_params({"link_type": "IN_SITUATION", "source_kind": "processes", "source_id": 1,
                                        "target_kind": "life-situations", "target_id": 1, "own_id": 0})
    plan = " ".join(str(row[-1]) for row in ctx.session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup)))
    assert ("ix_links_source_type" in plan or "ix_links_type_kinds" in plan), plan
    assert "source_id=?" in plan and "target_id=?" in plan, plan  # one entry, not every link to the target
