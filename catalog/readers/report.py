"""What an import did or would do: counts, each refused row with its reasons, changes field by field,
and a copy of the file with an error column added."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_CHANGES_KEPT = 1000  # rows whose changes are listed in full; the counts cover every row
MAX_ERRORS_SHOWN = 200


@dataclass
class RowError:
    sheet: str
    row: int | None  # as the spreadsheet shows it; None: the file as a whole
    column: str  # letter ("C"), empty when the error is about the row
    header: str  # the column's header as written in the file
    reason: str

    def where(self) -> str:
        parts = [f"лист «{self.sheet}»"] if self.sheet else []
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column or self.header:
            parts.append(f"столбец {self.column} «{self.header}»" if self.column else f"столбец «{self.header}»")
        return ", ".join(parts)

    def text(self) -> str:
        return f"{self.where()}: {self.reason}"

    def to_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
                "reason": self.reason}


@dataclass
class FieldChange:
    label: str
    before: str | None
    after: str | None


@dataclass
class RowChange:
    row: int
    key: str  # registry identifier, code or name: what the user knows the row by
    action: str  # created | updated
    changes: list[FieldChange] = field(default_factory=list)


ACTIONS = {"created": "будет создана", "updated": "будет изменена"}


@dataclass
class ImportReport:
    what: str  # «реестр процессов», «информационные системы» …
    file_name: str
    dry_run: bool = False
    partial: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    changes_cut: int = 0
    refused_whole: bool = False  # bad rows and no --partial: nothing written
    written: bool = False
    notes: list[str] = field(default_factory=list)
    sheet: str = ""
    header_row: int | None = None
    # Kinds without rows (OpenLineage, RDF, BPMN): their counts, and their summary as their service words it.
    details: dict = field(default_factory=dict)
    text: str = ""
    error_copy: Path | None = None  # the copy of the file with an error column, when one was written
    result: Any = None  # what the import made, for its caller (the passport of a BPMN diagram)
    missing_columns: list[str] = field(default_factory=list)  # mandatory columns the header lacks
    columns: list[dict] = field(default_factory=list)  # the file's columns and the fields they went to
    missing_fields: list[str] = field(default_factory=list)  # fields no column of the file gives
    field_choices: list[tuple[str, str]] = field(default_factory=list)  # (name, label) of the layout's fields
    fixed_values: dict[str, str] = field(default_factory=dict)  # fields given one value for every row
    mapping_note: str = ""  # «Применено сопоставление столбцов, сохранённое 01.12.2026.»
    # References the file names that the catalogue lacks: {column label: [names as written]}.
    unknown_references: dict[str, list[str]] = field(default_factory=dict)

    # References the import created in the reference lists (imports.create_references): {label: [names]}.
    created_references: dict[str, list[str]] = field(default_factory=dict)

    def unknown(self, label: str, name: str) -> None:
        names = self.unknown_references.setdefault(label, [])
        if name not in names:
            names.append(name)

    def column_lines(self) -> list[str]:
        """Which column of the file went to which field, and which were not read."""
        out = []
        for c in self.columns:
            where = f"{c['column']} «{c['header']}»"
            why = f" ({c['reason']})" if c.get("reason") else ""
            if c["field"]:
                out.append(f"{where} → {c['field']}{why}" + (" (скрытый столбец)" if c["hidden"] else ""))
            elif c["twin"]:
                out.append(f"{where} — не прочитан: это поле уже дал столбец левее"
                           + (" (скрытый столбец)" if c["hidden"] else ""))
            elif c.get("reason"):
                out.append(f"{where} — не прочитан: {c['reason']}")
            else:
                out.append(f"{where} — не прочитан: такого поля нет")
        labels = dict(self.field_choices)
        out += [f"«{labels.get(name, name)}» — для всех строк: «{value}»" for name, value in self.fixed_values.items()]
        return out

    def unknown_lines(self) -> list[str]:
        order = {c["field"]: i for i, c in enumerate(self.columns) if c["field"]}  # as the file's columns go
        return [f"{label}: " + "; ".join(f"«{n}»" for n in names)
                for label, names in sorted(self.unknown_references.items(), key=lambda i: order.get(i[0], 1 << 10))]

    def error(self, sheet: str, row: int | None, column: str, header: str, reason: str) -> None:
        self.errors.append(RowError(sheet, row, column, header, reason))

    @property
    def keeps_changes(self) -> bool:
        return len(self.changes) < MAX_CHANGES_KEPT

    def add_change(self, change: RowChange) -> None:
        if len(self.changes) < MAX_CHANGES_KEPT:
            self.changes.append(change)
        else:
            self.changes_cut += 1

    @property
    def bad_rows(self) -> set[int | None]:
        return {e.row for e in self.errors}

    def errors_by_row(self) -> dict[int | None, list[RowError]]:
        out: dict[int | None, list[RowError]] = {}
        for error in self.errors:
            out.setdefault(error.row, []).append(error)
        return out

    def summary(self) -> str:
        if self.text:
            return self.text
        counts = (f"создано {self.created}, изменено {self.updated}, без изменений {self.unchanged}, "
                  f"отклонено {self.refused}")
        if self.refused_whole and self.missing_columns:
            # No row was read: the header decides, and counts of rows would say nothing true.
            where = f" (лист «{self.sheet}», строка {self.header_row})" if self.sheet and self.header_row else ""
            names = ", ".join(f"«{label}»" for label in self.missing_columns)
            return (f"Файл «{self.file_name}» отклонён целиком: в строке заголовков{where} нет "
                    f"{'обязательного столбца' if len(self.missing_columns) == 1 else 'обязательных столбцов'} "
                    f"{names}, строки не прочитаны. Ничего не записано.")
        if self.refused_whole:
            return (f"Файл «{self.file_name}» отклонён целиком: строк с ошибками — {self.refused}. Ничего не записано. "
                    f"Исправьте ошибки или загрузите только верные строки (частичная загрузка). "
                    f"Без ошибок было бы: создано {self.created}, изменено {self.updated}, "
                    f"без изменений {self.unchanged}.")
        if self.dry_run:
            return f"Проверка файла «{self.file_name}» ({self.what}), ничего не записано: " + counts.replace(
                "создано", "будет создано").replace("изменено", "будет изменено", 1) + "."
        return f"Загружен файл «{self.file_name}» ({self.what}): {counts}."

    def lines(self, limit: int = MAX_ERRORS_SHOWN) -> list[str]:
        """The report as text lines, for the command line."""
        out = [self.summary(), *self.notes]
        if (self.dry_run or self.missing_columns) and self.columns:
            out.append("Столбцы файла:")
            out += [f"  {line}" for line in self.column_lines()]
            if self.missing_fields:
                out.append("  Нет столбцов: " + ", ".join(f"«{label}»" for label in self.missing_fields))
        if self.created_references:
            out.append("Будут созданы в справочниках:" if self.dry_run else "Созданы в справочниках:")
            out += [f"  {label}: " + "; ".join(f"«{n}»" for n in names) for label, names in self.created_references.items()]
        elif self.unknown_references:
            out.append("Нет в каталоге (справочники ведёт процессный офис; отправьте ему этот список или "
                       "загрузите файл с созданием справочников, если у вас есть на это право):")
            out += [f"  {line}" for line in self.unknown_lines()]
        if self.errors:
            out.append("Ошибки:")
            out += [f"  {e.text()}" for e in self.errors[:limit]]
            if len(self.errors) > limit:
                out.append(f"  … и ещё {len(self.errors) - limit}")
        if self.dry_run and self.changes:
            out.append("Изменения:")
            for change in self.changes:
                out.append(f"  строка {change.row} «{change.key}»: {ACTIONS.get(change.action, change.action)}")
                for fc in change.changes:
                    if change.action == "created":
                        out.append(f"    {fc.label}: {fc.after or '—'}")
                    else:
                        out.append(f"    {fc.label}: {fc.before or '—'} → {fc.after or '—'}")
            if self.changes_cut:
                out.append(f"  … и ещё {self.changes_cut} строк с изменениями")
        return out

    def to_dict(self) -> dict:
        return {
            "what": self.what, "file": self.file_name, "dry_run": self.dry_run, "partial": self.partial,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "refused": self.refused,
            "refused_whole": self.refused_whole, "written": self.written, "summary": self.summary(),
            "errors": [e.to_dict() for e in self.errors],
            **({"details": self.details} if self.details else {}),
            **({"columns": self.columns, "missing_fields": self.missing_fields,
                "fields": [{"name": n, "label": label} for n, label in self.field_choices],
                "values": self.fixed_values} if self.columns else {}),
            **({"mapping_note": self.mapping_note} if self.mapping_note else {}),
            **({"unknown_references": self.unknown_references} if self.unknown_references else {}),
            **({"created_references": self.created_references} if self.created_references else {}),
            "changes": [{"row": c.row, "key": c.key, "action": c.action,
                         "changes": [{"field": f.label, "before": f.before, "after": f.after} for f in c.changes]}
                        for c in self.changes],
        }


ERROR_HEADER = "Ошибки загрузки"


# Workbooks up to this many cells are copied whole (every sheet, merge, comment, hidden column kept);
# larger ones are streamed (the read sheet's values only), so memory stays bounded.
FULL_COPY_CELLS = 400_000


def error_text(errors) -> str:
    return "; ".join(f"{e.column} «{e.header}»: {e.reason}" if e.header else e.reason for e in errors)


def write_error_copy(table, report: ImportReport, target: Path) -> Path:
    """The user's file with one «Ошибки загрузки» column after the table's last column: the header
    there (merged down like a two-row header), each refused row's errors in its own row.

    An Excel file of moderate size is the user's workbook itself, opened whole and saved again, so
    every sheet, merge, hidden column, comment and format stays; a larger one is streamed (values of
    the sheet read). A CSV file gives a CSV copy in the same encoding and delimiter.
    """
    target = Path(target)
    if table.suffix not in (".csv", ".txt") and _cells_declared(table) <= FULL_COPY_CELLS:
        return _workbook_copy(table, report, target)
    by_row = report.errors_by_row()
    file_errors = "; ".join(e.reason for e in by_row.get(None, []))
    width = _table_width(table)

    def rows():
        previous = 0
        for sheet, number, cells in table.raw_rows(filled=False):
            if sheet != table.sheet_name:
                continue
            for gap in range(previous + 1, number):  # keep Excel's row numbers: empty rows stay
                yield gap, [None] * (width + 1)
            previous = number
            cells = list(cells) + [None] * (width - len(cells))
            head, rest = cells[:width], cells[width:]  # anything right of the table moves one column on
            if number == table.header_row:
                yield number, head + [ERROR_HEADER] + rest
            elif number in by_row:
                yield number, head + [error_text(by_row[number])] + rest
            elif number == 1 and file_errors:
                yield number, head + [file_errors] + rest
            else:
                yield number, head + [None] + rest

    if table.suffix in (".csv", ".txt"):
        from catalog.cells import csv_row

        with target.open("w", encoding=table.encoding or "utf-8-sig", newline="", errors="replace") as handle:
            writer = csv.writer(handle, delimiter=table.delimiter or ";")
            for _number, cells in rows():
                # The copy is made to be opened in a spreadsheet, fixed and loaded again: a value that
                # would run as a formula gets the apostrophe mark, which the CSV reader takes off again.
                writer.writerow(csv_row("" if c is None else c for c in cells))
        return target
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from catalog.cells import as_text, xlsx_row

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.sheet_name)
    for number, cells in rows():
        error = cells[width]
        out = xlsx_row(sheet, cells)
        if error:
            cell = as_text(WriteOnlyCell(sheet, value=error))
            cell.font = Font(bold=number == table.header_row, color="B3261E")
            out[width] = cell
        sheet.append(out)
    book.save(target)
    return target


def _table_width(table) -> int:
    """Columns up to the table's last one: its header's last filled cell."""
    filled = [index for index, text in enumerate(table.header_cells) if text]
    return (max(filled) + 1) if filled else len(table.header_cells)


def _cells_declared(table) -> int:
    sheet = table.workbook()[table.sheet_name]
    rows = sheet.max_row or table._count_rows(sheet)
    return rows * max(sheet.max_column or 1, 1)


def _workbook_copy(table, report: ImportReport, target: Path) -> Path:
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = load_workbook(table.path, keep_vba=table.suffix == ".xlsm", keep_links=True, rich_text=True)
    sheet = book[table.sheet_name]
    column = _table_width(table) + 1
    # Right after the table, unless something of the user's is there (a remark beside the table):
    # then the first free column after it, so nothing of theirs is overwritten.
    while any(sheet.cell(row, column).value is not None for row in range(1, (sheet.max_row or 1) + 1)):
        column += 1
    first, last = getattr(table, "header_first", table.header_row), table.header_row
    red = Font(color="B3261E")
    header = sheet.cell(first, column, ERROR_HEADER)
    header.font = Font(bold=True, color="B3261E")
    header.alignment = Alignment(wrap_text=True, vertical="top")
    if last > first:
        sheet.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)
    letter = get_column_letter(column)
    sheet.column_dimensions[letter].width = 60
    sheet.column_dimensions[letter].hidden = False
    by_row = report.errors_by_row()
    file_errors = "; ".join(e.reason for e in by_row.get(None, []))
    about_file = [file_errors] if file_errors else []
    for number, errors in by_row.items():
        if number is None:
            continue
        cell = sheet.cell(number, column)
        if number == last or cell.coordinate in sheet.merged_cells:
            about_file.append(error_text(errors) if number == last else f"строка {number}: {error_text(errors)}")
            continue
        _error_cell(cell, error_text(errors), red)
    if about_file:  # the file's or the header's own errors (a mandatory column missing): in the header
        header.value = f"{ERROR_HEADER}: {'; '.join(about_file)}"
    book.save(target)
    book.close()
    return target


def _error_cell(cell, text: str, font) -> None:
    from openpyxl.styles import Alignment

    cell.value = text
    if text.startswith("="):
        cell.data_type = "s"  # never a formula
    cell.font = font
    cell.alignment = Alignment(wrap_text=True, vertical="top")
