"""Passports and costs on the demo region: AS-IS and TO-BE variants of a dozen processes.

The variants follow what the regulations describe: an AS-IS with paper copies, manual checks
and waiting for inter-agency answers; a TO-BE where the application comes from ЕПГУ, checks go
through СМЭВ and the decision is prepared by the system. Written through the services, so
their history and checks apply.
"""
from __future__ import annotations

import random

from sqlalchemy import select

from catalog import models
from catalog.services import costs, passports
from catalog.services.context import Context
from catalog.demo.described import snils_attribute

POSITIONS = [
    {"name": "ведущий специалист", "monthly_pay": 48000, "payroll_coefficient": 1.302, "annual_hours": 1973},
    {"name": "главный специалист", "monthly_pay": 56000, "payroll_coefficient": 1.302, "annual_hours": 1973},
    {"name": "начальник отдела", "monthly_pay": 85000, "payroll_coefficient": 1.302, "annual_hours": 1973},
    {"name": "специалист МФЦ", "monthly_pay": 42000, "payroll_coefficient": 1.302, "annual_hours": 1973},
]

# (step, position, minutes, waiting minutes, automated, consumes, produces)
AS_IS = [
    ("Приём заявления и документов на бумаге", "специалист МФЦ", 20, 0, False, ["app"], ["case"]),
    ("Снятие и архивирование копий документов", "специалист МФЦ", 7, 0, False, ["copy"], []),
    ("Передача дела из МФЦ в орган", "специалист МФЦ", 10, 2880, False, ["case"], ["case"]),
    ("Ручная проверка документов", "ведущий специалист", 35, 0, False, ["case", "data", "snils"], ["check"]),
    ("Межведомственный запрос и ожидание ответа", "ведущий специалист", 15, 4320, False, ["case"], ["data"]),
    ("Подготовка проекта решения", "главный специалист", 40, 0, False, ["check"], ["draft"]),
    ("Согласование и подпись решения", "начальник отдела", 10, 1440, False, ["draft"], ["result"]),
    ("Выдача результата заявителю", "специалист МФЦ", 15, 0, False, ["result"], []),
]
TO_BE = [
    ("Приём заявления с ЕПГУ", None, 0, 0, True, ["app"], ["case"]),
    ("Автоматическая проверка сведений через СМЭВ", None, 0, 10, True, ["case", "data", "snils"], ["check"]),
    ("Проверка проекта решения, подготовленного системой", "главный специалист", 10, 0, False, ["check"], ["draft"]),
    ("Подпись решения электронной подписью", "начальник отдела", 3, 60, False, ["draft"], ["result"]),
    ("Направление результата в личный кабинет", None, 0, 0, True, ["result"], []),
]
DEMO_PROCESSES = 12


def _data(ctx: Context, process: models.Process, with_copy: bool) -> list[dict]:
    consumed = ctx.session.scalars(select(models.Link).where(
        models.Link.link_type == "CONSUMES", models.Link.source_kind == "processes",
        models.Link.source_id == process.id, models.Link.target_kind == "datasets",
        models.Link.deleted_at.is_(None)).limit(1)).first()
    produced = ctx.session.scalars(select(models.Link).where(
        models.Link.link_type == "PRODUCES", models.Link.source_id == process.id,
        models.Link.target_kind == "datasets", models.Link.deleted_at.is_(None)).limit(1)).first()
    data = [{"key": "app", "name": "Заявление", "role": "input"}]
    snils = snils_attribute(ctx)
    if snils is not None:  # issue 20: a step reads one attribute, not only a whole dataset
        data.append({"key": "snils", "name": "СНИЛС заявителя", "role": "input", "ref_kind": "attributes",
                     "ref_id": snils.id})
    if with_copy:
        data.append({"key": "copy", "name": "Копия документа, удостоверяющего личность", "role": "input"})
    data += [
        {"key": "data", "name": "Сведения из других ведомств", "role": "input",
         **({"ref_kind": "datasets", "ref_id": consumed.target_id} if consumed else {})},
        {"key": "case", "name": "Дело заявителя", "role": "intermediate"},
        {"key": "check", "name": "Результат проверки", "role": "intermediate"},
        {"key": "draft", "name": "Проект решения", "role": "intermediate"},
        {"key": "result", "name": "Решение по заявлению", "role": "result",
         **({"ref_kind": "datasets", "ref_id": produced.target_id} if produced else {})},
    ]
    return data


def _steps(template, positions: dict[str, int], times: int, system_id: int | None, keys: set[str]) -> list[dict]:
    return [{"name": name, "position_id": positions.get(position) if position else None,
             "performer_position": position, "duration_minutes": minutes, "waiting_minutes": waiting,
             "times_per_year": times, "is_automated": automated, "consumes": [k for k in consumes if k in keys],
             "produces": produces,
             "system_id": system_id if automated else None}
            for name, position, minutes, waiting, automated, consumes, produces in template]


def _approver(ctx: Context, process: models.Process) -> Context:
    """The account of the official the agency designated to approve passports; the loader itself for
    agencies without one (generated regions)."""
    from catalog.services import people

    person = people.designated(ctx, process.agency_id)
    user = ctx.session.scalar(select(models.User).where(models.User.person_id == person.id)) if person else None
    if user is None:
        return ctx
    return Context(session=ctx.session, user=user, settings=ctx.settings, autocommit=ctx.autocommit,
                   search=ctx.search, graph=ctx.graph)


def load_passports(ctx: Context) -> int:
    """Positions, and both variants of a dozen processes under reengineering or past it."""
    rng = random.Random(7)
    positions = {p["name"]: costs.save_position(ctx, p).id for p in POSITIONS}
    chosen = list(ctx.session.scalars(select(models.Process).where(
        models.Process.status.in_(["reengineering", "reengineered", "sent_certification", "certified"]),
        models.Process.deleted_at.is_(None)).order_by(models.Process.id).limit(DEMO_PROCESSES)))
    for number, process in enumerate(chosen):
        times = rng.choice([400, 800, 1500, 2500, 4000, 6000])
        automated_by = ctx.session.scalars(select(models.Link.target_id).where(
            models.Link.link_type == "AUTOMATED_BY", models.Link.source_id == process.id,
            models.Link.deleted_at.is_(None)).limit(1)).first()
        as_is = passports.create_passport(ctx, process.id, "as_is")
        passports.save_passport(ctx, as_is.id, {
            "version": as_is.version, "description": "Текущее состояние: бумажное заявление, ручные проверки.",
            "instances_per_year": times, "data": (data := _data(ctx, process, with_copy=True)),
            "steps": _steps(AS_IS, positions, times, None, {d["key"] for d in data}),
            "resources": [{"kind": "materials", "name": "Бумага, печать, конверты", "unit_cost": 14, "quantity": 3,
                           "per": "instance"},
                          {"kind": "other", "name": "Курьерская доставка дел из МФЦ", "unit_cost": 90, "quantity": 1,
                           "per": "instance"}]})
        passports.approve(_approver(ctx, process), as_is.id, as_is.version)
        to_be = passports.create_passport(ctx, process.id, "to_be")
        passports.save_passport(ctx, to_be.id, {
            "version": to_be.version, "description": "Целевое состояние: заявление с ЕПГУ, сведения через СМЭВ.",
            "instances_per_year": times, "data": (data := _data(ctx, process, with_copy=False)),
            "steps": _steps(TO_BE, positions, times, automated_by, {d["key"] for d in data}),
            "resources": [{"kind": "systems", "name": "Сопровождение региональной системы (доля процесса)",
                           "unit_cost": rng.choice([60000, 90000, 150000]), "quantity": 1, "per": "year"}]})
        met = ["registry", "multichannel", "exterritorial"] + (["no_human_interagency"] if number % 2 else [])
        passports.set_criteria(ctx, to_be.id, {"criteria": {
            c: {"met": True, "evidence": "по паспорту TO-BE"} for c in met}})
        if number < 8:  # the rest are still being designed
            passports.approve(_approver(ctx, process), to_be.id, to_be.version)
    return len(chosen)
