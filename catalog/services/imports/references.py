"""References an agency's register names that the catalogue lacks (issue 15): acts, life situations,
groups. The dry run lists them; the process office (or an editor ``CATALOG_IMPORT_EDITORS_CREATE_REFERENCES``
allows) creates them in the same import; an agency editor downloads the list for the office."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from catalog.enums import ActKind

# How an act's own title says its kind (most specific first).
_ACT_KINDS = (
    (r"^федеральн\w* закон", ActKind.FEDERAL_LAW), (r"постановлени\w* правительства (?:российской федерации|рф)",
                                                    ActKind.GOVERNMENT_DECREE),
    (r"^закон\b", ActKind.REGIONAL_LAW), (r"^постановлени\w*", ActKind.REGIONAL_DECREE),
    (r"административн\w* регламент", ActKind.ADMIN_REGULATION), (r"^приказ", ActKind.ORDER),
)
_NUMBER = re.compile(r"№\s*([\w\-/.]+)")
_DATE = re.compile(r"\bот\s+(\d{1,2})\.(\d{1,2})\.(\d{4})")


def act_values(title: str) -> dict:
    """An act as its title writes it («Закон Кемеровской области от 18.11.2004 № 86-ОЗ»): kind, number,
    date of adoption where the title gives them."""
    key = title.strip().lower().replace("ё", "е")
    kind = next((k.value for pattern, k in _ACT_KINDS if re.search(pattern, key)), ActKind.OTHER.value)
    values = {"name": title.strip(), "kind": kind}
    number = _NUMBER.search(title)
    if number:
        values["number"] = number.group(1).rstrip(".")
    adopted = _DATE.search(title)
    if adopted:
        try:
            values["adopted_on"] = date(int(adopted.group(3)), int(adopted.group(2)), int(adopted.group(1))).isoformat()
        except ValueError:
            pass
    return values


def write_list(unknown: dict[str, list[str]], target: Path, agency_name: str, file_name: str) -> Path:
    """The list for the process office: one row per missing reference, as a table it can load."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from catalog.cells import xlsx_row

    book = Workbook()
    sheet = book.active
    sheet.title = "Нет в каталоге"
    sheet.append([f"Нет в каталоге: справочники реестра «{file_name}» ({agency_name})"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(["Справочник", "Наименование", "Вид акта", "Номер", "Дата принятия"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for label, names in unknown.items():
        for name in names:
            act = act_values(name) if "акт" in label.lower() else {}
            row = [label, name, ActKind.label_of(act["kind"]) if act else None, act.get("number"),
                   act.get("adopted_on")]
            sheet.append(xlsx_row(sheet, row))
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 80
    book.save(target)
    return target
