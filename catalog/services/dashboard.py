"""Dashboards for an agency or the region: statuses, digital and optimised shares, cost and effect.

A process counts as *optimised* when it has an approved TO-BE passport or has passed
reengineering (the statuses from «прошел реинжиниринг» on). Cost and effect add up the
calculator's figures of the processes that have passports.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog import models
from catalog.enums import PassportState, ProcessStatus
from catalog.services import costs, permissions, records
from catalog.services.context import Context

OPTIMISED_STATUSES = {ProcessStatus.REENGINEERED.value, ProcessStatus.SENT_CERTIFICATION.value,
                      ProcessStatus.CERTIFIED.value}


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


@dataclass
class RuleFigures:
    """What stands outside issue 17's rules, each counted as its report lists it (the dashboard links there)."""
    systems_outside_gate: int = 0  # «без заключения» (gate.outside_rule)
    links_outside_gate: int = 0  # automation links «без заключения» or of a process not optimised
    unconfirmed_statuses: int = 0  # evidence.status_problems, «не подтверждён»
    stale_marts: int = 0  # consistency.mart_quality: the check older than the term


def dashboard(ctx: Context, agency_id: int | None = None) -> Dashboard:
    permissions.require_read(ctx)
    title = "Регион"
    query = select(models.Process.id, models.Process.agency_id, models.Process.status, models.Process.is_digital,
                   models.Service.is_mszu) \
        .join(models.Service, models.Service.id == models.Process.service_id) \
        .where(models.Process.deleted_at.is_(None))
    if agency_id is not None:
        agency = records.get_record(ctx, "agencies", agency_id)
        title = agency.name
        query = query.where(models.Process.agency_id == agency_id)
    rows = ctx.session.execute(query).all()
    approved_to_be = set(ctx.session.scalars(select(models.Passport.process_id).where(
        models.Passport.variant == "to_be", models.Passport.state == PassportState.APPROVED.value,
        models.Passport.deleted_at.is_(None))))
    with_passports = set(ctx.session.scalars(select(models.Passport.process_id).where(
        models.Passport.deleted_at.is_(None)).distinct()))
    names = dict(ctx.session.execute(select(models.Agency.id, models.Agency.name)).all())
    by_agency: dict[int, AgencyFigures] = {}
    total = AgencyFigures(agency_id or 0, title)
    statuses = Counter()
    costed = 0
    for process_id, process_agency, status, is_digital, is_mszu in rows:
        figures = by_agency.setdefault(process_agency, AgencyFigures(process_agency, names.get(process_agency, "—")))
        statuses[status] += 1
        optimised = status in OPTIMISED_STATUSES or process_id in approved_to_be
        for target in (figures, total):
            target.processes += 1
            target.digital += bool(is_digital)
            target.optimised += optimised
            target.mszu += bool(is_mszu)
            target.mszu_optimised += bool(is_mszu) and optimised
        if process_id in with_passports:
            result = costs.process_costs(ctx, process_id)
            costed += 1
            for target in (figures, total):
                target.cost_as_is += result.costs["as_is"].per_year if "as_is" in result.costs else 0.0
                target.cost_to_be += result.costs["to_be"].per_year if "to_be" in result.costs else 0.0
                if result.effect:
                    target.effect += result.effect.money_per_year
                    target.fte += result.effect.fte
    board = Dashboard(title, [(s.value, s.label, statuses[s.value]) for s in ProcessStatus], total,
                      sorted(by_agency.values(), key=lambda a: (-a.processes, a.agency)), costed)
    _projects(ctx, board, {process_id for process_id, *_ in rows})
    board.rules = rule_figures(ctx, agency_id)
    return board


def rule_figures(ctx: Context, agency_id: int | None = None) -> RuleFigures:
    """Systems and automation links outside the gate, unconfirmed statuses, stale marts: of one agency (the
    operating agency of a system, the owner of a process or mart) or of the region."""
    from catalog.enums import MartQuality
    from catalog.services import consistency, evidence, gate

    figures = RuleFigures()
    for item in gate.outside_rule(ctx):
        if agency_id is None or item["agency_id"] == agency_id:
            if item["what"] == "systems":
                figures.systems_outside_gate += 1
            else:
                figures.links_outside_gate += 1
    figures.unconfirmed_statuses = sum(row["problem"] == "unconfirmed" for row in evidence.status_problems(ctx, agency_id))
    marts = select(models.DataMart).where(models.DataMart.deleted_at.is_(None))
    if agency_id is not None:
        marts = marts.where(models.DataMart.owner_agency_id == agency_id)
    figures.stale_marts = sum(consistency.mart_quality(ctx.settings, mart) == MartQuality.STALE.value
                              for mart in ctx.session.scalars(marts))
    return figures


def _projects(ctx: Context, board: Dashboard, process_ids: set[int]) -> None:
    """Optimisation projects of these processes: by stage, overdue measures, open KPI deviations."""
    from catalog.enums import ProjectStage
    from catalog.services import projects

    stages = Counter()
    for project in ctx.session.scalars(select(models.OptimizationProject).where(
            models.OptimizationProject.deleted_at.is_(None))):
        if project.process_id not in process_ids:
            continue
        stages[projects.current_stage(project)] += 1
        board.overdue_measures += [(project, m) for m in projects.overdue_measures(project)]
        board.deviations += [(project, r) for r in projects.open_requests(project)]
    board.project_stages = [(s.value, s.label, stages[s.value]) for s in ProjectStage]


def agency_choices(ctx: Context) -> list[tuple[int, str]]:
    """The agencies the dashboard's filter offers: every agency that owns a process, whatever its kind,
    so each row of the region's table can also be chosen in the filter."""
    permissions.require_read(ctx)
    owning = select(models.Process.agency_id).where(models.Process.deleted_at.is_(None)).distinct()
    return [tuple(row) for row in ctx.session.execute(
        select(models.Agency.id, models.Agency.name).where(models.Agency.id.in_(owning)).order_by(models.Agency.name))]
