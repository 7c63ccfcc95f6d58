"""Reading tables the way people really fill them: Excel (.xlsx) or CSV, streamed row by row.

- the header row is found wherever it is (titles and merged cells above it are common): the first
  row among the top ``HEADER_SCAN_ROWS`` whose cells name the most known columns;
- columns are matched to fields by their wording, whatever the case, spaces, line breaks, «ё»,
  asterisks, list letters («а)») or order;
- a number Excel shows with leading zeros (``number_format`` ``000``) is read as the text shown
  (``1`` formatted ``000`` is ``"001"``); whole floats are read without ``.0``;
- CSV: UTF-8 (with or without BOM) or Windows-1251, detected; ``;`` or ``,`` as delimiter, detected.

Reading is streamed (openpyxl ``read_only=True``, the csv module): memory does not grow with the
file. Nothing here knows the catalogue; the importers say which fields they want.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter

from catalog.errors import InvalidInput

HEADER_SCAN_ROWS = 30
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}


def normalize(text) -> str:
    """Wording of a header or a value as compared: lower case, «ё» → «е», no asterisks,
    no list letter in front, one space between words, no punctuation at the ends."""
    if text is None:
        return ""
    return _normalize(str(text))


@lru_cache(maxsize=65536)  # registers repeat the same statuses, services and names on every row
def _normalize(value: str) -> str:
    value = value.replace("\u00a0", " ").lower().replace("ё", "е").replace("*", " ")
    value = re.sub(r"\s+", " ", value).strip()
    value = re.sub(r"^(?:[а-яa-z]|\d{1,2})\s?[).]\s+", "", value)  # «а) », «1. »
    return value.strip(" .:;,-–—")


def split_values(value) -> list[str]:
    """A multi-value cell: parts separated by «;», «,» or line breaks, each stripped, empty ones dropped."""
    if value is None:
        return []
    return [part.strip() for part in re.split(r"[;,\n\r]+", str(value)) if part.strip()]


def split_major(value) -> list[str]:
    """Parts separated by «;» or line breaks only (names that may hold commas are split on commas later,
    and only when the whole part names nothing)."""
    if value is None:
        return []
    return [part.strip() for part in re.split(r"[;\n\r]+", str(value)) if part.strip()]


_ZERO_FORMAT = re.compile(r'^(?:"([^"]*)")?(0+)(?:"([^"]*)")?$')


def cell_text(value, number_format: str | None = None) -> str | None:
    """A cell as the text its reader sees; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and number_format:
            match = _ZERO_FORMAT.match(number_format.replace("\\", ""))
            if match:
                prefix, zeros, suffix = match.groups()
                return f"{prefix or ''}{str(value).zfill(len(zeros))}{suffix or ''}"
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


@dataclass
class Column:
    field: str
    index: int  # 0-based
    header: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class Row:
    sheet: str
    number: int  # as the spreadsheet shows it (1-based, counting the title rows)
    values: dict[str, str | None]  # field -> text
    raw: list = field(default_factory=list)  # every cell's text, for the copy with errors


@dataclass
class FieldSpec:
    name: str
    label: str  # Russian header written by exports and named in reports
    aliases: tuple[str, ...] = ()  # other wordings, compared after ``normalize``
    required: bool = False

    def wordings(self) -> list[str]:
        return [normalize(self.label), *(normalize(a) for a in self.aliases)]


class Layout:
    """The columns an importer knows: matches headers to fields."""

    def __init__(self, fields: list[FieldSpec]):
        self.fields = fields
        self.by_name = {f.name: f for f in fields}

    def match(self, header) -> str | None:
        text = normalize(header)
        if not text:
            return None
        for spec in self.fields:  # exact wording first
            if text in spec.wordings():
                return spec.name
        best, best_len = None, 0
        for spec in self.fields:  # then the longest known wording the header starts with or contains
            for wording in spec.wordings():
                if len(wording) >= 5 and (text.startswith(wording) or f" {wording}" in f" {text}") and len(wording) > best_len:
                    best, best_len = spec.name, len(wording)
        return best

    def columns_of(self, cells: list[str | None]) -> list[Column]:
        columns, seen = [], set()
        for index, header in enumerate(cells):
            name = self.match(header)
            if name and name not in seen:
                seen.add(name)
                columns.append(Column(name, index, re.sub(r"\s+", " ", str(header)).strip()))
        return columns

    def score(self, cells: list[str | None]) -> int:
        return len(self.columns_of(cells))


class Table:
    """One sheet (or a CSV file) read with a known layout. Iterate ``rows()`` once per pass."""

    def __init__(self, path: Path, layout: Layout, sheet: str | None = None, min_columns: int = 2):
        self.path = Path(path)
        self.layout = layout
        self.suffix = self.path.suffix.lower()
        if self.suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise InvalidInput(f"Файл «{self.path.name}»: ожидается таблица Excel (.xlsx) или CSV (.csv).",
                               {"file": ["Неподдерживаемый формат файла."]})
        self.sheet_name = sheet
        self.encoding = None
        self.delimiter = None
        self._find_header(min_columns)

    # --- raw rows -------------------------------------------------------------

    def workbook(self):
        """The workbook, opened once (read-only, streamed) and shared by every pass over the rows."""
        if getattr(self, "_workbook", None) is None:
            from openpyxl import load_workbook

            try:
                self._workbook = load_workbook(self.path, read_only=True, data_only=True)
            except Exception as error:  # a broken or renamed file
                raise InvalidInput(f"Файл «{self.path.name}» не читается как таблица Excel: {error}.",
                                   {"file": ["Файл повреждён или это не .xlsx."]}) from None
        return self._workbook

    def close(self) -> None:
        if getattr(self, "_workbook", None) is not None:
            self._workbook.close()
            self._workbook = None

    def _excel_rows(self, limit: int | None = None) -> Iterator[tuple[str, int, list[str | None]]]:
        workbook = self.workbook()
        sheets = [workbook[self.sheet_name]] if self.sheet_name else workbook.worksheets
        for sheet in sheets:
            for row in sheet.iter_rows(max_row=limit):
                number = next((c.row for c in row if getattr(c, "row", None)), None)
                if number is None:
                    continue
                cells: list[str | None] = []
                for cell in row:
                    column = getattr(cell, "column", None)
                    if column is None:
                        continue
                    while len(cells) < column - 1:
                        cells.append(None)
                    cells.append(cell_text(cell.value, getattr(cell, "number_format", None)))
                yield sheet.title, number, cells

    def _detect_csv(self) -> None:
        head = self.path.open("rb").read(65536)
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            except UnicodeDecodeError:
                continue
            self.encoding = encoding
            break
        else:
            raise InvalidInput(f"Файл «{self.path.name}»: кодировка не UTF-8 и не Windows-1251.",
                               {"file": ["Сохраните файл в UTF-8 или Windows-1251."]})
        text = head.decode(self.encoding, errors="ignore")
        lines = text.splitlines()[:HEADER_SCAN_ROWS]
        best = None
        for delimiter in (";", ",", "\t"):
            try:
                parsed = list(csv.reader(lines, delimiter=delimiter))
            except csv.Error:
                continue
            score = max((self.layout.score([cell_text(v) for v in row]) for row in parsed), default=0)
            width = max((len(row) for row in parsed), default=0)
            if best is None or (score, width) > best[:2]:
                best = (score, width, delimiter)
        self.delimiter = best[2] if best else ";"

    def _csv_rows(self, limit: int | None = None) -> Iterator[tuple[str, int, list[str | None]]]:
        if self.encoding is None:
            self._detect_csv()
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            for number, row in enumerate(reader, start=1):
                if limit is not None and number > limit:
                    return
                yield self.path.name, number, [cell_text(v) for v in row]

    def raw_rows(self, limit: int | None = None) -> Iterator[tuple[str, int, list[str | None]]]:
        """Every row of every sheet (with ``limit``, only the first rows of each sheet)."""
        return self._excel_rows(limit) if self.suffix in EXCEL_SUFFIXES else self._csv_rows(limit)

    # --- header and data --------------------------------------------------------

    def _find_header(self, min_columns: int) -> None:
        best = None  # (score, sheet, number, cells)
        current_sheet, scanned = None, 0
        for sheet, number, cells in self.raw_rows(limit=HEADER_SCAN_ROWS):
            if sheet != current_sheet:
                if best is not None and best[0] >= min_columns:
                    break  # the first sheet with a register wins
                current_sheet, scanned = sheet, 0
            scanned += 1
            if scanned > HEADER_SCAN_ROWS:
                continue
            score = self.layout.score(cells)
            if best is None or score > best[0]:
                best = (score, sheet, number, cells)
        if best is None or best[0] < min_columns:
            known = ", ".join(f"«{f.label}»" for f in self.layout.fields if f.required)
            raise InvalidInput(
                f"Файл «{self.path.name}»: не найдена строка заголовков таблицы (в первых {HEADER_SCAN_ROWS} строках). "
                f"Ожидаются столбцы: {known}.", {"file": ["Нет строки заголовков."]})
        _, self.sheet_name, self.header_row, self.header_cells = best
        self.columns = self.layout.columns_of(self.header_cells)
        self.column_of = {c.field: c for c in self.columns}

    def missing_required(self) -> list[FieldSpec]:
        return [f for f in self.layout.fields if f.required and f.name not in self.column_of]

    def rows(self) -> Iterator[Row]:
        """Data rows below the header; wholly empty rows are skipped."""
        started = False
        for sheet, number, cells in self.raw_rows():
            if sheet != self.sheet_name:
                if started:
                    break
                continue
            if number <= self.header_row:
                continue
            started = True
            if not any(cells):
                continue
            values = {c.field: (cells[c.index] if c.index < len(cells) else None) for c in self.columns}
            yield Row(sheet, number, values, cells)

    def estimate_rows(self) -> int:
        """Data rows below the header, as the file declares them (for a progress bar)."""
        if self.suffix in EXCEL_SUFFIXES:
            total = self.workbook()[self.sheet_name].max_row or 0
        else:
            with self.path.open("rb") as handle:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(0, total - self.header_row)

    def header_of(self, field_name: str) -> str:
        column = self.column_of.get(field_name)
        return column.header if column else self.layout.by_name[field_name].label

    def letter_of(self, field_name: str) -> str:
        column = self.column_of.get(field_name)
        return column.letter if column else ""
