"""production calendar; optimisation projects: application, order, analysis, roadmap, KPIs, deviations

Revision ID: 0008
Revises: 0007
"""
from datetime import date, timedelta
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _days(first: str, last: str | None = None) -> list[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last or first)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# The official production calendars: days that differ from the Monday to Friday rule.
# Sources: Labour Code art. 112 (the holidays; a holiday on a weekend moves the day off to the next
# working day), and the Government decrees moving days off:
#   2025 — постановление Правительства РФ «О переносе выходных дней в 2025 году» (№ 1335 of 04.10.2024):
#          Jan 4 → May 2, Jan 5 → Dec 31, Feb 23 (Sun) → May 8, Mar 8 (Sat) → Jun 13, Nov 1 (Sat, worked) → Nov 3.
#   2026 — постановление Правительства РФ «О переносе выходных дней в 2026 году» (autumn 2025):
#          Jan 3 → Jan 9, Jan 4 → Dec 31; Mar 8 (Sun) → Mar 9 and May 9 (Sat) → May 11 by art. 112.
# Check: both years then have 247 working days, the published figure for a 40-hour week
# (tests/test_calendar.py counts them). Written from the published calendars, not downloaded: verify
# against the decree text before relying on them, and correct with «catalog calendar set».
# Pre-holiday shortened days are not kept: they change hours, not working days.
HOLIDAY = "holiday"
WORKDAY = "workday"
OFFICIAL = (
    [(d, HOLIDAY, "Новогодние каникулы и Рождество") for d in _days("2025-01-01", "2025-01-08")]
    + [(d, HOLIDAY, "Праздник Весны и Труда; перенос с 4 января") for d in _days("2025-05-01", "2025-05-02")]
    + [(d, HOLIDAY, "День Победы; перенос с 23 февраля") for d in _days("2025-05-08", "2025-05-09")]
    + [(d, HOLIDAY, "День России; перенос с 8 марта") for d in _days("2025-06-12", "2025-06-13")]
    + [(date(2025, 11, 1), WORKDAY, "Рабочая суббота: выходной перенесён на 3 ноября")]
    + [(d, HOLIDAY, "День народного единства; перенос с 1 ноября") for d in _days("2025-11-03", "2025-11-04")]
    + [(date(2025, 12, 31), HOLIDAY, "Перенос с 5 января")]
    + [(d, HOLIDAY, "Новогодние каникулы и Рождество; 9 января — перенос с 3 января")
       for d in _days("2026-01-01", "2026-01-09")]
    + [(date(2026, 2, 23), HOLIDAY, "День защитника Отечества")]
    + [(date(2026, 3, 9), HOLIDAY, "Международный женский день (8 марта — воскресенье)")]
    + [(date(2026, 5, 1), HOLIDAY, "Праздник Весны и Труда")]
    + [(date(2026, 5, 11), HOLIDAY, "День Победы (9 мая — суббота)")]
    + [(date(2026, 6, 12), HOLIDAY, "День России")]
    + [(date(2026, 11, 4), HOLIDAY, "День народного единства")]
    + [(date(2026, 12, 31), HOLIDAY, "Перенос с 4 января")]
)


def upgrade() -> None:
    calendar = op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("day"),
    )
    op.bulk_insert(calendar, [{"day": d, "kind": k, "note": n} for d, k, n in OFFICIAL])
    op.create_table(
        "optimization_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=False),
        sa.Column("ground_details", sa.Text(), nullable=True),
        sa.Column("initiated_on", sa.Date(), nullable=False),
        sa.Column("with_office", sa.Boolean(), nullable=False),
        sa.Column("application_submitted_on", sa.Date(), nullable=True),
        sa.Column("application_due_on", sa.Date(), nullable=True),
        sa.Column("application_decision", sa.String(length=16), nullable=True),
        sa.Column("application_answered_on", sa.Date(), nullable=True),
        sa.Column("application_answered_by", sa.String(length=200), nullable=True),
        sa.Column("office_members", sa.JSON(), nullable=False),
        sa.Column("suggested_start", sa.Date(), nullable=True),
        sa.Column("suggested_end", sa.Date(), nullable=True),
        sa.Column("training", sa.Text(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("order_number", sa.String(length=100), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("losses", sa.JSON(), nullable=False),
        sa.Column("root_causes", sa.JSON(), nullable=False),
        sa.Column("best_practices", sa.Text(), nullable=True),
        sa.Column("roadmap_authors", sa.JSON(), nullable=False),
        sa.Column("agreed_by", sa.String(length=200), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["process_id"], ["processes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_optimization_projects_process_id", "optimization_projects", ["process_id"])
    op.create_table(
        "roadmap_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actual_start", sa.Date(), nullable=True),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["optimization_projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_roadmap_measures_project_id", "roadmap_measures", ["project_id"])
    op.create_table(
        "project_kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("responsible_position", sa.String(length=300), nullable=False),
        sa.Column("responsible_level", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["optimization_projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_project_kpis_project_id", "project_kpis", ["project_id"])
    op.create_table(
        "kpi_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("deviates", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["project_kpis.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kpi_measurements_kpi_id", "kpi_measurements", ["kpi_id"])
    op.create_table(
        "deviation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("corrective_measures", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("assessed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["optimization_projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["kpi_id"], ["project_kpis.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["measurement_id"], ["kpi_measurements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deviation_requests_project_id", "deviation_requests", ["project_id"])
    op.create_index("ix_deviation_requests_kpi_id", "deviation_requests", ["kpi_id"])


def downgrade() -> None:
    op.drop_table("deviation_requests")
    op.drop_table("kpi_measurements")
    op.drop_table("project_kpis")
    op.drop_table("roadmap_measures")
    op.drop_table("optimization_projects")
    op.drop_table("calendar_days")
