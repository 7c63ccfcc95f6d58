"""One named rule per operation (issue 13): every service that changes something asks one rule of
catalog/services/rules.py, the rule table holds for every role, and a reader changes nothing through any
API route or page form.

The expected table is written from the README's roles table and the regulations in /work/shared/seeds/
(each row says which section it follows), not from the code.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

import catalog.services
from catalog import models
from catalog.services import passports, projects, requests, rules
from catalog.services import records as r
from catalog.services.context import Context

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)

# -- 1. every public service function that changes something checks a rule

# Public functions that take a Context and only read. A function here must not write (see the markers
# below); a new writing function must be decorated with @rules.operation, or the test fails.
READ_ONLY = {
    "data_usage.data_usage", "data_usage.matching_attributes",
    "calendar.add_working_days", "calendar.is_working_day", "calendar.list_days", "calendar.load",
    "calendar.working_days_between", "calendar.years", "entry_dates.accept",
    "projects.inbox_items", "requests.inbox_items", "quality.inbox_items",
    "inbox.items_for", "inbox.inbox", "inbox.count", "inbox.overview",
    "notify.enabled", "notify.preferences", "notify.pending", "notify.digest_text", "notify.preview",
    "calendar.working_days_between", "calendar.years",
    "calendar.add_working_days_reckoned", "calendar.working_days_between_reckoned",
    "duties.entered_on", "duties.officials", "duties.current", "duties.vacancies", "duties.timing",
    "duties.late_changes", "duties.record_labels", "duties.versions", "duties.published", "duties.published_agencies",
    "duties.get_published", "duties.version_xlsx", "duties.current_xlsx", "duties.control", "duties.control_rows",
    "duties.inbox_items", "notices.describe", "notices.get_notice", "notices.list_notices",
    "notices.unanswered_by_agency", "notices.history_local", "notices.inbox_items",
    "history.local_today", "history.register_agency_of",
    "costs.list_positions", "costs.process_costs",
    "dashboard.agency_choices", "dashboard.dashboard", "kept.basis", "dashboard.rule_figures",
    "dashboard.board_figures", "dashboard.projects_part", "dashboard.stale_marts", "kept.stale_scopes",
    "kept.recount_due", "kept.recounted_off_request", "feed.describe",
    "evidence.check_status", "evidence.declared", "evidence.evidence_of", "evidence.get_certification",
    "evidence.inbox_items", "evidence.lacking", "evidence.list_certifications", "evidence.missing",
    "evidence.required_for",
    "evidence.status_flag", "evidence.status_problems", "evidence.unconfirmed_count", "evidence.unconfirmed_ids",
    "gate.approved_requests", "gate.check_automation", "gate.check_system", "gate.covering_request",
    "gate.inbox_items", "gate.optimised_processes", "gate.outside_rule", "gate.outside_rule_counts",
    "gate.process_flags", "gate.system_flag",
    "history.events_for", "history.history_of", "history.recent_events",
    "harvest.get_system", "harvest.harvested_datasets", "harvest.named_sources", "harvest.source_url",
    "personal_data.inbox_items", "personal_data.report",
    "measurement.get_mart", "measurement.measurements", "measurement.latest", "measurement.below_threshold",
    "measurement.inbox_items", "measurement.source_name",
    "imports.table_importer", "imports.declared_rows", "imports.rdf.check_size", "imports.register.find_agency",
    "imports.register.register_rows", "imports.register.export_register", "imports.openlineage.runs_of",
    "imports.mappings.find_saved",
    "records.find_by_code", "records.check_create", "rules.check_import", "rules.may_import",
    "import_jobs.active_tokens", "import_jobs.get_job",
    "lineage.duplicated_systems", "lineage.picture", "search.describe", "lineage.hand_typed_duplicates", "lineage.impact", "lineage.lineage",
    "lineage.paper_requests", "lineage.process_systems",
    "names.describe", "names.list_matches", "names.report",
    "people.person_of", "people.head_of", "people.deputies_of", "people.process_offices", "people.process_office_head",
    "people.designated", "people.delegation_for", "people.visa_refusal", "people.visa", "people.delegations",
    "people.signatories", "people.find_person", "people.delegations_split", "records.take_change_arose_on",
    "documents.address", "documents.order_document", "documents.roadmap_document", "documents.passport_document",
    "documents.conclusion_document", "documents.notice_document", "documents.region_name", "documents.document",
    "names.typical_lists", "names.curated_spheres",
    # The register's rules: asked inside records.create_record / update_record, or read for reports.
    "consistency.check", "consistency.check_mart", "consistency.check_process", "consistency.check_process_group",
    "consistency.check_consumer",
    "consistency.check_responsible_agency", "consistency.mart_official_outside", "consistency.mart_consumers",
    "consistency.violations",
    "passports.current", "passports.get_passport", "passports.list_passports", "passports.passport_history",
    "permissions.anonymous_read_enabled", "permissions.assigned_by_architect", "permissions.refusal",
    "permissions.require_read",
    "projects.get_project", "projects.list_projects", "projects.project_history",
    "records.get_record", "records.labels_for", "records.links_of", "records.list_records",
    "records.record_history", "records.status_transitions", "records.titles_for", "records.substring_filter",
    "requests.actions_allowed", "requests.finished_projects", "requests.get_request", "requests.list_requests",
    "requests.request_history", "requests.run_checks",
    "rules.check", "rules.may", "rules.refusal", "rules.authorised_body",
    "search.check", "search.misses", "search.search", "search.store_names", "search.suggest", "search.titles", "thesaurus.entries",
    "stats.overview",
    "users.display_name", "users.display_names", "users.find_user", "users.get_user", "users.list_tokens", "users.list_users", "users.login_wait",
    "users.user_for_token",
    "versions.check_version",
}
# Public functions that write, but are no operation of a user on the catalogue, each for its reason.
INTERNAL = {
    # Called inside an operation that has checked its rule: the change event of that operation.
    "history.append_event": "part of every operation", "history.append_created": "part of a bulk load",
    # Steps of imports.run_import (or of imports.openlineage.run), which asked the import's rule first;
    # the rows they write go through the services, which ask records.* for each.
    "imports.rdf.run": "step of run_import", "imports.bpmn.run": "step of run_import",
    "imports.xsd.run": "step of run_import",
    "imports.register.import_register": "step of run_import", "imports.openlineage.ingest": "step of run",
    "imports.openlineage.apply": "step of run", "imports.openlineage.process_for": "step of run",
    "imports.openlineage.dataset_for": "step of run", "imports.openlineage.attribute_for": "step of run", "imports.records.write_record": "step of run_import",
    "imports.records.sync_links": "step of run_import", "imports.base.begin_write": "step of run_import",
    "imports.base.one_transaction": "the transaction of a whole-file import",
    # Issue 20: lays a harvested or imported model over the catalogue through the records service (each
    # record asks records.*), inside harvest.database or an XSD import, which asked their rules first.
    "harvest.apply_model": "step of harvest_database and of the XSD import",
    "imports.mappings.save": "step of run_import (a written import keeps the user's mapping)",
    # The next number of a signed document: part of the signing operation that checked its visa rule.
    "people.allocate_number": "part of every signing",
    # The outbox consumer's step: re-checks requests after changes that were each checked by their rule.
    "requests.recheck_changed": "outbox consumer",
    # Parts of operations that checked their rule (issue 17): a system created on an approved request
    # becomes the request's system; a project's write moves its process's status with the stage.
    "gate.bind_request": "part of records.create", "evidence.follow_project": "part of every project write",
    # The search projection follows the outbox; it writes only its own index.
    "search.catch_up": "search projection", "search.sync": "search projection",
    # Counts a search that found little, without who asked: part of reading, for the office's report.
    "search.count_miss": "part of every search",
    # Issue 16: e-mail is the server's own job (cron, or after a change that has checked its rule): it
    # queues and sends notifications of what the inbox already shows, and records each attempt.
    "notify.collect": "queues notifications", "notify.queue_digests": "queues digests",
    "notify.send_due": "sends queued e-mail", "notify.run": "catalog notify run",
    # Signing in and out: the person's own session, before any role applies.
    "users.authenticate": "signing in", "users.log_in": "signing in", "users.logout": "signing out",
    "users.record_login_failure": "signing in", "users.note_token_use": "a token's last use",
    # Issue 19: the dashboard's figures outside the rules, stored once per change of the store (derived data).
    "kept.board_figures": "part of reading the dashboard",
    # The outbox consumer's recount of those kept rows, off the request (derived data, no user's change).
    "kept.recount": "the outbox consumer's recount",
}
WRITES = re.compile(r"ctx\.finish\(\)|session\.(add|delete|commit|execute\(\s*(update|delete|insert))|append_event\(|_save\(")


def _service_functions():
    for info in pkgutil.walk_packages(catalog.services.__path__, "catalog.services."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(fn).parameters)
            if parameters and parameters[0] == "ctx":
                yield f"{info.name.removeprefix('catalog.services.')}.{name}", fn


def _source_with_helpers(fn) -> str:
    """The function's source and that of the module's private helpers it calls (``_set_deleted``…)."""
    fn = inspect.unwrap(fn)
    source = inspect.getsource(fn)
    module = inspect.getmodule(fn)
    for helper in set(re.findall(r"\b(_[a-z]\w*)\(", source)):
        found = getattr(module, helper, None)
        if inspect.isfunction(found):
            source += inspect.getsource(found)
    return source


def test_every_service_function_that_changes_something_checks_its_rule():
    found = dict(_service_functions())
    assert len(found) > 80  # the walk found the services
    missing, wrongly_read_only, unchecked = [], [], []
    for name, fn in found.items():
        names = getattr(fn, "__rules__", None)
        source = _source_with_helpers(fn)
        if names:
            if not re.search(r"rules\.check_import\(|rules\.check\(ctx, (rules\.record_rule\(|\"(%s)\")" % "|".join(map(re.escape, names)),
                             source):
                unchecked.append(name)
        elif name in READ_ONLY:
            if WRITES.search(source):
                wrongly_read_only.append(name)
        elif name not in INTERNAL:
            missing.append(name)
    assert missing == [], "public service functions with no rule and not listed as read-only"
    assert wrongly_read_only == [], "listed as read-only but they write"
    assert unchecked == [], "decorated, but the body does not call rules.check with its rule"
    # The lists name only what exists (a renamed function must not hide behind a stale entry).
    assert (READ_ONLY | set(INTERNAL)) - set(found) == set()
    # Every operation's rule is defined, and every rule is someone's operation or asked by pages.
    operations = {n for fn in found.values() for n in getattr(fn, "__rules__", ())}
    assert operations <= set(rules.RULES)


def test_an_operation_that_forgets_its_rule_fails_loudly(ctx):
    @rules.operation("records.update")
    def sloppy(ctx):
        return "written"

    with pytest.raises(AssertionError, match="without checking records.update"):
        sloppy(ctx)


# -- 2. every rule for every role

ACTORS = ("reader", "editor", "head", "deputy", "stranger", "office", "chief", "architect", "owner", "other_owner",
          "admin", "inactive", "anonymous", "server")
# Issue 16: visas go by position. «head» is the seed agency's head (an agency editor like «editor»), «deputy»
# its deputy (no delegation in the table), «chief» the head of the process office (an office user like
# «office»). Outside the visa rules each is allowed what its role is: the table names «editor» and «office».
ALIKE = {"head": "editor", "deputy": "editor", "chief": "office"}
# The job, the e-mail settings, the register's agreement are «editor»'s own, a notice is closed by its author
# («office»): not their roles'.
PERSONAL = {"imports.cancel", "notify.preferences", "register.agree", "notices.close", "notices.return"}
VISA_RULES = {"projects.agree_roadmap", "projects.approve_roadmap", "requests.conclude", "passports.approve",
              "people.delegate", "people.designate"}


@dataclass
class World:
    seed: object
    users: dict
    passport: object
    project: object  # a drafted roadmap, the office taking part (with_office), written by the server
    request_draft: object
    submitted: object
    concluded: object
    exposes: object  # the seed mart's EXPOSES link to the seed dataset
    other_mart: object
    match: object
    notice: object = None  # a correction notice to the seed agency, written by the office (Kemerovo 3.5)


def as_user(ctx, user, commit=True) -> Context:
    return Context(session=ctx.session, user=user, settings=ctx.settings, autocommit=commit)


ROADMAP = {
    "measures": [{"name": "Запрос сведений через СМЭВ", "planned_start": "2025-12-01", "planned_end": "2026-02-27",
                  "result": "Без справок", "responsible": "Иванова М.П."}],
    "kpis": [{"kind": "effectiveness", "name": "Срок", "unit": "рабочих дней", "baseline": 10, "target": 5,
              "direction": "at_most", "method": "Медиана", "responsible": "Иванова М.П.",
              "responsible_position": "начальник отдела", "responsible_level": "head_of_unit"}],
}


@pytest.fixture
def world(ctx, seed, make_user):
    from catalog.services import users as user_service

    a, b = seed.agency.id, seed.other_agency.id
    other_mart = r.create_record(ctx, "marts", {"name": "Витрина здравоохранения", "kind": "agency",
                                                "owner_agency_id": b})
    fast = {"password": None}  # hashing a password costs a tenth of a second
    users = {
        "reader": make_user("reader", ["reader"]),
        "editor": make_user("editor", ["agency_editor"], agency_ids=[a]),
        "stranger": make_user("stranger", ["agency_editor"], agency_ids=[b], **fast),
        "office": make_user("office", ["process_office"]),
        "architect": make_user("architect", ["architect"]),
        "owner": make_user("owner", ["mart_owner"], mart_ids=[seed.mart.id], **fast),
        "other_owner": make_user("other_owner", ["mart_owner"], mart_ids=[other_mart.id], **fast),
        "admin": make_user("admin", ["admin"], **fast),
        "inactive": make_user("inactive", ["admin", "mart_owner"], mart_ids=[seed.mart.id], **fast),
        "head": make_user("head", ["agency_editor"], agency_ids=[a], level="head_of_agency", position="министр"),
        "deputy": make_user("deputy", ["agency_editor"], agency_ids=[a], level="deputy_head_of_agency",
                            position="заместитель министра", **fast),
        "chief": make_user("chief", ["process_office"], level="head_of_agency", position="руководитель Процессного офиса"),
        "anonymous": None,
        "server": "server",
    }
    user_service.update_user(ctx, users["inactive"].id, is_active=False)
    passport = passports.create_passport(ctx, seed.process.id, "as_is")
    project = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "governor_order",
                                            "initiated_on": "2025-11-01"})
    projects.save_order(ctx, project.id, {"version": project.version, "order_number": "1", "start_date": "2025-11-12",
                                          "end_date": "2026-06-30", "team": ["Иванова"], "tasks": ["Сократить срок"]})
    projects.save_roadmap(ctx, project.id, {"version": project.version, **ROADMAP})
    filer = as_user(ctx, users["editor"])
    body = {"agency_id": a, "kind": "create", "new_system_name": "Система выплат", "purpose": "без бумаг",
            "processes": [seed.process.id], "datasets": []}
    draft, second, third = (requests.create_request(filer, {**body, "new_system_name": n})
                            for n in ("Черновик", "Поданная", "С заключением"))
    submitted = requests.submit(filer, second.id, second.version)
    concluded = requests.submit(filer, third.id, third.version)
    requests.conclude(as_user(ctx, users["chief"]), concluded.id,
                      {"conclusion": "positive", "reasons": "описаны", "overlap_answer": "нет", "version": concluded.version})
    exposes = ctx.session.scalar(select(models.Link).where(models.Link.link_type == "EXPOSES",
                                                           models.Link.source_id == seed.mart.id))
    match = models.NameMatch(record_kind="processes", record_id=seed.process.id, agency_id=a,
                             typical_process_id=None, score=0.9, state="suggested")
    from catalog.services import duties, notices

    # Kemerovo 3.2: the editor is the seed agency's official responsible for agreeing its register.
    agreeing = r.create_record(ctx, "people", {"full_name": "Editor", "position": "начальник отдела", "agency_id": a})
    duties.appoint(ctx, a, "agree", agreeing.id)
    users["editor"].person_id = agreeing.id
    ctx.session.commit()
    notice = notices.write_notice(as_user(ctx, users["office"]), {
        "agency_id": a, "reason": "Статус не соответствует", "items": [{"process_id": seed.process.id, "fields": ["status"]}]})
    return World(seed, users, passport, project, draft, submitted, concluded, exposes, other_mart, match, notice)


EVERYONE = {"reader", "editor", "stranger", "office", "architect", "owner", "other_owner", "admin", "server"}
WRITERS = EVERYONE - {"reader"}
ADMIN = {"admin", "server"}
OFFICE = {"office", "admin", "server"}  # the process office keeps it, and admins (README «Roles»)
OWNER_AGENCY = {"editor", "server"}  # a user of the agency owning the process
PROCESS_EDITORS = {"editor", "office", "admin", "server"}  # README «Roles»: processes of its agency / of all
TEAM = PROCESS_EDITORS  # Leningrad 4.3: the working group of the owning agency and the process office
MART_EDITORS = {"editor", "architect", "owner", "admin", "server"}


def _exposed_attribute(seed) -> models.Attribute:
    """An attribute of the seed's dataset, which the seed mart exposes (made here, flushed, never committed)."""
    from sqlalchemy.orm import object_session

    session = object_session(seed.dataset)
    entity = models.Entity(name="Получатель", dataset_id=seed.dataset.id, version=1)
    session.add(entity)
    session.flush()
    attribute = models.Attribute(name="СНИЛС", entity_id=entity.id, data_type="string", version=1,
                                 pd_suggestion="general")
    session.add(attribute)
    session.flush()
    return attribute


def _targets(w: World) -> dict:
    s = w.seed
    job = models.ImportJob(user_id=w.users["editor"].id, kind="register", status="queued")
    return {
        # README «Roles»: agency editors change records of their agencies, the process office processes of
        # all agencies; a link is changed by whoever may change its source record.
        "records.create": (rules.Change("processes", None, {"agency_id": s.agency.id, "name": "Новый"}), PROCESS_EDITORS),
        "records.update": (rules.Change("processes", s.process, {"client": "Граждане"}), PROCESS_EDITORS),
        "records.delete": (s.process, PROCESS_EDITORS),
        "records.restore": (s.process, PROCESS_EDITORS),
        "links.create": (rules.Change("links", None, {"link_type": "CONSUMES", "source_kind": "processes",
                                                      "source_id": s.process.id, "target_kind": "datasets",
                                                      "target_id": s.dataset.id}), PROCESS_EDITORS),
        # Samara concept, section 5 result 13: the mart's owner answers for the data its mart presents;
        # the mart is its agency's (editor) and architects keep all marts.
        "links.update": (rules.Change("links", w.exposes, {"frequency": "daily"}), MART_EDITORS),
        "links.delete": (w.exposes, MART_EDITORS),
        "links.restore": (w.exposes, MART_EDITORS),
        # Kemerovo rules, 2.1 and 3: each agency keeps its register, the reengineering status included.
        "processes.change_status": (rules.Change("processes", s.process, {"status": "researching"}), PROCESS_EDITORS),
        "catalog.write": (None, WRITERS),
        # Samara concept, section 3 task 2: the agencies describe their processes AS-IS and TO-BE.
        "passports.create": (s.process, PROCESS_EDITORS),
        "passports.save": (w.passport, PROCESS_EDITORS),
        "passports.import_bpmn": (s.process, PROCESS_EDITORS),
        # Samara concept, section 5 result 13: the agency's designated official approves, by default its head.
        "passports.approve": (w.passport, {"head", "server"}),
        # Leningrad 8.3: the process office checks a TO-BE against the criteria of digital transformation.
        "passports.set_criteria": (w.passport, OFFICE),
        # Leningrad 4.2–4.5.
        "projects.create": (s.process, TEAM),
        # Issue 17, Kemerovo 1 («сертификация … посредством независимого аудита») and 3 (the agency keeps its
        # register): the owning agency and the process office record a process's certification.
        "certifications.record": (s.process, TEAM),
        # Leningrad 4.3–4.5: the process office runs the projects whose stages the statuses follow.
        "processes.follow_projects": (None, OFFICE),
        "projects.save_order": (w.project, TEAM),
        "projects.save_analysis": (w.project, TEAM),
        "projects.save_roadmap": (w.project, TEAM),
        "projects.update_measure": (w.project, TEAM),
        "projects.answer_application": (w.project, {"office", "server"}),  # 4.2: «Процессный офис … направляет ответ»
        # 4.3 п. 7, 4.4: «согласовано» — the head of the process office (or the Committee's deputy chair).
        "projects.agree_roadmap": (w.project, {"chief", "server"}),
        # 4.3 п. 6, 4.4: «утверждаю» — the head of the owning agency (a deputy only by a delegation).
        "projects.approve_roadmap": (w.project, {"head", "server"}),
        "projects.add_measurement": (w.project, OFFICE),  # 4.5: post-monitoring by the process office
        "projects.answer_deviation": (w.project, OWNER_AGENCY),  # 4.5: the owner explains a deviation
        "projects.assess_deviation": (w.project, {"office", "server"}),  # 4.5: the office assesses the measures
        "projects.delete": (w.project, TEAM),
        # Samara concept, section 3 tasks 2–4 and Leningrad 8.4: the agency files, the process office
        # concludes, the deciding role decides (CATALOG_GATE_DECIDER_ROLE, architect by default); admins
        # too, never on a request they filed or concluded, and never the server under nobody's name.
        "requests.file": (s.agency.id, {"editor", "admin", "server"}),
        "requests.update": (w.request_draft, {"editor", "admin", "server"}),
        "requests.submit": (w.request_draft, {"editor", "admin", "server"}),
        "requests.conclude": (w.submitted, {"chief"}),  # 8.4: signed by the head of the process office
        "requests.decide": (w.concluded, {"architect", "admin"}),
        "requests.recheck": (w.submitted, {"editor", "office", "architect", "admin", "server"}),
        # Leningrad: the calculator's positions and the production calendar are the process office's.
        "calendar.set_day": (None, OFFICE),
        "calendar.clear_day": (None, OFFICE),
        "calendar.import": (None, OFFICE),
        "positions.save": (None, OFFICE),
        # Samara concept, section 3 task 7: the typical list; a suggestion is decided by the record's editor.
        "names.match": (None, OFFICE),
        # Issue 18: the office keeps the search's thesaurus and reads what people did not find.
        "search.thesaurus": (None, OFFICE), "search.misses": (None, OFFICE),
        # Issue 16: the office's overview of every agency's inbox; one's own e-mail notifications.
        "inbox.overview": (None, OFFICE),
        "notify.preferences": (w.users["editor"].id, {"editor", "admin", "server"}),
        "names.decide": (w.match, PROCESS_EDITORS),
        # README «Roles»: admin — users and tokens.
        "users.create": (None, ADMIN), "users.update": (None, ADMIN), "users.list": (None, ADMIN),
        "tokens.create": (None, ADMIN), "tokens.list": (None, ADMIN), "tokens.revoke": (None, ADMIN),
        "settings.anonymous_read": (None, ADMIN), "search.reindex": (None, ADMIN), "imports.rdf": (None, ADMIN),
        "imports.register": (None, WRITERS),
        "imports.cancel": (job, {"editor", "admin", "server"}),
        "imports.records": ("processes", {"editor", "stranger", "office", "admin", "server"}),
        "imports.openlineage": (None, WRITERS),
        # Issue 20 (Samara concept, 6.3: the data a process consumes down to entities and attributes): the
        # system's data model is kept by who keeps the system, architects and the operating agency.
        "harvest.database": (models.InformationSystem(name="Система", operator_agency_id=s.agency.id),
                             {"editor", "architect", "admin", "server"}),
        # Issue 20 (Samara concept, 5 result 13): the mart's owner answers for its quality and measures it; the
        # architect measures any mart (README «Roles»: systems and data).
        "quality.measure": (s.mart, {"owner", "architect", "admin", "server"}),
        # 152-FZ: the category of an attribute is decided by who keeps it (Samara concept, 5 result 13: the
        # mart's owner answers for the data its mart presents), as any edit of the attribute.
        "personal_data.decide": (_exposed_attribute(s), MART_EDITORS),
        # Kemerovo rules 2.1 «б», «г», «е»: the reference lists are the process office's; an agency's
        # register creates the acts, situations and groups it names only through the office (issue 15).
        "imports.create_references": (None, OFFICE),
        # Issue 16: the head delegates its own visa (or an administrator records it); the head designates
        # the agency's passport approver.
        "people.delegate": (w.users["head"].person, {"head", "admin", "server"}),
        "people.designate": (s.agency, {"head", "admin", "server"}),
        # Kemerovo register rules: 3.2 the agency appoints its officials and the agreeing one agrees the
        # register (in person, never the server); 3.5 the authorised body (the process office by default)
        # writes correction notices, the agency answers, the author closes or returns them.
        "register.appoint": (s.agency.id, {"editor", "admin", "server"}),
        "register.vacate": (s.agency.id, {"editor", "admin", "server"}),
        "register.agree": (s.agency.id, {"editor"}),
        "register.download": (s.agency.id, {"editor", "office", "admin", "server"}),
        "register.control": (None, OFFICE),
        "notices.write": (None, {"office"}),
        "notices.answer": (w.notice, {"editor"}),
        "notices.close": (w.notice, {"office"}),
        "notices.return": (w.notice, {"office"}),
    }


def _context(ctx, actor, user) -> Context:
    if actor == "server":
        return Context(session=ctx.session, is_system=True, settings=ctx.settings)
    return as_user(ctx, user, commit=False)


def test_every_rule_for_every_role(ctx, world):
    targets = _targets(world)
    assert set(targets) == set(rules.RULES), "every rule has its row in the table"
    wrong, unclear = {}, {}
    for name, (target, allowed) in targets.items():
        if name not in VISA_RULES and name not in PERSONAL:
            allowed = allowed | {a for a, like in ALIKE.items() if like in allowed}
        for actor in ACTORS:
            reason = rules.refusal(_context(ctx, actor, world.users[actor]), name, target)
            if (reason is None) != (actor in allowed):
                wrong[(name, actor)] = reason or "allowed"
            elif reason is not None and not CYRILLIC.search(reason):
                unclear[(name, actor)] = reason
    assert wrong == {}
    assert unclear == {}
    # The prologue is the same for every rule: in the user's terms.
    for name in rules.RULES:
        if name not in ("requests.conclude", "requests.decide"):
            assert "нужен вход" in rules.refusal(_context(ctx, "anonymous", None), name, targets[name][0]).lower()
        assert "отключена" in rules.refusal(_context(ctx, "inactive", world.users["inactive"]), name, targets[name][0])



def test_a_process_consumers_are_kept_by_the_owning_agency_and_the_office(ctx, world):
    """Kemerovo rules, 3 (the agency keeps its register) and Leningrad 2.4–2.6 (a process's internal and
    external consumers): the owning agency's editors keep its processes' consumers, as the process itself;
    the consumer's own agency (who consumes) gives no right to the row."""
    s = world.seed
    consumer = r.create_record(ctx, "process-consumers", {"process_id": s.process.id, "scope": "internal",
                                                          "agency_id": s.other_agency.id, "unit": "отдел статистики"})
    checks = {
        "records.create": rules.Change("process-consumers", None, {"process_id": s.process.id, "scope": "external",
                                                                   "applicant_category": "citizens"}),
        "records.update": rules.Change("process-consumers", consumer, {"unit": "отдел анализа"}),
        "records.delete": consumer,
    }
    wrong = {}
    for name, target in checks.items():
        for actor in ACTORS:
            allowed = actor in PROCESS_EDITORS | {"head", "deputy", "chief"}
            reason = rules.refusal(_context(ctx, actor, world.users[actor]), name, target)
            if (reason is None) != allowed:
                wrong[(name, actor)] = reason or "allowed"
    assert wrong == {}
    # The other agency (the consumer itself) may not change it, and hears why in its terms.
    assert "другого органа" in rules.refusal(_context(ctx, "stranger", world.users["stranger"]), "records.update",
                                             checks["records.update"])
    # An editor may not hang a consumer on another agency's process, nor move one there.
    other_service = r.create_record(ctx, "services", {"name": "Чужая услуга", "kind": "service",
                                                      "agency_id": s.other_agency.id})
    other_process = r.create_record(ctx, "processes", {"agency_id": s.other_agency.id, "registry_id": "900",
                                                       "name": "Чужой процесс", "service_id": other_service.id,
                                                       "responsible_id": s.other_person.id, "status": "queued_research"})
    editor = _context(ctx, "editor", world.users["editor"])
    assert rules.refusal(editor, "records.create", rules.Change("process-consumers", None, {
        "process_id": other_process.id, "scope": "external", "applicant_category": "citizens"}))
    assert rules.refusal(editor, "records.update", rules.Change("process-consumers", consumer,
                                                                {"process_id": other_process.id}))
    # «Add a consumer» is offered to the agency's editor (the record pages ask with no values).
    assert rules.refusal(editor, "records.create", rules.Change("process-consumers", None, {})) is None


def test_refusals_name_the_reason_in_the_users_terms(ctx, world):
    stranger = _context(ctx, "stranger", world.users["stranger"])
    process = world.seed.process
    assert f"«{process.name}» — процесс другого органа" in rules.refusal(
        stranger, "records.update", rules.Change("processes", process, {"client": "x"}))
    assert "процесс другого органа" in rules.refusal(stranger, "projects.save_roadmap", world.project)
    assert "процесс другого органа" in rules.refusal(stranger, "passports.save", world.passport)
    other_owner = _context(ctx, "other_owner", world.users["other_owner"])
    assert "витрина другого владельца" in rules.refusal(other_owner, "records.update", rules.Change("marts", world.seed.mart, {"completeness": 1}))
    office = _context(ctx, "office", world.users["office"])
    assert "которую вы подали" not in (rules.refusal(office, "requests.conclude", world.submitted) or "")
    assert "нельзя изменять записи вида" not in rules.refusal(
        _context(ctx, "architect", world.users["architect"]), "imports.records", "processes")


# -- 3. a reader changes nothing: every write route of the API, every page form

VOLATILE_TABLES = {"projection_positions", "login_failures"}
VOLATILE_COLUMNS = {"last_used_at"}


def _fingerprint(session) -> dict:
    """Every row of every table (what a change anywhere would show), but the bookkeeping of reads."""
    from catalog.models.base import Base

    session.expire_all()
    found = {}
    for table in Base.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
        found[table.name] = sorted(repr(tuple(row)) for row in session.execute(select(*columns)))
    return found


def _values(w: World, rule, converter_name: str, argument: str):
    """Values to fill a route's arguments with: real records of the world where the name tells which."""
    ids = {"record_id": None, "process_id": w.seed.process.id, "project_id": w.project.id,
           "request_id": w.submitted.id, "passport_id": w.passport.id, "user_id": w.users["editor"].id,
           "kpi_id": w.project.kpis[0].id, "measure_id": w.project.measures[0].id}
    converter = rule._converters[argument]
    if hasattr(converter, "items"):  # any(…): every choice
        return sorted(converter.items) if isinstance(converter.items, (set, frozenset)) else list(converter.items)
    if getattr(converter, "num_convert", None) is int:
        return [ids.get(argument) or 1]
    return ["2027-01-01" if argument == "day" else "abc"]


def _urls(app, w: World, prefix: str):
    from itertools import product

    kinds = {"processes": w.seed.process.id, "datasets": w.seed.dataset.id, "marts": w.seed.mart.id,
             "links": w.exposes.id, "agencies": w.seed.agency.id}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
        if not methods or not rule.rule.startswith(prefix) or (prefix == "/" and rule.rule.startswith("/api/")):
            continue
        arguments = sorted(rule.arguments)
        for combination in product(*[_values(w, rule, "", a) for a in arguments]):
            values = dict(zip(arguments, combination))
            if "record_id" in values:
                if values.get("kind_name") not in kinds:
                    continue  # one of each kind of scope is enough: process, dataset, mart, link, agency
                values["record_id"] = kinds[values["kind_name"]]
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            for method in sorted(methods):
                yield rule.endpoint, method, url


# Posts that only read (a SPARQL query, the cost calculator's what-if) or are the reader's own session.
READ_ONLY_POSTS = {"linked_api.sparql_api", "passports_api.what_if_view", "passports.costs_page",
                   "auth.login", "auth.logout"}


def test_a_reader_changes_nothing_through_any_api_route(app, client, world, token_for):
    reader = token_for(world.users["reader"])
    before = _fingerprint(app.extensions["catalog"].sessions())
    answers = {}
    for endpoint, method, url in _urls(app, world, "/api/v1"):
        if endpoint in READ_ONLY_POSTS or getattr(app.view_functions[endpoint], "read_only", False):
            continue  # marked @read_only in web/api: a SPARQL query, the what-if calculation
        for body in (None, {"version": 1, "name": "Чужое", "status": "researching"}):
            answer = client.open(f"{url}?version=1", method=method, headers=reader, json=body)
            answers[(method, url, body is not None)] = answer.status_code
            if answer.status_code not in (401, 403, 404, 405, 422):
                pytest.fail(f"{method} {url} answered a reader {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
    assert len(answers) > 100
    assert 403 in answers.values()
    assert _fingerprint(app.extensions["catalog"].sessions()) == before


# Issue 16: a reader chooses their own e-mail notifications (the rule «notify.preferences»): their own
# settings, not the catalogue.
OWN_POSTS = {"inbox.profile_page"}


def _csrf_of(client, url) -> str:
    """The CSRF token a page carries, read as a browser would."""
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return page.find("meta", attrs={"name": "csrf-token"})["content"]


def test_a_reader_changes_nothing_through_any_page_form(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    signed_in = client.post("/login", data={"login": "reader", "password": "пароль-тест",
                                            "csrf_token": _csrf_of(client, "/login")})
    assert signed_in.status_code in (302, 303)
    csrf = _csrf_of(client, "/calendar")
    before = _fingerprint(app.extensions["catalog"].sessions())
    statuses = {}
    for endpoint, method, url in _urls(app, world, "/"):
        if endpoint in READ_ONLY_POSTS or getattr(app.view_functions[endpoint], "read_only", False):
            continue  # marked @read_only in web/api: a SPARQL query, the what-if calculation
        if endpoint in OWN_POSTS:
            continue
        answer = client.open(url, method=method, data={"csrf_token": csrf, "version": "1", "save": "1",
                                                       "name": "Чужое", "status": "researching", "day": "2027-01-01",
                                                       "kind": "holiday", "decision": "approved"})
        statuses[(method, url)] = answer.status_code
        assert answer.status_code in (302, 303, 400, 403, 404, 405, 413, 422), (url, answer.status_code)
    assert len(statuses) > 40 and 403 in statuses.values()
    assert _fingerprint(app.extensions["catalog"].sessions()) == before


def test_a_reader_pressing_recheck_is_refused_and_the_history_records_nothing(client, world, login):
    """The issue's bug: «Проверить заново» by a reader recorded a change by «reader»."""
    url = f"/requests/{world.submitted.id}"
    login("reader")
    refused = client.post(f"{url}/recheck", data={"version": world.submitted.version}, follow_redirects=True)
    assert "проверки заявки запускают заново" in refused.get_data(as_text=True)
    events = client.get(f"/api/v1/requests/{world.submitted.id}/history").get_json()["items"]
    assert all(e.get("actor") != "reader" for e in events)
    assert client.get(f"/api/v1/requests/{world.submitted.id}").get_json()["version"] == world.submitted.version


# -- 4. pages show only the actions the user may take (issue 14, «Role-aware pages»)


def _soup(client, url):
    from bs4 import BeautifulSoup

    answer = client.get(url)
    return answer.status_code, BeautifulSoup(answer.get_data(as_text=True), "html.parser")


def _buttons(soup) -> set[str]:
    return {" ".join(e.get_text(" ", strip=True).split()) for e in soup.select("main a, main button, nav a, header a")}


def _as(client, login, name):
    client.post("/logout")
    login(name)


def test_a_reader_is_offered_no_action(client, world, login):
    login("reader")
    assert "Новая заявка" not in _buttons(_soup(client, "/requests")[1])
    assert "Начать оптимизацию процесса" not in _buttons(_soup(client, "/projects")[1])
    status, request_page = _soup(client, f"/requests/{world.submitted.id}")
    assert status == 200 and not ({"Дать заключение", "Проверить заново", "Принять решение"} & _buttons(request_page))
    assert "Загрузка" not in _buttons(request_page)
    _, process = _soup(client, f"/processes/{world.seed.process.id}")
    assert not ({"Изменить", "Удалить", "Добавить связь"} & _buttons(process))
    _, passport = _soup(client, f"/passports/{world.passport.id}")
    assert not ({"Изменить", "Утвердить"} & _buttons(passport))
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert not ({"«Согласовано»", "«Утверждаю»", "Удалить проект"} & _buttons(project))
    assert not project.select("form[action$='/roadmap/approve'], form[action$='/roadmap/agree']")


def test_each_role_sees_the_actions_it_may_take(client, world, login):
    login("editor")
    assert "Новая заявка" in _buttons(_soup(client, "/requests")[1])
    assert "Начать оптимизацию процесса" in _buttons(_soup(client, "/projects")[1])
    assert "Загрузка" in _buttons(_soup(client, "/requests")[1])
    # Leningrad 4.4: the office, which takes part, agrees first; «Утверждаю» is not offered before that.
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert "«Утверждаю»" not in _buttons(project)
    _as(client, login, "office")
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert "«Согласовано»" not in _buttons(project)  # issue 16: the head of the office agrees, not any member
    _as(client, login, "chief")
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert "«Согласовано»" in _buttons(project) and "«Утверждаю»" not in _buttons(project)
    # The process office concludes; the decision is the deciding role's: no decision form for the office.
    _, submitted = _soup(client, f"/requests/{world.submitted.id}")
    assert "Дать заключение" in _buttons(submitted)
    _, concluded = _soup(client, f"/requests/{world.concluded.id}")
    assert not concluded.select("form[action$='/decision']") and "Принять решение" not in _buttons(concluded)
    form = client.post(f"/projects/{world.project.id}/roadmap/agree",
                       data={"version": world.project.version, "date": "2025-11-27",
                             "late_reason": "Согласовано письмом, внесено позже"})  # issue 16: a date of 2025
    assert form.status_code in (302, 303)
    _as(client, login, "editor")
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert "«Утверждаю»" not in _buttons(project)  # issue 16: the head approves, not any editor
    _as(client, login, "head")
    _, project = _soup(client, f"/projects/{world.project.id}")
    assert "«Утверждаю»" in _buttons(project)
    _as(client, login, "architect")
    _, concluded = _soup(client, f"/requests/{world.concluded.id}")
    assert concluded.select("form[action$='/decision']")
    assert "Новая заявка" not in _buttons(_soup(client, "/requests")[1])


def test_an_edit_form_the_user_may_not_save_is_refused_when_opened(client, world, login):
    login("reader")
    for url in (f"/processes/{world.seed.process.id}/edit", "/processes/new", "/requests/new",
                f"/requests/{world.request_draft.id}/edit", f"/passports/{world.passport.id}/edit",
                f"/projects/{world.project.id}/roadmap", "/projects/new"):
        status, soup = _soup(client, url)
        assert status == 403, url
        assert "только читать" in soup.get_text(), url
        assert not soup.select("main form[method=post] textarea, main form[method=post] input[type=text]"), url


def test_a_refused_save_keeps_what_was_typed(app, client, world, make_user, login):
    """A stranger's edit of another agency's process is refused when opened, saying why; a save sent
    anyway (a form left open while the rights changed) comes back with what was typed."""
    _as(client, login, "office")
    status, opened = _soup(client, f"/processes/{world.seed.process.id}/edit")
    assert status == 200
    # The form as the office sees it: every field with its value, as a browser would send it.
    form = opened.select_one("main form[method=post]")
    fields = {f["name"]: f.get("value", "") for f in form.select("input[name]") if f.get("type") != "checkbox"}
    fields |= {f["name"]: f.get_text() for f in form.select("textarea[name]")}
    fields |= {f["name"]: (f.select_one("option[selected]") or {}).get("value", "") for f in form.select("select[name]")}
    make_user("stranger2", ["agency_editor"], agency_ids=[world.seed.other_agency.id])
    _as(client, login, "stranger2")
    status, soup = _soup(client, f"/processes/{world.seed.process.id}/edit")
    assert status == 403 and "процесс другого органа" in soup.get_text()
    typed = "Граждане, ищущие работу — мой черновик"
    answer = client.post(f"/processes/{world.seed.process.id}/edit", data={**fields, "client": typed})
    assert answer.status_code == 403
    from bs4 import BeautifulSoup

    page = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    assert "процесс другого органа" in page.get_text()
    assert any(typed == (field.get("value") or field.get_text()) for field in page.select("input, textarea"))
    # A request filed for another agency is refused on save and keeps its purpose.
    _as(client, login, "editor")
    answer = client.post("/requests/new", data={"agency_id": world.seed.other_agency.id, "kind": "create",
                                                "new_system_name": "Чужая", "purpose": "набранный текст"})
    assert answer.status_code == 403 and "набранный текст" in answer.get_data(as_text=True)
    assert "заявка другого органа" in answer.get_data(as_text=True)
