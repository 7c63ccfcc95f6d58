"""Load a catalogue described as plain data (the demo region or a generated one) into an empty store.

Each record is checked by its kind's schema, then written in batches with its
change event, so the history and the outbox are the same as if it had been
typed in. References are by code (``"MINZDRAV"``, ``"AGENCY:001"`` for processes).
"""
from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Callable, Iterable

from marshmallow import ValidationError
from sqlalchemy import func, select

from catalog import models
from catalog.enums import Role
from catalog.errors import InvalidInput
from catalog.kinds import KINDS
from catalog.schemas import validation_messages
from catalog.services import history, records, users
from catalog.services.context import Context

DEMO_PASSWORD = "catalog-demo"
BATCH = 2000


class _Loader:
    def __init__(self, ctx: Context, progress: Callable[[str, int], None] | None):
        self.ctx = ctx
        self.progress = progress or (lambda stage, count: None)
        self.ids: dict[tuple[str, str], int] = {}  # (kind, code) -> id
        self.links: dict[tuple, tuple] = {}
        self.counts: dict[str, int] = {}

    def _check(self, kind_name: str, values: dict, where: str) -> dict:
        try:
            return KINDS[kind_name].schema().load(values)
        except ValidationError as error:
            raise InvalidInput(f"{where}: данные не прошли проверку.", validation_messages(error)) from None

    def ref(self, kind_name: str, code: str | None, where: str) -> int | None:
        if code is None:
            return None
        try:
            return self.ids[(kind_name, code)]
        except KeyError:
            raise InvalidInput(f"{where}: ссылка на неизвестную запись «{code}» ({KINDS[kind_name].label_one}).") from None

    def add(self, kind_name: str, rows: Iterable[tuple[str | None, dict]]) -> None:
        """Insert (code, values) pairs of one kind, in batches, with their create events."""
        model = KINDS[kind_name].model
        session = self.ctx.session
        rows = iter(rows)
        while chunk := list(islice(rows, BATCH)):
            self.counts[kind_name] = self.counts.get(kind_name, 0) + len(chunk)
            objects = []
            for code, values in chunk:
                values.pop("status_reason", None)
                objects.append(model(version=1, **values))
            session.add_all(objects)
            session.flush()
            for (code, _), obj in zip(chunk, objects):
                if code is not None:
                    self.ids[(kind_name, code)] = obj.id
                if kind_name == "processes":
                    session.add(models.StatusTransition(process_id=obj.id, from_status=None, to_status=obj.status,
                                                        actor_name=self.ctx.actor_name))
            history.append_created(self.ctx, kind_name, objects)
            session.expunge_all()
            self.progress(KINDS[kind_name].label, self.counts[kind_name])

    def link(self, link_type, source_kind, source_id, target_kind, target_id, transport=None, frequency=None):
        # One link per type and ends, as the services allow; the first description wins.
        self.links.setdefault((link_type, source_kind, source_id, target_kind, target_id), (transport, frequency))


def load_catalogue(ctx: Context, data: dict, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load ``data`` (the shape of ``catalog.demo.region``) and commit once at the end."""
    session = ctx.session
    if session.scalar(select(func.count()).select_from(models.Process)):
        raise InvalidInput("В каталоге уже есть процессы: демонстрационные данные загружаются только в пустой каталог.")
    history.lock_outbox(session)
    loader = _Loader(ctx, progress)
    check, ref = loader._check, loader.ref

    agencies = data["AGENCIES"]
    loader.add("agencies", [
        (a["code"], check("agencies", {k: a.get(k) for k in ("code", "name", "short_name", "kind", "description")},
                          f"Орган {a['code']}"))
        for a in agencies
    ])
    for a in agencies:
        if a.get("parent"):
            session.get(models.Agency, ref("agencies", a["code"], "")).parent_id = ref("agencies", a["parent"], f"Орган {a['code']}")
    session.flush()

    loader.add("people", [
        (p["key"], check("people", {"full_name": p["full_name"], "position": p["position"], "unit": p.get("unit"),
                                    "email": p.get("email"), "agency_id": ref("agencies", p["agency"], p["key"])},
                         f"Лицо {p['key']}"))
        for p in data["PEOPLE"]
    ])
    loader.add("life-situations", [
        (s["code"], check("life-situations", {k: s.get(k) for k in ("code", "name", "description")}, s["code"]))
        for s in data["LIFE_SITUATIONS"]
    ])
    loader.add("process-groups", [
        (g["code"], check("process-groups", {k: g.get(k) for k in ("code", "name", "description")}, g["code"]))
        for g in data["PROCESS_GROUPS"]
    ])
    loader.add("typical-processes", [
        (t["code"], check("typical-processes", {"code": t["code"], "name": t["name"], "description": t.get("description"),
                                                "group_id": ref("process-groups", t.get("group"), t["code"])}, t["code"]))
        for t in data["TYPICAL_PROCESSES"]
    ])
    loader.add("acts", [
        (a["code"], check("acts", {"code": a["code"], "name": a["title"], "kind": a["kind"], "number": a.get("number"),
                                   "adopted_on": a.get("date"), "issuer": a.get("issuer")}, a["code"]))
        for a in data["ACTS"]
    ])
    loader.add("services", [
        (s["code"], check("services", {"code": s["code"], "name": s["name"], "kind": s["kind"],
                                       "is_mszu": bool(s.get("is_mszu")), "description": s.get("description"),
                                       "agency_id": ref("agencies", s.get("agency"), s["code"])}, s["code"]))
        for s in data["SERVICES"]
    ])
    loader.add("systems", [
        (s["code"], check("systems", {"code": s["code"], "name": s["name"], "short_name": s.get("short_name"),
                                      "legal_kind": s["legal_kind"], "stage": s["stage"],
                                      "fgis_ki_number": s.get("fgis_ki_number"), "url": s.get("url"),
                                      "description": s.get("description"),
                                      "operator_agency_id": ref("agencies", s.get("operator"), s["code"])}, s["code"]))
        for s in data["SYSTEMS"]
    ])
    loader.add("document-types", [
        (d["code"], check("document-types", {k: d.get(k) for k in ("code", "name", "description", "metadata_fields")},
                          d["code"]))
        for d in data["DOCUMENT_TYPES"]
    ])
    datasets = data["DATASETS"]
    loader.add("datasets", [
        (d["code"], check("datasets", {"code": d["code"], "name": d["name"], "description": d.get("description"),
                                       "update_frequency": d.get("update_frequency"),
                                       "contains_personal_data": bool(d.get("contains_personal_data")),
                                       "owner_agency_id": ref("agencies", d.get("owner"), d["code"])}, d["code"]))
        for d in datasets
    ])
    entity_rows, attribute_rows = [], []
    for d in datasets:
        for e in d.get("entities", []):
            entity_rows.append((e["code"], check("entities", {
                "code": e["code"], "name": e["name"], "description": e.get("description"),
                "dataset_id": ref("datasets", d["code"], e["code"])}, e["code"])))
    loader.add("entities", entity_rows)
    for d in datasets:
        for e in d.get("entities", []):
            for a in e.get("attributes", []):
                attribute_rows.append((None, check("attributes", {
                    "entity_id": ref("entities", e["code"], e["code"]), "code": a.get("code"), "name": a["name"],
                    "data_type": a["data_type"], "is_key": bool(a.get("is_key")),
                    "is_required": bool(a.get("is_required"))}, f"{e['code']}.{a.get('code')}")))
        for system in d.get("stored_in", []):
            loader.link("STORED_IN", "datasets", ref("datasets", d["code"], d["code"]),
                        "systems", ref("systems", system, d["code"]))
    loader.add("attributes", attribute_rows)
    loader.add("marts", [
        (m["code"], check("marts", {
            "code": m["code"], "name": m["name"], "kind": m["kind"], "description": m.get("description"),
            "info_kind": m.get("info_kind"), "owner_agency_id": ref("agencies", m["owner"], m["code"]),
            "host_system_id": ref("systems", m.get("host"), m["code"]),
            "completeness": m.get("completeness"), "accuracy": m.get("accuracy"), "timeliness": m.get("timeliness"),
            "quality_responsible_id": ref("people", m.get("quality_responsible"), m["code"]),
            "quality_checked_on": m.get("quality_checked_on"),
            # The demo's marts serve data: those without an answerable official show in `catalog validate`.
            "stage": m.get("stage", "operation")}, m["code"]))
        for m in data["DATA_MARTS"]
    ])
    for m in data["DATA_MARTS"]:
        for target in m.get("exposes", []):
            kind = "entities" if ("entities", target) in loader.ids else "datasets"
            loader.link("EXPOSES", "marts", ref("marts", m["code"], m["code"]), kind, ref(kind, target, m["code"]))
    for s in data["SERVICES"]:
        for situation in s.get("life_situations", []):
            loader.link("IN_SITUATION", "services", ref("services", s["code"], s["code"]),
                        "life-situations", ref("life-situations", situation, s["code"]))

    processes = data["PROCESSES"]
    rows = []
    for p in processes:
        key = f"{p['agency']}:{p['registry_id']}"
        rows.append((key, check("processes", {
            "agency_id": ref("agencies", p["agency"], key), "registry_id": p["registry_id"], "name": p["name"],
            "service_id": ref("services", p["service"], key), "group_id": ref("process-groups", p.get("group"), key),
            "typical_process_id": ref("typical-processes", p.get("typical"), key),
            "responsible_id": ref("people", p["responsible"], key), "status": p["status"],
            "process_type": p.get("process_type"), "category": p.get("category"), "client": p.get("client"),
            "client_value": p.get("client_value"), "inputs": p.get("inputs"), "outputs": p.get("outputs"),
            "is_digital": bool(p.get("is_digital")), "channels": p.get("channels") or [],
            "description": p.get("description")}, f"Процесс {key}")))
    loader.add("processes", rows)
    seen_pairs = set()
    for p in processes:
        key = f"{p['agency']}:{p['registry_id']}"
        pid = ref("processes", key, key)
        for situation in p.get("life_situations", []):
            loader.link("IN_SITUATION", "processes", pid, "life-situations", ref("life-situations", situation, key))
        for act in p.get("acts", []):
            loader.link("REGULATED_BY", "processes", pid, "acts", ref("acts", act, key))
        for link_type, items in (("CONSUMES", p.get("consumes", [])), ("PRODUCES", p.get("produces", []))):
            for item in items:
                loader.link(link_type, "processes", pid, "datasets", ref("datasets", item["dataset"], key),
                            item.get("transport"), item.get("frequency"))
        for system in p.get("automated_by", []):
            loader.link("AUTOMATED_BY", "processes", pid, "systems", ref("systems", system, key))
        for other in p.get("linked", []):
            other_id = ref("processes", other, key)
            pair = (min(pid, other_id), max(pid, other_id))
            if other_id != pid and pair not in seen_pairs:
                seen_pairs.add(pair)
                loader.link("LINKED_TO", "processes", pid, "processes", other_id)
    fields = ("link_type", "source_kind", "source_id", "target_kind", "target_id", "transport", "frequency")
    loader.add("links", ((None, check("links", dict(zip(fields, key + value)), f"Связь {key[0]}"))
                         for key, value in loader.links.items()))
    if ctx.autocommit:
        session.commit()
    return loader.counts


# Who may sign in to the demo: every workflow of the demo can be walked to its end with these accounts.
# Leningrad regulation 4.3–4.4: the roadmap is written by the owner's team, agreed («согласовано») by the
# head of the process office when the office takes part, approved («утверждаю») by the head of the owning
# agency, and nobody agrees or approves a roadmap they wrote: hence a second process-office account
# («office-head») and, for each agency with a demo project, an editor and a head.
# login, full name, what the account is for, roles, agency codes, mart codes («MART» is the first demo mart)
DEMO_USERS = [
    ("admin", "Администратор каталога", "администратор", [Role.ADMIN.value], [], []),
    ("office", "Сидорова Анна Андреевна", "консультант Процессного офиса", [Role.PROCESS_OFFICE.value], [], []),
    ("office-head", "Кузнецов Павел Игоревич", "руководитель Процессного офиса: согласует дорожные карты",
     [Role.PROCESS_OFFICE.value], [], []),
    ("architect", "Ветров Олег Николаевич", "главный архитектор", [Role.ARCHITECT.value], [], []),
    ("editor", "Орлова Елена Викторовна", "начальник отдела министерства социальной защиты: ведёт реестр",
     [Role.AGENCY_EDITOR.value], ["@editor"], []),
    ("head", "Громов Игорь Сергеевич", "министр социальной защиты: утверждает дорожные карты",
     [Role.AGENCY_EDITOR.value], ["@editor"], []),
    ("zdrav", "Лебедева Ольга Михайловна", "начальник отдела министерства здравоохранения: ведёт реестр",
     [Role.AGENCY_EDITOR.value], ["MINZDRAV"], []),
    ("zdrav-head", "Никитин Андрей Викторович", "министр здравоохранения: утверждает дорожные карты",
     [Role.AGENCY_EDITOR.value], ["MINZDRAV"], []),
    ("mart", "Белов Кирилл Николаевич", "обладатель витрины данных", [Role.MART_OWNER.value], [], ["@mart"]),
    ("reader", "Зайцева Мария Петровна", "читатель", [Role.READER.value], [], []),
    ("deputy", "Фомина Татьяна Олеговна", "заместитель министра социальной защиты: утверждает паспорта процессов, "
     "утверждает дорожные карты по поручению министра", [Role.AGENCY_EDITOR.value], ["@editor"], []),
]
# The person of the catalogue each demo account is (issue 16): position, level, agency («@editor»: the
# editor's agency), unit. Visas go by these positions (catalog/services/people.py).
DEMO_PEOPLE = {
    "admin": ("администратор каталога", "specialist", "MINTSIFR", "отдел информатизации"),
    "office": ("консультант Процессного офиса", "specialist", "PROCOFFICE", None),
    "office-head": ("руководитель Процессного офиса", "head_of_agency", "PROCOFFICE", None),
    "architect": ("главный архитектор региональной цифровой платформы", "head_of_unit", "MINTSIFR", "отдел архитектуры"),
    "editor": ("начальник отдела назначения выплат", "head_of_unit", "@editor", "отдел назначения выплат"),
    "head": ("министр социальной защиты", "head_of_agency", "@editor", "руководство"),
    "deputy": ("заместитель министра социальной защиты", "deputy_head_of_agency", "@editor", "руководство"),
    "zdrav": ("начальник отдела организации медицинской помощи", "head_of_unit", "MINZDRAV", None),
    "zdrav-head": ("министр здравоохранения", "head_of_agency", "MINZDRAV", "руководство"),
    "mart": ("обладатель витрины данных", "head_of_unit", "@editor", "отдел информационных ресурсов"),
    "reader": ("консультант", "specialist", "MINEK", None),
}
DEMO_ACCOUNTS_KEY = "demo_accounts"  # a Setting: the demo's logins and what each is for, shown on the login page


def create_demo_users(ctx: Context, editor_agency: str, mart_code: str) -> list[str]:
    """Demo accounts, all with the password ``DEMO_PASSWORD``; remembered for the login page."""
    import json

    def agency(code: str) -> int | None:
        code = editor_agency if code == "@editor" else code
        return ctx.session.scalar(select(models.Agency.id).where(models.Agency.code == code))

    mart_id = ctx.session.scalar(select(models.DataMart.id).where(models.DataMart.code == mart_code))
    made = []
    for login, name, purpose, roles, agency_codes, mart_codes in DEMO_USERS:
        agency_ids = [a for a in (agency(c) for c in agency_codes) if a is not None]
        if agency_codes and not agency_ids:
            continue  # a generated or trimmed region without that agency
        user = ctx.session.scalar(select(models.User).where(models.User.login == login))
        if user is None:
            user = users.create_user(ctx, login, name, DEMO_PASSWORD, roles, agency_ids, [mart_id] if mart_codes else [])
        if user.person_id is None and login in DEMO_PEOPLE:
            position, level, where, unit = DEMO_PEOPLE[login]
            person_agency = agency(where)
            if person_agency is not None:
                person = records.create_record(ctx, "people", {"full_name": name, "position": position, "level": level,
                                                               "unit": unit, "agency_id": person_agency})
                users.update_user(ctx, user.id, person_id=person.id)
        made.append({"login": login, "purpose": purpose})
    _demo_signatories(ctx, agency(editor_agency))
    setting = ctx.session.get(models.Setting, DEMO_ACCOUNTS_KEY)
    value = json.dumps(made, ensure_ascii=False)
    if setting is None:
        ctx.session.add(models.Setting(key=DEMO_ACCOUNTS_KEY, value=value))
    else:
        setting.value = value
    ctx.session.flush()
    return [a["login"] for a in made]


def _demo_signatories(ctx: Context, agency_id: int | None) -> None:
    """The minister delegates «утверждаю» to the deputy for the year and designates the deputy to approve
    passports (Leningrad 4.4; Samara concept, section 5 result 13)."""
    from catalog.services import people

    by_login = {u.login: u for u in ctx.session.scalars(select(models.User).where(models.User.login.in_(["head", "deputy"])))}
    head, deputy = by_login.get("head"), by_login.get("deputy")
    if agency_id is None or head is None or deputy is None or not (head.person_id and deputy.person_id):
        return
    if not ctx.session.scalar(select(models.Delegation.id).where(models.Delegation.to_person_id == deputy.person_id)):
        today = date.today()
        people.delegate(ctx, {"visa": "roadmap_approve", "from_person_id": head.person_id, "to_person_id": deputy.person_id,
                              "valid_from": date(today.year, 1, 1), "valid_until": date(today.year, 12, 31),
                              "basis": f"приказ министра от {date(today.year, 1, 9):%d.%m.%Y} № 3-од"})
    people.designate(ctx, agency_id, deputy.person_id)


def demo_accounts(ctx: Context) -> list[tuple[models.User, str]]:
    """The demo's accounts that still exist and may sign in, with what each is for; empty without the demo."""
    import json

    setting = ctx.session.get(models.Setting, DEMO_ACCOUNTS_KEY)
    if setting is None:
        return []
    wanted = json.loads(setting.value)
    found = {u.login: u for u in ctx.session.scalars(select(models.User).where(
        models.User.login.in_([a["login"] for a in wanted]), models.User.is_active.is_(True)))}
    return [(found[a["login"]], a["purpose"]) for a in wanted if a["login"] in found]


REGION_KEY = "region_name"


def load_demo(ctx: Context, progress=None) -> dict[str, int]:
    from catalog.demo import region

    data = {name: getattr(region, name) for name in dir(region) if name.isupper()}
    from catalog.demo.certifications import load_certifications
    from catalog.demo.passports import load_passports
    from catalog.demo.projects import load_projects
    from catalog.demo.requests import load_requests

    counts = load_catalogue(ctx, data, progress)
    create_demo_users(ctx, region.AGENCIES[0]["code"], region.DATA_MARTS[0]["code"])
    counts["паспорта процессов"] = load_passports(ctx)
    counts["проекты оптимизации"] = len(load_projects(ctx))
    counts["заявки на системы"] = load_requests(ctx)
    counts["записи о сертификации"] = load_certifications(ctx)
    from catalog.demo.described import load_described

    counts.update(load_described(ctx))  # issue 20: the АСП's database harvested, SMEV data types, attribute links
    from catalog.demo.inbox import load_inbox

    load_inbox(ctx, region.DATA_MARTS[0]["code"])  # issue 16: something in every acting user's inbox
    from catalog.demo.duties import load_duties

    counts["опубликованные реестры"] = load_duties(ctx)
    from catalog.demo.municipal import load_municipal

    counts["муниципальные услуги"] = load_municipal(ctx)
    # Printed documents name the demo's region when CATALOG_REGION_NAME is not set (documents.region_name).
    ctx.session.merge(models.Setting(key=REGION_KEY, value=region.REGION_NAME))
    ctx.session.commit()
    from catalog.demo.quality import load_measurements

    counts["измерения качества витрин"] = load_measurements(ctx, region.DATA_MARTS[0]["code"])  # issue 20
    return counts

