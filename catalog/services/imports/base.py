"""What every table importer shares: one transaction, a savepoint per row, the all-or-nothing rule,
dry runs, progress, and the mapping of service errors back to the file's columns.

The rule: a file with any bad row is refused whole (nothing written) unless ``partial`` is asked
for, when the good rows are written and the bad ones reported. A dry run does all the work,
validation by the same services included, and rolls it back. A partial load run as a background
job (``commit_every``) commits whole batches of rows, so other writers are not kept waiting; every
other import is one transaction. Every write goes through
``catalog.services.records``, so rights, validation and the history apply, under the acting user.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text

from catalog.errors import CatalogError, InvalidInput
from catalog.services import history, rules
from catalog.services.context import Context
from catalog.readers.report import ImportReport, write_error_copy
from catalog.readers.tables import Layout, Limits, Row, Table, normalize, split_major, split_values


@contextmanager
def one_transaction(ctx: Context, dry_run: bool):
    """A whole-file import (BPMN, OpenLineage, RDF) in one transaction: committed when its work is done,
    rolled back for a dry run or on any error, so nothing is half-written."""
    ctx.autocommit = False
    try:
        yield
        if dry_run:
            ctx.session.rollback()
        else:
            ctx.session.commit()
    except BaseException:
        ctx.session.rollback()
        raise

Progress = Callable[[int], None]

EXPUNGE_EVERY = 2000  # rows between clearing the session's identity map (memory stays flat)
# After a batch commit on SQLite, the write lock stays free this long, longer than the longest
# sleep of SQLite's busy handler (100 ms), so a writer waiting for it gets in.
LOCK_PAUSE = 0.12


class Cancelled(Exception):
    """Raised by a progress callback to stop an import (a background job cancelled): it rolls back,
    and ``kept_rows`` says how many rows whole committed batches kept (a partial job's)."""

    kept_rows = 0


class RowFailed(Exception):
    """A row cannot be written; ``errors`` are (field, reason) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(r for _, r in errors))
        self.errors = errors


def begin_write(ctx: Context) -> None:
    """Open the write transaction now, so per-row savepoints nest inside it (SQLite's driver
    otherwise starts the transaction lazily and a released savepoint would commit on its own)."""
    if ctx.session.get_bind().dialect.name == "sqlite":
        ctx.session.execute(text("UPDATE projection_positions SET name = name WHERE 1 = 0"))


class Lookup:
    """Records of one model found by code or by name as people write it (case, spaces, «ё» ignored).

    When several records share a name, the lowest id wins (so repeated imports pick the same one);
    ``prefer`` ranks candidates first (e.g. an agency's own services).
    """

    def __init__(self, ctx: Context, model, name_attr: str = "name", code_attr: str | None = "code",
                 where=None, extra_attrs: tuple[str, ...] = ()):
        self.model = model
        self.by_name: dict[str, list[tuple]] = {}
        self.by_code: dict[str, int] = {}
        self.names: dict[int, str] = {}
        columns = [model.id, getattr(model, name_attr)]
        if code_attr:
            columns.append(getattr(model, code_attr))
        columns += [getattr(model, a) for a in extra_attrs]
        query = select(*columns).where(model.deleted_at.is_(None)).order_by(model.id)
        if where is not None:
            query = query.where(where)
        for row in ctx.session.execute(query):
            record_id, name = row[0], row[1]
            code = row[2] if code_attr else None
            extra = tuple(row[3 if code_attr else 2:])
            self.add(record_id, name, code, extra)

    def add(self, record_id: int, name: str, code: str | None = None, extra: tuple = ()) -> None:
        self.names[record_id] = name
        self.by_name.setdefault(normalize(name), []).append((record_id, *extra))
        if code:
            self.by_code.setdefault(normalize(code), record_id)

    def find(self, value: str, prefer: Callable[[tuple], bool] | None = None) -> int | None:
        key = normalize(value)
        if key in self.by_code:
            return self.by_code[key]
        candidates = self.by_name.get(key)
        if not candidates:
            return None
        if prefer:
            preferred = [c for c in candidates if prefer(c)]
            if preferred:
                return preferred[0][0]
        return candidates[0][0]

    def find_many(self, cell) -> tuple[list[int], list[str]]:
        """Ids named in a multi-value cell and the parts that name nothing.

        Parts are split on «;» and line breaks; a part that names nothing as a whole is split again
        on commas (so names holding commas still match)."""
        found, missing = [], []
        for part in split_major(cell):
            record_id = self.find(part)
            if record_id is not None:
                found.append(record_id)
                continue
            pieces = split_values(part)
            ids = [self.find(p) for p in pieces]
            if len(pieces) > 1 and all(i is not None for i in ids):
                found += ids
            else:
                missing += [p for p, i in zip(pieces, ids) if i is None] if len(pieces) > 1 else [part]
                found += [i for i in ids if i is not None] if len(pieces) > 1 else []
        return list(dict.fromkeys(found)), missing


class _NoSavepoint:
    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass


class TableImporter:
    """Subclasses give ``what``, ``layout``, ``field_columns`` and ``import_row``."""

    what = "записи"
    import_kind = ""  # the kind of import (run_import's ``kind``): saved mappings are kept per kind
    layout: Layout
    # Service field names (as InvalidInput.fields names them) → the layout field of their column.
    field_columns: dict[str, str] = {}

    def __init__(self, ctx: Context, path: Path, *, dry_run: bool = False, partial: bool = False,
                 progress: Progress | None = None, file_name: str | None = None, mapping=None):
        self.ctx = ctx
        self.mapping = mapping  # the user's ColumnMapping (page, --mapping, API); None: recognised or saved
        self.path = Path(path)
        self.dry_run = dry_run
        self.partial = partial
        self.progress = progress
        self.report = ImportReport(self.what, file_name or self.path.name, dry_run=dry_run, partial=partial)
        self.table: Table | None = None
        self.outcomes: dict[int, str] = {}
        self.pending: list[Callable[[], None]] = []
        # Records rows refer to again and again (the agency, its people and services, reference
        # lists): held here so the session's weak identity map keeps them and checks need no query.
        self.pinned: list = []
        self.on_table: Callable[[Table], None] | None = None  # called once the header is found
        # A partial load (not a dry run) may commit every ``commit_every`` rows (background jobs):
        # its rows stand on their own, so whole batches can be committed and the write lock released.
        self.commit_every: int | None = None
        self.committed_rows = 0

    # --- to override -------------------------------------------------------------

    def prepare(self) -> None:
        """Load lookups; a first pass over the rows if the importer needs one."""

    def pin(self, query) -> None:
        self.pinned += list(self.ctx.session.scalars(query))

    def import_row(self, row: Row) -> str:
        """Write one row; return created | updated | unchanged; raise RowFailed or InvalidInput."""
        raise NotImplementedError

    def after_row(self) -> None:
        """Called once a row is concluded, outside its savepoint: an importer writing rows in batches
        writes a full batch here."""

    def finish_rows(self) -> None:
        """Work that needs every row written first (links between rows)."""

    # --- the frame -----------------------------------------------------------------

    def mapping_scope(self) -> int | None:
        """Whose files a saved mapping is for (the register: its agency)."""
        return None

    def open_table(self) -> Table:
        from catalog.services.imports import mappings

        table = Table(self.path, self.layout, limits=Limits.of(self.ctx.settings), name=self.report.file_name,
                      mapping=self.mapping)
        if self.mapping is None:
            saved = mappings.find_saved(self.ctx, self.import_kind, self.mapping_scope(), table)
            if saved is not None:
                table.apply_mapping(saved)
                self.report.mapping_note = mappings.note(saved)
        return table

    def column_error(self, row_number: int | None, field_name: str | None, reason: str) -> None:
        table = self.table
        if field_name and field_name in self.layout.by_name:
            self.report.error(table.sheet_name, row_number, table.letter_of(field_name), table.header_of(field_name),
                              reason)
        else:
            self.report.error(table.sheet_name, row_number, "", "", reason)

    def service_errors(self, row_number: int, error: InvalidInput) -> None:
        if not error.fields:
            self.column_error(row_number, None, error.message)
        for name, messages in error.fields.items():
            column = self.field_columns.get(name, name)
            for message in messages:
                self.column_error(row_number, column if column in self.layout.by_name else None,
                                  message if column in self.layout.by_name else f"{name}: {message}")

    def run_row(self, row: Row, work: Callable[[], str]) -> str | None:
        """Run ``work`` for a row inside a savepoint; a failure undoes the row alone and is reported.

        Only a partial load needs the savepoint: otherwise any failure refuses the file and the
        whole transaction is rolled back at the end (and the rows go about twice as fast without it).
        """
        savepoint = self.ctx.session.begin_nested() if self.partial else _NoSavepoint()
        self.pending = []
        try:
            outcome = work()
        except RowFailed as failed:
            savepoint.rollback()
            for field_name, reason in failed.errors:
                self.column_error(row.number, field_name, reason)
            return None
        except InvalidInput as error:
            savepoint.rollback()
            self.service_errors(row.number, error)
            return None
        except CatalogError as error:  # rights: refused for this row
            savepoint.rollback()
            self.column_error(row.number, None, error.message)
            return None
        savepoint.commit()
        for remember in self.pending:
            remember()
        self.pending = []
        return outcome

    def later(self, remember: Callable[[], None]) -> None:
        """Update the importer's own caches only if the row is kept (a failed row is rolled back whole)."""
        self.pending.append(remember)

    def count(self, outcome: str | None, row: Row | None = None) -> None:
        if outcome is not None:
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            if row is not None:
                self.outcomes[row.number] = outcome

    def settle_counts(self) -> None:
        """Rows refused after they were counted (links between rows checked at the end) move to refused."""
        bad = {e.row for e in self.report.errors}
        for number in bad:
            outcome = self.outcomes.pop(number, None)
            if outcome is not None:
                setattr(self.report, outcome, getattr(self.report, outcome) - 1)
        self.report.refused = len(bad)

    def release_memory(self) -> None:
        """Flush and forget the records written so far (they stay in the transaction), keeping the user."""
        session = self.ctx.session
        session.flush()
        keep = {id(o) for o in self.pinned} | {id(self.ctx.user)}
        for obj in list(session.identity_map.values()):
            if id(obj) not in keep:
                session.expunge(obj)

    def run(self) -> ImportReport:
        rules.check_import(self.ctx)
        self.ctx.autocommit = False  # one transaction: committed at the end or not at all
        self.ctx.bulk = True
        self.table = self.open_table()
        if self.on_table:
            self.on_table(self.table)
        self.report.sheet, self.report.header_row = self.table.sheet_name, self.table.header_row
        self.report.columns, self.report.missing_fields = self.table.mapping(), self.table.missing_fields()
        self.report.field_choices = [(f.name, f.label) for f in self.layout.fields]
        self.report.fixed_values = dict(self.table.fixed)
        if self.report.mapping_note:
            self.report.notes.insert(0, self.report.mapping_note)
        missing = self.table.missing_required()
        if missing:
            for spec in missing:
                self.report.error(self.table.sheet_name, self.table.header_row, "", spec.label,
                                  f"нет обязательного столбца «{spec.label}» в строке заголовков")
            self.report.refused_whole = True
            self.report.notes += [n for n in self.table.header_notes if n not in self.report.notes]
            self.report.missing_columns = [spec.label for spec in missing]
            self.report.refused = len(self.report.bad_rows)  # the header row, the one row with errors
            return self.report
        session = self.ctx.session
        try:
            begin_write(self.ctx)
            self.prepare()
            done = 0
            for row in self.table.rows():
                self.count(self.import_row(row), row)
                self.after_row()
                done += 1
                if self.progress:
                    self.progress(1)
                if done % EXPUNGE_EVERY == 0:
                    self.release_memory()
                if self.batches and done % self.commit_every == 0:
                    self.commit_batch(done)
            self.report.notes += [n for n in self.table.notes if n not in self.report.notes]
            self.finish_rows()
            self.settle_counts()
            if self.report.errors and not self.partial:
                self.report.refused_whole = True
                session.rollback()
            elif self.dry_run:
                session.rollback()
            else:
                if self.mapping is not None:  # the user's mapping is kept for this agency's next file
                    from catalog.services.imports import mappings

                    mappings.save(self.ctx, self.import_kind, self.mapping_scope(), self.table, self.mapping)
                session.commit()
                self.report.written = True
        except Cancelled as cancelled:
            cancelled.kept_rows = self.committed_rows if self.batches else 0
            session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            self.table.close()
        return self.report

    @property
    def batches(self) -> bool:
        return bool(self.commit_every) and self.partial and not self.dry_run

    def commit_batch(self, done: int) -> None:
        """Commit the rows so far (a whole batch) and let other writers in before the next one."""
        import time

        self.ctx.session.commit()
        self.committed_rows = done
        if self.ctx.session.get_bind().dialect.name == "sqlite":
            time.sleep(LOCK_PAUSE)
        begin_write(self.ctx)

    def error_copy(self, target: Path) -> Path:
        try:
            return write_error_copy(self.table, self.report, target)
        finally:
            self.table.close()


def show_value(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def snapshot(record) -> dict:
    return history.snapshot(record)
