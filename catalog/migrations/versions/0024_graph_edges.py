"""graph edges: one table of the live graph's edges, kept by triggers, for lineage in one recursive query

``graph_edges`` holds one row per live edge whose both ends are live (a link, or a relation key
such as a process's agency), oriented along the flow. Triggers on ``links`` and on every record
table keep it in the statement that changes a link, a relation key or a record's liveness, so it
is never behind the store, whatever writes (services, bulk loads, plain SQL). The upgrade fills it
from the store as it is. New tables and triggers only: no table is rebuilt, so 0021's substring
triggers stay (issue 19).

Revision ID: 0024
Revises: 0023
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0024"
down_revision: Union[str, Sequence[str], None] = "0023"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen copies as of this migration: the record kinds and their tables (catalog.kinds), the link
# types whose flow runs from the link's target to its source (catalog.graph.model.LINK_FLOW False),
# and the relation keys that are edges (model.FK_EDGES: kind, column → type, target kind, forward).
TABLES = {
    "agencies": "agencies", "people": "people", "processes": "processes",
    "process-consumers": "process_consumers", "services": "services", "life-situations": "life_situations",
    "acts": "regulatory_acts", "process-groups": "process_groups", "typical-processes": "typical_processes",
    "service-spheres": "service_spheres", "typical-services": "typical_services", "datasets": "datasets",
    "entities": "entities", "attributes": "attributes", "document-types": "document_types",
    "systems": "information_systems", "marts": "data_marts",
}
BACKWARD = ("REGULATED_BY", "CONSUMES", "AUTOMATED_BY", "LINKED_TO", "STORED_IN", "USES_DOCUMENT", "DERIVED_FROM")
FK_EDGES = {
    ("processes", "agency_id"): ("OWNED_BY", "agencies", True),
    ("processes", "service_id"): ("PART_OF", "services", True),
    ("processes", "typical_process_id"): ("TYPICAL_OF", "typical-processes", True),
    ("processes", "group_id"): ("IN_GROUP", "process-groups", True),
    ("services", "agency_id"): ("PROVIDED_BY", "agencies", True),
    ("typical-processes", "group_id"): ("IN_GROUP", "process-groups", True),
    ("datasets", "owner_agency_id"): ("OWNED_BY", "agencies", False),
    ("entities", "dataset_id"): ("CONTAINS", "datasets", False),
    ("attributes", "entity_id"): ("HAS", "entities", False),
    ("systems", "operator_agency_id"): ("OPERATED_BY", "agencies", False),
    ("marts", "owner_agency_id"): ("OWNED_BY", "agencies", False),
    ("marts", "host_system_id"): ("HOSTED_BY", "systems", False),
    ("agencies", "parent_id"): ("SUBORDINATE_TO", "agencies", True),
}
LINK_COLUMNS = ("deleted_at", "link_type", "source_kind", "source_id", "target_kind", "target_id", "transport",
                "frequency")
COLUMNS = "uid, edge_type, source, target, transport, frequency"


def _live(kind_expr: str, id_expr: str) -> str:
    """Is the record named by (kind, id) live? One indexed probe of that kind's table."""
    branches = " ".join(f"WHEN '{kind}' THEN EXISTS (SELECT 1 FROM {table} x WHERE x.id = {id_expr} "
                        f"AND x.deleted_at IS NULL)" for kind, table in TABLES.items())
    return f"(CASE {kind_expr} {branches} ELSE FALSE END)"


def _run(sql: str) -> None:
    # Edge uids hold ":column": passed to the driver as it is, not parsed for bound parameters.
    op.get_bind().exec_driver_sql(sql)


def _insert(dialect: str, select: str) -> str:
    # An edge may be found twice in one change (a self-link, an agency its own parent): keep one.
    if dialect == "sqlite":
        return f"INSERT OR IGNORE INTO graph_edges ({COLUMNS}) {select}"
    return f"INSERT INTO graph_edges ({COLUMNS}) {select} ON CONFLICT DO NOTHING"


def _link_select(r: str) -> str:
    """The flow-oriented edge of link row ``r`` (an alias or new/old)."""
    backward = ", ".join(f"'{t}'" for t in BACKWARD)
    here, there = f"{r}.source_kind || ':' || {r}.source_id", f"{r}.target_kind || ':' || {r}.target_id"
    return (f"SELECT 'link:' || {r}.id, {r}.link_type, "
            f"CASE WHEN {r}.link_type IN ({backward}) THEN {there} ELSE {here} END, "
            f"CASE WHEN {r}.link_type IN ({backward}) THEN {here} ELSE {there} END, {r}.transport, {r}.frequency")


def _live_link(r: str) -> str:
    return (f"{r}.deleted_at IS NULL AND {_live(f'{r}.source_kind', f'{r}.source_id')} "
            f"AND {_live(f'{r}.target_kind', f'{r}.target_id')}")


def _fk_select(kind: str, column: str, r: str) -> str:
    edge_type, target_kind, forward = FK_EDGES[(kind, column)]
    holder, named = f"'{kind}:' || {r}.id", f"'{target_kind}:' || {r}.{column}"
    source, target = (holder, named) if forward else (named, holder)
    return f"SELECT 'fk:{kind}:' || {r}.id || ':{column}', '{edge_type}', {source}, {target}, NULL, NULL"


def _live_fk(kind: str, column: str, r: str) -> str:
    target_table = TABLES[FK_EDGES[(kind, column)][1]]
    return (f"{r}.deleted_at IS NULL AND {r}.{column} IS NOT NULL AND EXISTS (SELECT 1 FROM {target_table} t "
            f"WHERE t.id = {r}.{column} AND t.deleted_at IS NULL)")


def _own_keys(kind: str) -> list[str]:
    return [column for (k, column) in FK_EDGES if k == kind]


def _add_own(dialect: str, kind: str, r: str) -> list[str]:
    """The record's own relation keys as edges, if it and what they name are live."""
    return [_insert(dialect, f"{_fk_select(kind, column, r)} WHERE {_live_fk(kind, column, r)}")
            for column in _own_keys(kind)]


def _add_around(dialect: str, kind: str, r: str, when: str) -> list[str]:
    """The edges other rows make with the record (links at either end, keys naming it), it being live."""
    out = []
    for near, far in (("source", "target"), ("target", "source")):
        out.append(_insert(dialect, f"{_link_select('l')} FROM links l WHERE {when} AND l.{near}_kind = '{kind}' "
                                    f"AND l.{near}_id = {r}.id AND {_live_link('l')}"))
    for (other, column), (_, target_kind, _) in FK_EDGES.items():
        if target_kind == kind:
            out.append(_insert(dialect, f"{_fk_select(other, column, 'o')} FROM {TABLES[other]} o "
                                        f"WHERE {when} AND o.{column} = {r}.id AND o.deleted_at IS NULL"))
    return out


def _drop_around(kind: str, r: str, when: str = "TRUE") -> list[str]:
    node = f"'{kind}:' || {r}.id"
    return [f"DELETE FROM graph_edges WHERE source = {node} AND {when}",
            f"DELETE FROM graph_edges WHERE target = {node} AND {when}"]


def _record_bodies(dialect: str, kind: str) -> dict[str, list[str]]:
    own_uids = ", ".join(f"'fk:{kind}:' || old.id || ':{column}'" for column in _own_keys(kind))
    update = [f"DELETE FROM graph_edges WHERE uid IN ({own_uids})"] if own_uids else []
    update += _drop_around(kind, "new", "new.deleted_at IS NOT NULL")
    update += _add_own(dialect, kind, "new")
    update += _add_around(dialect, kind, "new", "old.deleted_at IS NOT NULL AND new.deleted_at IS NULL")
    return {
        "insert": _add_own(dialect, kind, "new") + _add_around(dialect, kind, "new", "new.deleted_at IS NULL"),
        "update": update,
        "delete": _drop_around(kind, "old"),
    }


def _link_bodies(dialect: str) -> dict[str, list[str]]:
    add = _insert(dialect, f"{_link_select('new')} WHERE {_live_link('new')}")
    drop = "DELETE FROM graph_edges WHERE uid = 'link:' || old.id"
    return {"insert": [add], "update": [drop, add], "delete": [drop]}


def _triggers() -> list[tuple[str, str, tuple[str, ...]]]:
    """(table, kind or None for links, columns whose update matters)."""
    out = [("links", None, LINK_COLUMNS)]
    for kind, table in TABLES.items():
        out.append((table, kind, ("deleted_at", *_own_keys(kind))))
    return out


def _sqlite_upgrade() -> None:
    for table, kind, watched in _triggers():
        bodies = _link_bodies("sqlite") if kind is None else _record_bodies("sqlite", kind)
        events = {"insert": "INSERT", "update": f"UPDATE OF {', '.join(watched)}", "delete": "DELETE"}
        for name, statements in bodies.items():
            _run(f"CREATE TRIGGER {table}_graph_{name} AFTER {events[name]} ON {table} BEGIN "
                       + "".join(f"{s}; " for s in statements) + "END")


def _postgresql_upgrade() -> None:
    for table, kind, watched in _triggers():
        bodies = _link_bodies("postgresql") if kind is None else _record_bodies("postgresql", kind)
        block = lambda name: "".join(f"{s}; " for s in bodies[name])  # noqa: E731
        _run(
            f"CREATE FUNCTION {table}_graph_edges() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {block('insert')}"
            f"ELSIF TG_OP = 'UPDATE' THEN {block('update')}"
            f"ELSE {block('delete')}END IF; RETURN NULL; END $$")
        _run(f"CREATE TRIGGER {table}_graph AFTER INSERT OR DELETE OR UPDATE OF {', '.join(watched)} "
                   f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_graph_edges()")


def fill(dialect: str) -> list[str]:
    """The statements that write every live edge of the store (the upgrade's fill)."""
    out = [_insert(dialect, f"{_link_select('l')} FROM links l WHERE {_live_link('l')}")]
    for (kind, column) in FK_EDGES:
        out.append(_insert(dialect, f"{_fk_select(kind, column, 'r')} FROM {TABLES[kind]} r "
                                    f"WHERE {_live_fk(kind, column, 'r')}"))
    return out


def upgrade() -> None:
    op.create_table(
        "graph_edges",
        sa.Column("uid", sa.String(96), primary_key=True),
        sa.Column("edge_type", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("transport", sa.String(32), nullable=True),
        sa.Column("frequency", sa.String(32), nullable=True),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()
    for statement in fill(dialect):
        _run(statement)
    # Indexed after the fill: one sort instead of a million inserts into two indexes.
    for name, first, second in (("source", "source", "target"), ("target", "target", "source")):
        op.create_index(f"ix_graph_edges_{name}", "graph_edges", [first, "edge_type", second, "uid", "transport", "frequency"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, kind, _ in _triggers():
        if dialect == "sqlite":
            for name in ("insert", "update", "delete"):
                _run(f"DROP TRIGGER IF EXISTS {table}_graph_{name}")
        elif dialect == "postgresql":
            _run(f"DROP TRIGGER IF EXISTS {table}_graph ON {table}")
            _run(f"DROP FUNCTION IF EXISTS {table}_graph_edges()")
    op.drop_index("ix_graph_edges_target", "graph_edges")
    op.drop_index("ix_graph_edges_source", "graph_edges")
    op.drop_table("graph_edges")
