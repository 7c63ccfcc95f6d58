"""System requests on the demo region: one that passes and is approved, one blocked by each
blocking check, and one duplicating a system in operation — each showing why."""
from __future__ import annotations

from sqlalchemy import select

from catalog import models
from catalog.services import requests
from catalog.services.context import Context


def _datasets(ctx: Context, process: models.Process, agency_name: str) -> list[dict]:
    rows = []
    for link in ctx.session.scalars(select(models.Link).where(
            models.Link.source_kind == "processes", models.Link.source_id == process.id,
            models.Link.target_kind == "datasets", models.Link.link_type.in_(["CONSUMES", "PRODUCES"]),
            models.Link.deleted_at.is_(None))):
        dataset = ctx.session.get(models.Dataset, link.target_id)
        owner = dataset.owner_agency.name if dataset.owner_agency else "обладатель не указан"
        mart = ctx.session.scalars(select(models.Link.source_id).where(
            models.Link.link_type == "EXPOSES", models.Link.target_kind == "datasets",
            models.Link.target_id == dataset.id, models.Link.deleted_at.is_(None))).first()
        consumes = link.link_type == "CONSUMES"
        rows.append({"dataset_id": dataset.id, "direction": "consumes" if consumes else "produces",
                     "supplier": owner if consumes else agency_name, "consumer": agency_name if consumes else "заявители",
                     "mart_id": mart if consumes else None})
    return rows


def load_requests(ctx: Context) -> int:
    """Requests in every state worth showing; filed on behalf of the agencies by the loader."""
    described = {p.process_id for p in ctx.session.scalars(select(models.Passport).where(
        models.Passport.variant == "as_is", models.Passport.state == "approved"))}
    optimised = {p.process_id for p in ctx.session.scalars(select(models.Passport).where(
        models.Passport.variant == "to_be", models.Passport.state == "approved"))}
    processes = {p.id: p for p in ctx.session.scalars(select(models.Process).order_by(models.Process.id))}
    # 8.4: the conclusion is signed by the head of the process office.
    office = ctx.session.scalar(select(models.User).where(models.User.login == "office-head"))
    architect = ctx.session.scalar(select(models.User).where(models.User.login == "architect"))

    def request(process, name, **changes) -> models.SystemRequest:
        agency = process.agency
        data = {"agency_id": agency.id, "kind": "create", "new_system_name": name,
                "purpose": f"Автоматизация процесса «{process.name}»", "estimated_cost": 3_500_000,
                "expected_value": "Заявитель получает результат без визита и без бумажных справок",
                "processes": [process.id], "datasets": _datasets(ctx, process, agency.name)}
        data.update(changes)
        created = requests.create_request(ctx, data)
        return requests.submit(ctx, created.id)

    made = []
    ready = [processes[i] for i in sorted(optimised & described)]
    # Passes: explains its overlap with systems in operation; concluded and approved.
    passing = request(ready[0], "Региональная платформа проактивных выплат",
                      overlap_explanation="Действующие системы не назначают выплаты проактивно, без заявления.")
    # The overlap blocks until the office accepts the explanation in its own words (issue 17).
    if office and architect and all(c["code"] == "duplicates" for c in requests.failing_blocking(passing)):
        requests.conclude(Context(session=ctx.session, user=office, settings=ctx.settings), passing.id, {
            "version": passing.version, "conclusion": "positive", "reasons": "Процесс описан и оптимизирован, данные берутся из витрин.",
            "overlap_answer": "Пересекающиеся функции действующих систем будут выведены после запуска платформы.",
            "overlap_accepted": True})
        requests.decide(Context(session=ctx.session, user=architect, settings=ctx.settings), passing.id,
                    {"version": passing.version, "decision": "approved", "reasons": "Заключение положительное, обязательные проверки пройдены."})
    made.append(passing)
    # Waits for a conclusion: passes too.
    made.append(request(ready[1], "Модуль электронного согласования решений",
                        overlap_explanation="Нужна электронная подпись решений, которой нет в действующих системах."))
    # Blocked by each blocking check.
    undescribed = next(p for p in processes.values() if p.id not in described and p.status == "queued_research")
    made.append(request(undescribed, "Система учёта заявлений (процесс не описан)"))
    unoptimised = next(processes[i] for i in sorted(described - optimised))
    made.append(request(unoptimised, "Автоматизация текущего процесса без оптимизации",
                        overlap_explanation="Срочная автоматизация."))
    incomplete = request(ready[2], "Система без описанных данных", overlap_explanation="Новая функция.",
                         datasets=[])
    made.append(incomplete)
    made.append(request(ready[3], "Система без оценки стоимости", estimated_cost=None, expected_value=None,
                        overlap_explanation="Новая функция."))
    # Duplicates a system in operation and does not say why.
    made.append(request(ready[4], "Ещё одна система назначения мер поддержки"))
    return len(made)
