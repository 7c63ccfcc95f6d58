"""Dashboards for an agency or the region: statuses, digital and optimised shares, cost and effect.

A process counts as *optimised* when it has an approved TO-BE passport or has passed
reengineering (the statuses from «прошел реинжиниринг» on). Cost and effect add up the
calculator's figures of the processes that have passports.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from catalog import models
from catalog.enums import ProcessStatus
from catalog.services import kept, permissions, records
from catalog.services.context import Context

OPTIMISED_STATUSES = set(kept.OPTIMISED_STATUSES)


@dataclass
class AgencyFigures:
    agency_id: int
    agency: str
    processes: int = 0
    digital: int = 0
    optimised: int = 0
    cost_as_is: float = 0.0
    cost_to_be: float = 0.0
    effect: float = 0.0
    fte: float = 0.0
    # Processes of priority services (МСЗУ): Leningrad 8.2 puts them first in line for optimisation.
    mszu: int = 0
    mszu_optimised: int = 0

    @property
    def mszu_not_optimised(self) -> int:
        return self.mszu - self.mszu_optimised

    @property
    def digital_share(self) -> float:
        return self.digital / self.processes if self.processes else 0.0

    @property
    def optimised_share(self) -> float:
        return self.optimised / self.processes if self.processes else 0.0


@dataclass
class Dashboard:
    title: str
    statuses: list[tuple[str, str, int]]  # value, label, count
    total: AgencyFigures
    agencies: list[AgencyFigures] = field(default_factory=list)
    costed: int = 0  # processes with passports in the figures
    project_stages: list[tuple[str, str, int]] = field(default_factory=list)
    overdue_measures: list[tuple[models.OptimizationProject, models.RoadmapMeasure]] = field(default_factory=list)
    deviations: list[tuple[models.OptimizationProject, models.DeviationRequest]] = field(default_factory=list)
    rules: RuleFigures | None = None  # issue 17: what stands outside the catalogue's rules
    # The region's table: ``agencies`` are the top ones; ``others`` sums the rest, ``rest`` is a page of them.
    agency_count: int = 0
    others: AgencyFigures | None = None
    others_count: int = 0
    rest: list[AgencyFigures] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    mszu_agencies: list[AgencyFigures] = field(default_factory=list)
    mszu_agency_count: int = 0
    # When the figures outside the rules and the projects' part were counted (naive UTC), and whether the store
    # changed since: then the outbox consumer is recounting them and the page says so (``recount_note``).
    counted_at: object = None
    recount_pending: bool = False


@dataclass
class RuleFigures:
    """What stands outside issue 17's rules, each counted as its report lists it (the dashboard links there)."""
    systems_outside_gate: int = 0  # «без заключения» (gate.outside_rule)
    links_outside_gate: int = 0  # automation links «без заключения» or of a process not optimised
    unconfirmed_statuses: int = 0  # evidence.status_problems, «не подтверждён»
    stale_marts: int = 0  # consistency.mart_quality: the check older than the term


TOP_AGENCIES = 20  # the region's table shows these; the rest are summed in one row and paged below
AGENCIES_PER_PAGE = 30


def dashboard(ctx: Context, agency_id: int | None = None, page: int = 1) -> Dashboard:
    """The figures of the region or one agency, read from the kept figures (``catalog.services.kept``): the
    region's table has the ``TOP_AGENCIES`` agencies with most processes, «остальные» summed, and
    page ``page`` of the rest."""
    permissions.require_read(ctx)
    session = ctx.session
    kept.ensure_built(session)
    F, T = models.KeptAgencyFigures, models.KeptAgencyStatus
    title = "Регион"
    figures_of_rows = select(*_sums(F))
    statuses_query = select(T.status, func.sum(T.count)).group_by(T.status)
    if agency_id is not None:
        agency = records.get_record(ctx, "agencies", agency_id)
        title = agency.name
        figures_of_rows = figures_of_rows.where(F.agency_id == agency_id)
        statuses_query = statuses_query.where(T.agency_id == agency_id)
    total = _figures(agency_id or 0, title, session.execute(figures_of_rows).one())
    statuses = (kept.status_totals(session) if agency_id is None
                else {status: int(count or 0) for status, count in session.execute(statuses_query)})
    costed = select(func.coalesce(func.sum(F.costed), 0))
    if agency_id is not None:
        costed = costed.where(F.agency_id == agency_id)
    board = Dashboard(title, [(s.value, s.label, statuses.get(s.value, 0)) for s in ProcessStatus], total,
                      costed=int(session.scalar(costed)))
    if agency_id is None:
        _agency_table(session, board, max(1, page))
    elif total.processes:
        board.agencies = [total]
        board.agency_count = 1
        board.mszu_agencies = [total] if total.mszu else []
        board.mszu_agency_count = len(board.mszu_agencies)
    kept_row = kept.board_figures(ctx, agency_id, board_figures)
    board.rules, board.counted_at, board.recount_pending = kept_row.rules, kept_row.counted_at, kept_row.pending
    _projects(board, kept_row.projects)
    return board


# The plain lists of a decoded projects' part (``kept.board_figures`` hands the same dict until a recount).
_PLAIN: dict = {}


def recount_note(board: Dashboard, tz: str | None = None) -> str | None:
    """«Показатели вне правил … посчитаны в 20:05 01.12.2026, пересчитываются» while the kept figures are older
    than the store; None when they are current."""
    from catalog import formatting

    if not board.recount_pending or board.counted_at is None:
        return None
    local = formatting.to_local(board.counted_at, tz)
    return (f"Показатели вне правил и по проектам оптимизации посчитаны в {local:%H:%M} {local:%d.%m.%Y}, "
            "пересчитываются: последние изменения каталога в них ещё не видны.")


def board_figures(ctx: Context, agency_id: int | None = None) -> kept.BoardFigures:
    """What ``kept.board_figures`` keeps of a board: the figures outside the rules and the projects' part."""
    return kept.BoardFigures(rule_figures(ctx, agency_id), projects_part(ctx, agency_id))


def _sums(F):
    return [func.coalesce(func.sum(getattr(F, name)), 0) for name in FIGURES]


FIGURES = ("processes", "digital", "optimised", "mszu", "mszu_optimised", "cost_as_is", "cost_to_be", "effect", "fte")


def _figures(agency_id: int, name: str, row) -> AgencyFigures:
    return AgencyFigures(agency_id, name, **{f: (float(v) if f in ("cost_as_is", "cost_to_be", "effect", "fte") else int(v))
                                           for f, v in zip(FIGURES, row)})


def _agency_table(session, board: Dashboard, page: int) -> None:
    F = models.KeptAgencyFigures
    ranked = (select(F, models.Agency.name).join(models.Agency, models.Agency.id == F.agency_id)
              .where(F.processes > 0).order_by(F.processes.desc(), models.Agency.name, F.agency_id))

    def rows(query):
        return [_figures(f.agency_id, name, [getattr(f, c) for c in FIGURES]) for f, name in session.execute(query)]

    board.agencies = rows(ranked.limit(TOP_AGENCIES))
    board.agency_count = session.scalar(select(func.count()).select_from(F).where(F.processes > 0)) or 0
    others = _figures(0, "остальные", [0] * len(FIGURES))
    for name in FIGURES:
        setattr(others, name, getattr(board.total, name) - sum(getattr(a, name) for a in board.agencies))
    board.others = others
    board.others_count = max(0, board.agency_count - len(board.agencies))
    board.pages = max(1, -(-board.others_count // AGENCIES_PER_PAGE))
    board.page = min(page, board.pages)
    board.rest = rows(ranked.offset(TOP_AGENCIES + (board.page - 1) * AGENCIES_PER_PAGE).limit(AGENCIES_PER_PAGE))
    # The МСЗУ report: the agencies with most priority processes not optimised (Leningrad 8.2), the rest summed.
    lagging = (select(F, models.Agency.name).join(models.Agency, models.Agency.id == F.agency_id)
               .where(F.mszu > 0).order_by((F.mszu - F.mszu_optimised).desc(), F.mszu.desc(), models.Agency.name)
               .limit(TOP_AGENCIES))
    board.mszu_agencies = rows(lagging)
    board.mszu_agency_count = session.scalar(select(func.count()).select_from(F).where(F.mszu > 0)) or 0


def rule_figures(ctx: Context, agency_id: int | None = None) -> RuleFigures:
    """Systems and automation links outside the gate, unconfirmed statuses, stale marts: of one agency (the
    operating agency of a system, the owner of a process or mart) or of the region."""
    from catalog.services import evidence, gate

    figures = RuleFigures()
    outside = gate.outside_rule_counts(ctx, agency_id)
    figures.systems_outside_gate, figures.links_outside_gate = outside["systems"], outside["links"]
    figures.unconfirmed_statuses = evidence.unconfirmed_count(ctx, agency_id)
    figures.stale_marts = stale_marts(ctx, agency_id)
    return figures


def stale_marts(ctx: Context, agency_id: int | None = None, today=None) -> int:
    """Marts whose quality ``consistency.mart_quality`` calls stale, counted by the database: in operation, every
    quality field given, the check older than the term (``CATALOG_MART_QUALITY_TERM_DAYS``)."""
    from datetime import date, timedelta

    from catalog.enums import MartStage
    from catalog.services.consistency import MART_QUALITY_FIELDS

    permissions.require_read(ctx)
    M = models.DataMart
    oldest = (today or date.today()) - timedelta(days=ctx.settings.mart_quality_term_days)
    query = select(func.count()).select_from(M).where(
        M.deleted_at.is_(None), M.stage == MartStage.OPERATION.value,
        *[getattr(M, name).is_not(None) for name in MART_QUALITY_FIELDS], M.quality_checked_on < oldest)
    if agency_id is not None:
        query = query.where(M.owner_agency_id == agency_id)
    return ctx.session.scalar(query) or 0


def projects_part(ctx: Context, agency_id: int | None = None) -> dict:
    """Optimisation projects of the processes (of the agency): by stage, overdue measures, open KPI deviations,
    as plain JSON (what the kept row stores, the page and the API show)."""
    from sqlalchemy.orm import selectinload

    from catalog.enums import ProjectStage
    from catalog.services import projects

    permissions.require_read(ctx)
    stages, overdue, deviations = Counter(), [], []
    query = (select(models.OptimizationProject)
             .join(models.Process, models.Process.id == models.OptimizationProject.process_id)
             .where(models.OptimizationProject.deleted_at.is_(None), models.Process.deleted_at.is_(None))
             .options(selectinload(models.OptimizationProject.measures),
                      selectinload(models.OptimizationProject.deviation_requests),
                      selectinload(models.OptimizationProject.process))
             .order_by(models.OptimizationProject.id))
    if agency_id is not None:
        query = query.where(models.Process.agency_id == agency_id)
    for project in ctx.session.scalars(query):
        stages[projects.current_stage(project)] += 1
        overdue += [{"project_id": project.id, "process": project.process.name, "measure": m.name,
                     "planned_end": m.planned_end.isoformat()} for m in projects.overdue_measures(project)]
        deviations += [{"project_id": project.id, "process": project.process.name, "kpi": r.kpi.name}
                       for r in projects.open_requests(project)]
    return {"stages": {s.value: stages[s.value] for s in ProjectStage}, "overdue": overdue, "deviations": deviations}


def _projects(board: Dashboard, part: dict) -> None:
    """The kept projects' part as the page and the API read it (``project.id``, ``project.process.name``,
    ``measure.name``, ``measure.planned_end``, ``deviation.kpi.name``)."""
    from datetime import date
    from types import SimpleNamespace as Plain

    from catalog.enums import ProjectStage

    def project(item):
        return Plain(id=item["project_id"], process=Plain(name=item["process"]))

    plain = _PLAIN.get(id(part))
    if plain is None or plain[0] is not part:
        if len(_PLAIN) > 64:
            _PLAIN.clear()
        plain = _PLAIN[id(part)] = (part, [
            (project(i), Plain(name=i["measure"], planned_end=date.fromisoformat(i["planned_end"]))) for i in part["overdue"]],
            [(project(i), Plain(kpi=Plain(name=i["kpi"]))) for i in part["deviations"]])
    board.project_stages = [(s.value, s.label, int(part["stages"].get(s.value, 0))) for s in ProjectStage]
    board.overdue_measures, board.deviations = list(plain[1]), list(plain[2])


CHOICES = 200  # more agencies than this: the filter offers the top ones, the tables link to every agency


def agency_choices(ctx: Context, current: int | None = None) -> list[tuple[int, str]]:
    """The agencies the dashboard's filter offers: every agency that owns a process, whatever its kind, so each
    row of the region's table can also be chosen in the filter; with more than ``CHOICES`` of them, the
    ``TOP_AGENCIES`` with most processes and the one chosen (the others are a link away in the tables)."""
    permissions.require_read(ctx)
    kept.ensure_built(ctx.session)
    F = models.KeptAgencyFigures
    owning = select(F.agency_id).where(F.processes > 0)
    if (ctx.session.scalar(select(func.count()).select_from(owning.subquery())) or 0) > CHOICES:
        top = owning.order_by(F.processes.desc(), F.agency_id).limit(TOP_AGENCIES)
        owning = select(models.Agency.id).where(models.Agency.id.in_(top) | (models.Agency.id == current))
    return [tuple(row) for row in ctx.session.execute(
        select(models.Agency.id, models.Agency.name).where(models.Agency.id.in_(owning)).order_by(models.Agency.name))]
