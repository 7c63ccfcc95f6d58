"""Reading tables the way people really fill them: Excel (.xlsx) or CSV, streamed row by row.

- the header row is found wherever it is (titles and merged cells above it are common): the first
  row among the top ``HEADER_SCAN_ROWS`` whose cells name the most known columns;
- columns are matched to fields by their wording, whatever the case, spaces, line breaks, «ё»,
  asterisks, list letters («а)») or order;
- a number Excel shows with leading zeros (``number_format`` ``000``) is read as the text shown
  (``1`` formatted ``000`` is ``"001"``); whole floats are read without ``.0``;
- CSV: UTF-8 (with or without BOM) or Windows-1251, detected; ``;`` or ``,`` as delimiter, detected.

Registers are forms, not tables, and are read as forms (``SheetShape``):

- a header of two rows: group cells merged across, under them the columns' own headers, and cells
  merged down over both rows (the merged value applies to each cell of the range);
- a row of column numbers («1», «2» … «19») under the header is skipped;
- a cell merged down over several data rows applies to each of them (one service over its processes);
- a total line («Итого процессов: 5», «Всего») or the signature of the official responsible for
  the register ends the table: nothing below it is read as data;
- a hidden column is read only when no visible column says the same, and the report says so;
- sheets without the table (notes, instructions) are passed over.

Reading is streamed (openpyxl ``read_only=True``, the csv module): memory does not grow with the
file. Nothing here knows the catalogue; the importers say which fields they want.

Every read is bounded by ``Limits`` (from the settings), refused at once with ``LimitExceeded``:
the uncompressed size and compression ratio of every part of an .xlsx, checked from the zip
directory before anything is unpacked; the sheet's declared dimension; the rows, columns and
cell lengths actually read. Rows missing from a sheet are never walked one by one (openpyxl's own
iterator fills every gap), and reading stops after ``Limits.empty_rows`` empty rows in a row.
"""
from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter

from catalog.cells import is_formula_like
from catalog.errors import InvalidInput, LimitExceeded
from catalog.formatting import counted

HEADER_SCAN_ROWS = 30
RATIO_CHECKED_FROM = 1024 * 1024  # small parts may compress very well (empty styles) without harm
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


def _declared_size(self) -> None:
    """openpyxl's read-only sheet looks for ``<dimension>`` until the *end* of ``<sheetData>``, so
    a sheet without one is parsed whole when the workbook opens (20 million rows: minutes). The
    dimension comes before the data (ECMA-376), so looking stops where the data starts."""
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    with self._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == f"{{{SHEET_MAIN_NS}}}dimension":
                boundaries = SheetDimension.from_tree(element).boundaries
                if boundaries is not None:
                    self._min_column, self._min_row, self._max_column, self._max_row = boundaries
                return
            if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                return


def _bound_openpyxl() -> None:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _declared_size


_bound_openpyxl()


@dataclass(frozen=True)
class Limits:
    """How much of a table is read at most (the CATALOG_IMPORT_… settings)."""

    part_bytes: int = 200 * 1024 * 1024
    ratio: float = 200.0
    rows: int = 200_000
    columns: int = 200
    cell_chars: int = 32_767
    empty_rows: int = 1000

    @classmethod
    def of(cls, settings) -> "Limits":
        if settings is None:
            return cls()
        return cls(part_bytes=settings.import_max_xlsx_part_bytes, ratio=settings.import_max_xlsx_ratio,
                   rows=settings.import_max_rows, columns=settings.import_max_columns,
                   cell_chars=settings.import_max_cell_chars, empty_rows=settings.import_max_empty_rows)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} МБ"


def check_xlsx_parts(path: Path, limits: Limits, name: str | None = None) -> None:
    """Refuse a workbook whose parts would inflate past the limits, from the zip directory alone.

    The directory's sizes can be trusted as upper bounds: Python's zipfile stops inflating a part
    at its declared size (and then fails its checksum), so no part yields more than it declares."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: openpyxl says so in its own words
    with archive:
        for info in archive.infolist():
            where = f"Файл «{name or path.name}», часть «{info.filename}»"
            if info.file_size > limits.part_bytes:
                raise LimitExceeded(
                    f"{where}: после распаковки {_mb(info.file_size)} — больше допустимого "
                    f"(не более {_mb(limits.part_bytes)}, CATALOG_IMPORT_MAX_XLSX_PART_MB).",
                    {"file": [f"часть {info.filename}: {info.file_size} байт"]})
            if info.file_size > RATIO_CHECKED_FROM and info.file_size > limits.ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise LimitExceeded(
                    f"{where}: сжата в {ratio:.0f} раз — больше допустимого "
                    f"(не более {limits.ratio:.0f}, CATALOG_IMPORT_MAX_XLSX_RATIO).",
                    {"file": [f"часть {info.filename}: сжатие в {ratio:.0f} раз"]})


def unmark_text(value: str) -> str:
    """A CSV field as written before ``catalog.cells.csv_text`` marked it as text: the leading
    apostrophe in front of a formula-like value is taken off (so an error copy loads back unchanged)."""
    if value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


@dataclass
class Column:
    field: str
    index: int  # 0-based
    header: str
    reason: str = ""  # why the column went to its field, as the report says it

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_COL = re.compile(rb"<(?:\w+:)?col\s[^>]*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


@dataclass
class SheetShape:
    """What a streamed sheet does not give: merged ranges and hidden columns (read from its XML)."""

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, max_col, max_row
    hidden: set[int] = field(default_factory=set)  # 0-based column indexes

    @classmethod
    def of(cls, source) -> "SheetShape":
        from openpyxl.utils import column_index_from_string

        shape, tail = cls(), b""
        for chunk in iter(lambda: source.read(1 << 20), b""):
            data = tail + chunk
            cut = data.rfind(b"<")  # a tag cut by the chunk's end is read with the next chunk
            cut = len(data) if cut < 0 or b">" in data[cut:] else cut
            data, tail = data[:cut], data[cut:]
            for match in _MERGE.finditer(data):
                first, top, last, bottom = match.groups()
                left = column_index_from_string(first.decode())
                right = column_index_from_string(last.decode()) if last else left
                shape.merges.append((left, int(top), right, int(bottom) if bottom else int(top)))
            for tag in _COL.findall(data):
                attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(tag)}
                if attrs.get("hidden") in ("1", "true") and attrs.get("min", "").isdigit():
                    for index in range(int(attrs["min"]), int(attrs.get("max") or attrs["min"]) + 1):
                        shape.hidden.add(index - 1)
        return shape


def fill_merges(rows, merges: list[tuple[int, int, int, int]], across_from: int = 0):
    """Rows with each merged range's value in every cell of the range. Above row ``across_from``
    (titles and the header) every range is filled; below it only ranges merged down over several
    rows, since a row merged across is a heading or a remark, not a value of each column."""
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for merge in merges:
        if merge[0] != merge[2] or merge[1] != merge[3]:
            starts.setdefault(merge[1], []).append(merge)
    active: list[tuple[int, int, int, int, str | None]] = []
    for sheet, number, cells in rows:
        active = [a for a in active if a[3] >= number]
        for left, top, right, bottom in starts.get(number, ()):
            if number >= across_from and bottom == top:
                continue
            value = cells[left - 1] if left - 1 < len(cells) else None
            active.append((left, top, right, bottom, value))
        if active:
            cells = list(cells)
            for left, top, right, bottom, value in active:
                if value is None or (number >= across_from and bottom == top):
                    continue
                if len(cells) < right:
                    cells += [None] * (right - len(cells))
                for index in range(left - 1, right):
                    cells[index] = value
        yield sheet, number, cells


_NUMBERING = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")
_TOTAL = re.compile(r"^(?:итого|всего|итог)\b")
_SIGNATURE = re.compile(r"подпись|ответственн\w* за ведение|ответственное лицо|ф\.\s?и\.\s?о|^руководитель|^исполнитель"
                        r"|^м\.\s?п\b|^составил|^дата составления|^согласовано|^утверждаю")


def is_numbering(cells: list[str | None]) -> bool:
    """A row of column numbers under a form's header («1», «2» … or «1», «2», «2.1» …)."""
    filled = [c for c in cells if c]
    if len(filled) < 3 or not all(_NUMBERING.match(c) for c in filled):
        return False
    numbers = [float(c) for c in filled]
    return numbers == sorted(numbers) and numbers[0] <= 2


def ends_table(cells: list[str | None]) -> str | None:
    """The text of a total or signature line (which ends a register), None for any other row."""
    filled = [c for c in cells if c]
    if not filled:
        return None
    first = normalize(filled[0])
    if _TOTAL.match(first):
        return filled[0]
    if len(set(filled)) <= 3 and _SIGNATURE.search(first):
        return filled[0]
    return None


@dataclass
class ColumnMapping:
    """The user's correction of the recognition: file columns (by letter «B», or by header as written)
    to fields (None: «не загружать»), and fields given one value for every row (no column gives them)."""

    columns: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    source: str = "manual"  # manual (the page, a file, the API) | saved (reused for the same header)
    saved_on: date | None = None

    def to_json(self) -> dict:
        return {"columns": dict(self.columns), "values": dict(self.values)}

    def of_column(self, letter: str, header) -> tuple[bool, str | None]:
        """(given, field) for one column of the file."""
        if letter in self.columns:
            return True, self.columns[letter]
        key = normalize(header)
        for given, target in self.columns.items():
            if not _LETTER.match(given) and normalize(given) == key:
                return True, target
        return False, None

    def header_keys(self) -> set[str]:
        return {normalize(k) for k in self.columns if not _LETTER.match(k)}


_LETTER = re.compile(r"^[A-Z]{1,3}$")


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
    # Words that make a header someone else's field when it only contains a wording of this one
    # («Идентификатор услуги» is not the process identifier): such a header is not taken.
    avoid: tuple[str, ...] = ()
    # Wordings too common to be trusted alone («Статус»): the column is taken only if its values
    # are this field's (``accepts``); the reason is reported either way.
    weak: tuple[str, ...] = ()
    accepts: Callable[[str], bool] | None = None
    what_values: str = ""  # what its values are, for the report («статусы реинжиниринга»)

    def wordings(self) -> list[str]:
        return [normalize(self.label), *(normalize(a) for a in self.aliases)]


class Layout:
    """The columns an importer knows: matches headers to fields."""

    def __init__(self, fields: list[FieldSpec]):
        self.fields = fields
        self.by_name = {f.name: f for f in fields}

    def match(self, header) -> str | None:
        return self.explain(header)[0]

    def explain(self, header) -> tuple[str | None, str]:
        """The field a header names and why (the report's words), or None and why not."""
        text = normalize(header)
        if not text:
            return None, ""
        for spec in self.fields:  # exact wording first
            if text in spec.wordings():
                return spec.name, f"заголовок совпадает с «{spec.label}»" if text == normalize(spec.label) \
                    else f"заголовок — другое название поля «{spec.label}»"
        best, best_len, avoided = None, 0, None
        for spec in self.fields:  # then the longest known wording the header starts with or contains
            for wording in spec.wordings():
                if len(wording) >= 5 and (text.startswith(wording) or f" {wording}" in f" {text}") and len(wording) > best_len:
                    word = next((w for w in spec.avoid if w in text), None)
                    if word:
                        avoided = (spec, wording, word)
                        continue
                    best, best_len = spec.name, len(wording)
        if best:
            spec = self.by_name[best]
            wording = next(w for w in spec.wordings() if len(w) == best_len and w in text)
            return best, f"заголовок содержит «{wording}» (поле «{spec.label}»)"
        if avoided:
            spec, wording, word = avoided
            return None, (f"заголовок содержит «{wording}», но говорит о другом («{word}…»): не принят за поле "
                          f"«{spec.label}»")
        return None, ""

    def is_weak(self, name: str, header) -> bool:
        spec = self.by_name[name]
        return spec.accepts is not None and normalize(header) in {normalize(w) for w in spec.weak}

    def columns_of(self, cells: list[str | None], hidden: set[int] = frozenset()) -> list[Column]:
        """Columns matched to fields, the first visible one for each field; a hidden column only
        for a field no visible column gives."""
        columns, seen = [], set()
        for pass_hidden in (False, True):
            for index, header in enumerate(cells):
                if (index in hidden) != pass_hidden:
                    continue
                name, reason = self.explain(header)
                if name and name not in seen:
                    seen.add(name)
                    columns.append(Column(name, index, re.sub(r"\s+", " ", str(header)).strip(), reason))
        return sorted(columns, key=lambda c: c.index)

    def score(self, cells: list[str | None], hidden: set[int] = frozenset()) -> int:
        return len(self.columns_of(cells, hidden))


class Table:
    """One sheet (or a CSV file) read with a known layout. Iterate ``rows()`` once per pass."""

    def __init__(self, path: Path, layout: Layout, sheet: str | None = None, min_columns: int = 2,
                 limits: Limits | None = None, name: str | None = None, mapping: ColumnMapping | None = None):
        self.path = Path(path)
        self.column_mapping = mapping
        self.name = name or self.path.name  # as the user knows the file (uploads are stored under a token)
        self.layout = layout
        self.limits = limits or Limits()
        self.suffix = self.path.suffix.lower()
        if self.suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise InvalidInput(f"Файл «{self.name}»: ожидается таблица Excel (.xlsx) или CSV (.csv).",
                               {"file": ["Неподдерживаемый формат файла."]})
        self.sheet_name = sheet
        self.encoding = None
        self.delimiter = None
        self.notes: list[str] = []  # what the reader skipped, for the report
        self.header_notes: list[str] = []  # what the header says about the columns (hidden ones)
        if self.suffix in EXCEL_SUFFIXES:
            check_xlsx_parts(self.path, self.limits, self.name)
        self._find_header(min_columns)
        if self.suffix in EXCEL_SUFFIXES:
            self._check_dimension()

    # --- raw rows -------------------------------------------------------------

    def workbook(self):
        """The workbook, opened once (read-only, streamed) and shared by every pass over the rows."""
        if getattr(self, "_workbook", None) is None:
            from openpyxl import load_workbook

            try:
                self._workbook = load_workbook(self.path, read_only=True, data_only=True)
            except Exception as error:  # a broken or renamed file
                raise InvalidInput(f"Файл «{self.name}» не читается как таблица Excel: {error}.",
                                   {"file": ["Файл повреждён или это не .xlsx."]}) from None
        return self._workbook

    def close(self) -> None:
        if getattr(self, "_workbook", None) is not None:
            self._workbook.close()
            self._workbook = None

    def _where(self, sheet: str, number: int | None = None) -> str:
        where = f"Файл «{self.name}»"
        if self.suffix in EXCEL_SUFFIXES and sheet:
            where += f", лист «{sheet}»"
        return where + (f", строка {number}" if number is not None else "")

    def _too_wide(self, sheet: str, number: int, column: int) -> LimitExceeded:
        return LimitExceeded(f"{self._where(sheet, number)}: столбец № {column} — столбцов больше допустимого "
                             f"(не более {self.limits.columns}, CATALOG_IMPORT_MAX_COLUMNS).",
                             {"file": [f"строка {number}: {counted(column, 'столбец')}"]})

    def _text(self, value: str | None, sheet: str, number: int, column: int) -> str | None:
        if value is not None and len(value) > self.limits.cell_chars:
            raise LimitExceeded(
                f"{self._where(sheet, number)}, столбец {get_column_letter(column)}: в ячейке {counted(len(value), 'символ')} — "
                f"больше допустимого (не более {self.limits.cell_chars}, CATALOG_IMPORT_MAX_CELL_CHARS).",
                {"file": [f"строка {number}, столбец {get_column_letter(column)}: {counted(len(value), 'символ')}"]})
        return value

    def _excel_rows(self, limit: int | None = None, filled: bool = True) -> Iterator[tuple[str, int, list[str | None]]]:
        workbook = self.workbook()
        sheets = [workbook[self.sheet_name]] if self.sheet_name else workbook.worksheets
        for sheet in sheets:
            rows = self._sheet_rows(workbook, sheet, limit)
            if filled:
                header = getattr(self, "header_row", None) if sheet.title == self.sheet_name else None
                rows = fill_merges(rows, self.shape(sheet.title).merges, header + 1 if header else 1 << 30)
            yield from self._stop_after_empty(sheet.title, rows)

    def shape(self, sheet_title: str) -> SheetShape:
        """The sheet's merged ranges and hidden columns (an empty shape for CSV), read once."""
        shapes = self.__dict__.setdefault("_shapes", {})
        if sheet_title not in shapes:
            if self.suffix in EXCEL_SUFFIXES:
                with self.workbook()[sheet_title]._get_source() as source:
                    shapes[sheet_title] = SheetShape.of(source)
            else:
                shapes[sheet_title] = SheetShape()
        return shapes[sheet_title]

    def _sheet_rows(self, workbook, sheet, limit: int | None) -> Iterator[tuple[str, int, list[str | None]]]:
        """The rows the sheet's XML holds, and only those: openpyxl's ``iter_rows`` yields every
        missing row between two present ones, so a sheet with one cell at row 20 000 000 would be
        walked 20 million times."""
        from openpyxl.cell.read_only import ReadOnlyCell
        from openpyxl.worksheet._reader import WorkSheetParser

        with sheet._get_source() as source:
            parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                     date_formats=workbook._date_formats,
                                     timedelta_formats=workbook._timedelta_formats)
            for number, found in parser.parse():
                if limit is not None and number > limit:
                    return
                cells: list[str | None] = []
                for cell in found:
                    column = cell["column"]
                    if column > self.limits.columns:
                        raise self._too_wide(sheet.title, number, column)
                    while len(cells) < column - 1:
                        cells.append(None)
                    number_format = ReadOnlyCell(sheet, **cell).number_format if cell["style_id"] else None
                    cells.append(self._text(cell_text(cell["value"], number_format), sheet.title, number, column))
                yield sheet.title, number, cells

    def _stop_after_empty(self, sheet: str, rows) -> Iterator[tuple[str, int, list[str | None]]]:
        """Rows up to the last data row; reading stops after ``limits.empty_rows`` empty rows in a row."""
        last = 0
        for name, number, cells in rows:
            if number - last > self.limits.empty_rows:
                if any(cells):
                    self.notes.append(
                        f"{self._where(sheet)}: после строки {last} идут {counted(number - last - 1, 'пустая строка')} подряд; "
                        f"строки с {number} не прочитаны (не более {self.limits.empty_rows} пустых строк подряд, "
                        "CATALOG_IMPORT_MAX_EMPTY_ROWS). Удалите пустые строки и загрузите файл снова.")
                else:
                    self.notes.append(
                        f"{self._where(sheet)}: после строки {last} больше {self.limits.empty_rows} пустых строк "
                        "подряд; дальше файл не читался (CATALOG_IMPORT_MAX_EMPTY_ROWS).")
                return
            if any(cells):
                last = number
            yield name, number, cells

    def _check_dimension(self) -> None:
        """The size the sheet declares (``<dimension ref="A1:J20000000">``), before its rows are read."""
        sheet = self.workbook()[self.sheet_name]
        if (sheet.max_column or 0) > self.limits.columns:
            raise LimitExceeded(
                f"{self._where(self.sheet_name)}: объявлено столбцов {sheet.max_column} — больше допустимого "
                f"(не более {self.limits.columns}, CATALOG_IMPORT_MAX_COLUMNS).",
                {"file": [f"объявлено столбцов: {sheet.max_column}"]})
        declared = (sheet.max_row or 0) - self.header_row
        if declared > self.limits.rows:
            raise LimitExceeded(
                f"{self._where(self.sheet_name)}: объявлено строк {declared} — больше допустимого "
                f"(не более {self.limits.rows}, CATALOG_IMPORT_MAX_ROWS). Удалите пустые строки внизу листа "
                "или разделите файл.", {"file": [f"объявлено строк: {declared}"]})

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
            raise InvalidInput(f"Файл «{self.name}»: кодировка не UTF-8 и не Windows-1251.",
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
            number = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:  # a field over the csv module's own limit, a stray NUL
                    if "field larger" in str(error):
                        raise LimitExceeded(
                            f"{self._where('', number + 1)}: в ячейке больше {self.limits.cell_chars} символов "
                            f"(CATALOG_IMPORT_MAX_CELL_CHARS).", {"file": [f"строка {number + 1}"]}) from None
                    raise InvalidInput(f"{self._where('', number + 1)}: не читается как CSV ({error}).",
                                       {"file": [str(error)]}) from None
                number += 1
                if limit is not None and number > limit:
                    return
                if len(row) > self.limits.columns:
                    raise self._too_wide(self.name, number, len(row))
                yield self.name, number, [self._text(cell_text(unmark_text(v)), self.name, number, column)
                                               for column, v in enumerate(row, start=1)]

    def raw_rows(self, limit: int | None = None, filled: bool = True) -> Iterator[tuple[str, int, list[str | None]]]:
        """Every row of every sheet (with ``limit``, only the first rows of each sheet); merged
        ranges filled (``fill_merges``) unless ``filled`` is false (the file as written)."""
        if self.suffix in EXCEL_SUFFIXES:
            return self._excel_rows(limit, filled)
        return self._stop_after_empty(self.name, self._csv_rows(limit))

    # --- header and data --------------------------------------------------------

    def _find_header(self, min_columns: int) -> None:
        """The header: one row, or two (group cells above the columns' own headers), whichever names
        more known columns; a form's two rows count as one header ending at the lower row."""
        best = None  # (score, sheet, first row, last row, cells)
        widest = None  # (filled cells, sheet, row, cells): a foreign layout's header, when names say too little
        current_sheet, scanned, previous = None, 0, None
        for sheet, number, cells in self.raw_rows(limit=HEADER_SCAN_ROWS):
            if sheet != current_sheet:
                if best is not None and best[0] >= min_columns:
                    break  # the first sheet with a register wins (notes sheets before it are passed over)
                current_sheet, scanned, previous = sheet, 0, None
            scanned += 1
            if scanned > HEADER_SCAN_ROWS:
                continue
            hidden = self.shape(sheet).hidden
            score = self._score(cells, hidden)
            if best is None or score > best[0]:
                best = (score, sheet, number, number, cells)
            filled = sum(1 for c in cells if c)
            if widest is None or filled > widest[0]:
                widest = (filled, sheet, number, cells)
            if previous is not None and previous[0] == number - 1:
                joined = self.two_row_header(previous[1], cells)
                score = self._score(joined, hidden)
                if score > best[0]:
                    best = (score, sheet, previous[0], number, joined)
            previous = (number, cells)
        if best is not None and best[0] < min_columns and (best[0] >= 1 or self.column_mapping) \
                and widest is not None and widest[0] >= 3:
            # Another layout: a column or two named as the catalogue names them. The first fullest row
            # is taken as the header, so the user can map the rest (the mapping step).
            _, sheet, number, cells = widest
            best = (min_columns, sheet, number, number, cells)
            self.guess_note = (f"{self._where(sheet, number)}: строка заголовков не узнана по названиям столбцов; "
                               "взята первая самая заполненная строка. Сопоставьте столбцы с полями.")
            if self.column_mapping is None:
                self.header_notes.append(self.guess_note)
        if best is None or best[0] < min_columns:
            # The mandatory columns; a layout with none names the columns it knows.
            known = ", ".join(f"«{f.label}»" for f in self.layout.fields if f.required) \
                or ", ".join(f"«{f.label}»" for f in self.layout.fields)
            raise InvalidInput(
                f"Файл «{self.name}»: не найдена строка заголовков таблицы (в первых {HEADER_SCAN_ROWS} строках). "
                f"Ожидаются столбцы: {known}.", {"file": ["Нет строки заголовков."]})
        _, self.sheet_name, self.header_first, self.header_row, self.header_cells = best
        # Cells merged down onto the header row from above make those rows part of the header.
        tops = [top for _left, top, _right, bottom in self.shape(self.sheet_name).merges
                if top < self.header_row <= bottom and top >= self.header_row - 3]
        self.header_first = min([self.header_first, *tops])
        hidden = self.shape(self.sheet_name).hidden
        self._assign_columns()
        for column in self.columns:
            if column.index in hidden:
                self.header_notes.append(
                    f"{self._where(self.sheet_name)}: столбец {column.letter} «{column.header}» скрыт; он прочитан, "
                    "потому что видимого столбца с таким заголовком нет.")
        ignored = [f"{get_column_letter(i + 1)} «{self.header_cells[i]}»" for i in sorted(hidden)
                   if i < len(self.header_cells) and self.header_cells[i]
                   and all(c.index != i for c in self.columns) and self.layout.match(self.header_cells[i])]
        if ignored:
            self.header_notes.append(f"{self._where(self.sheet_name)}: скрытые столбцы не прочитаны "
                                     f"(видимые столбцы с теми же заголовками есть): {', '.join(ignored)}.")

    def _score(self, cells: list[str | None], hidden: set[int]) -> int:
        """Known columns of a row; headers the user's mapping names count too (a foreign layout)."""
        score = self.layout.score(cells, hidden)
        if self.column_mapping is not None:
            keys = self.column_mapping.header_keys()
            score += sum(1 for c in cells if c and normalize(c) in keys)
        return score

    def apply_mapping(self, mapping: ColumnMapping | None) -> None:
        """Read the columns again with the user's (or a saved) mapping over the recognition."""
        self.column_mapping = mapping
        if getattr(self, "guess_note", None) in self.header_notes:
            self.header_notes.remove(self.guess_note)  # the mapping says what the columns are
        self._assign_columns()

    def _assign_columns(self) -> None:
        """Columns from the headers' wording, checked against the first values where a wording is weak,
        then the mapping's corrections (which always win)."""
        hidden = self.shape(self.sheet_name).hidden
        mapping = self.column_mapping
        self.rejected: dict[int, str] = {}  # column index → why it is not read
        self.fixed: dict[str, str] = dict(mapping.values) if mapping else {}
        given: dict[int, str | None] = {}
        if mapping is not None:
            for index, text in enumerate(self.header_cells):
                found, target = mapping.of_column(get_column_letter(index + 1), text or "")
                if found:
                    given[index] = target
        manual = [Column(target, index, re.sub(r"\s+", " ", str(self.header_cells[index] or "")).strip(),
                         "сохранённое сопоставление" if mapping.source == "saved" else "задано вручную")
                  for index, target in given.items() if target]
        taken = {c.field for c in manual} | set(self.fixed)
        cells = [None if i in given else c for i, c in enumerate(self.header_cells)]
        auto = [c for c in self.layout.columns_of(cells, hidden) if c.field not in taken]
        weak = [c for c in auto if self.layout.is_weak(c.field, c.header)]
        if weak:
            samples = self._samples([c.index for c in weak])
            for column in weak:
                spec = self.layout.by_name[column.field]
                values = list(dict.fromkeys(samples[column.index]))
                good = [v for v in values if spec.accepts(v)]
                if len(values) >= 2 and len(good) * 2 < len(values):
                    shown = ", ".join(f"«{v}»" for v in values[:3])
                    self.rejected[column.index] = (f"заголовок «{column.header}» похож на поле «{spec.label}», но "
                                                   f"значения ({shown}) — не {spec.what_values}; не загружается")
                    auto.remove(column)
                else:
                    column.reason += f"; значения — {spec.what_values}"
        for index, target in given.items():
            if not target:
                self.rejected[index] = "не загружать (" + ("сохранённое сопоставление" if mapping.source == "saved"
                                                            else "задано вручную") + ")"
        self.columns = sorted(manual + auto, key=lambda c: c.index)
        self.column_of = {c.field: c for c in self.columns}

    def _samples(self, indexes: list[int], rows: int = 30) -> dict[int, list[str]]:
        """The first values of some columns below the header (to tell a weak header's meaning)."""
        out: dict[int, list[str]] = {i: [] for i in indexes}
        seen = 0
        for sheet, number, cells in self.raw_rows(limit=self.header_row + rows * 3):
            if sheet != self.sheet_name or number <= self.header_row or not any(cells):
                continue
            if is_numbering(cells):
                continue
            if ends_table(cells) is not None or seen >= rows:
                break
            seen += 1
            for index in indexes:
                if index < len(cells) and cells[index]:
                    out[index].append(cells[index])
        return out

    def fingerprint(self) -> str:
        """The header as compared between two files of one layout (wording, order; not case or spaces)."""
        import hashlib

        words = [normalize(c) for c in self.header_cells]
        while words and not words[-1]:
            words.pop()
        return hashlib.sha256("\u241f".join(words).encode()).hexdigest()

    def two_row_header(self, top: list[str | None], bottom: list[str | None]) -> list[str | None]:
        """A column's header in a two-row form header: its own cell in the lower row, or the cell
        above it when that one names a column (merged down over both rows, or standing alone)."""
        joined = []
        for index in range(max(len(top), len(bottom))):
            upper = top[index] if index < len(top) else None
            lower = bottom[index] if index < len(bottom) else None
            if lower and (self.layout.match(lower) or not self.layout.match(upper)):
                joined.append(lower)
            else:
                joined.append(upper or lower)
        return joined

    def mapping(self) -> list[dict]:
        """Each titled column of the file and the field it went to (None: not read), for the report."""
        hidden = self.shape(self.sheet_name).hidden
        by_index = {c.index: c for c in self.columns}
        out = []
        for index, text in enumerate(self.header_cells):
            if not text:
                continue
            column = by_index.get(index)
            rejected = getattr(self, "rejected", {}).get(index)
            _, why_not = self.layout.explain(text)
            out.append({"column": get_column_letter(index + 1), "header": re.sub(r"\s+", " ", str(text)).strip(),
                        "field": self.layout.by_name[column.field].label if column else None,
                        "field_name": column.field if column else None,
                        "reason": column.reason if column else (rejected or why_not),
                        "hidden": index in hidden,
                        "twin": column is None and rejected is None and self.layout.match(text) is not None})
        return out

    def gives(self, field_name: str) -> bool:
        """Whether the file gives a field: a column, or the mapping's value for every row."""
        return field_name in self.column_of or field_name in self.fixed

    def missing_fields(self) -> list[str]:
        return [f.label for f in self.layout.fields if f.name not in self.column_of and f.name not in self.fixed]

    def missing_required(self) -> list[FieldSpec]:
        return [f for f in self.layout.fields if f.required and f.name not in self.column_of
                and f.name not in self.fixed]

    def rows(self) -> Iterator[Row]:
        """Data rows below the header; wholly empty rows are skipped."""
        started = False
        self.notes = list(self.header_notes)
        read = 0
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
            if read == 0 and is_numbering(cells):
                self.notes.append(f"{self._where(sheet, number)}: строка с номерами столбцов пропущена.")
                continue
            end = ends_table(cells)
            if end is not None:
                self.notes.append(f"{self._where(sheet, number)}: «{end[:80]}» — конец таблицы; "
                                  "эта строка и строки ниже не прочитаны как процессы.")
                break
            read += 1
            if read > self.limits.rows:
                raise LimitExceeded(
                    f"{self._where(sheet, number)}: строк данных больше допустимого "
                    f"(не более {self.limits.rows}, CATALOG_IMPORT_MAX_ROWS). Разделите файл.",
                    {"file": [f"строка {number}: больше {self.limits.rows} строк"]})
            values = {c.field: (cells[c.index] if c.index < len(cells) else None) for c in self.columns}
            for name, value in self.fixed.items():
                values.setdefault(name, value)
            yield Row(sheet, number, values, cells)

    def estimate_rows(self) -> int:
        """Data rows below the header, as the file declares them (for a progress bar)."""
        if self.suffix in EXCEL_SUFFIXES:
            sheet = self.workbook()[self.sheet_name]
            total = sheet.max_row or self._count_rows(sheet)
        else:
            with self.path.open("rb") as handle:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return max(0, total - self.header_row)

    def _count_rows(self, sheet) -> int:
        """Rows of a sheet that declares no dimension (openpyxl's write-only files), counted from
        the raw XML (a part already checked against the size limit), without parsing it."""
        pattern = re.compile(rb"<(?:\w+:)?row[\s>/]")
        count, tail = 0, b""
        with sheet._get_source() as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                data = tail + chunk
                count += len(pattern.findall(data))
                tail = data[-16:]
                count -= len(pattern.findall(tail))  # counted again with the next chunk
        return count + len(pattern.findall(tail))

    def header_of(self, field_name: str) -> str:
        column = self.column_of.get(field_name)
        return column.header if column else self.layout.by_name[field_name].label

    def letter_of(self, field_name: str) -> str:
        column = self.column_of.get(field_name)
        return column.letter if column else ""
