"""Spreadsheet and CSV cells that never run as formulas.

A value a user typed («=HYPERLINK(…)», «+7…», «@…») must reach whoever opens an export as the
text it is, not as a formula Excel or LibreOffice evaluates (CSV injection). In xlsx a cell has a
type, so a string is written as a string cell and keeps its exact value (the register's export
still loads back unchanged). CSV has no types: a text that a spreadsheet would read as a formula
gets a leading apostrophe, the mark spreadsheets themselves use for "this is text".
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value)


def csv_text(value: Any) -> Any:
    """The value as a CSV field that no spreadsheet evaluates."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_text(value) for value in values]


def as_text(cell):
    """The cell itself, typed as a string if openpyxl took its value for a formula (a leading «=»)."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def xlsx_row(sheet, values: Iterable[Any]) -> list[Any]:
    """Cells for ``sheet.append``: every string that could be taken for a formula is a string cell."""
    return [as_text(WriteOnlyCell(sheet, value=value)) if isinstance(value, str) and value.startswith("=") else value
            for value in values]
