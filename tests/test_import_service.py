"""The one import path (catalog.services.imports): partial loads keep rows whole with what they
depend on, the dry run reports what the real load does, the readers know only files, and a change
made by ``catalog import`` re-checks the system requests it touches."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import models
from catalog.services import imports
from tests.test_import_register import BAD_ROWS, PERSON, good_rows, make_register, processes_of, situations  # noqa: F401

SERVICE = "Назначение ежемесячной выплаты на ребёнка"


def row(key, links="", status="идёт исследование"):
    return [key, f"Процесс {key}", SERVICE, "", PERSON, status, "", links, "цифровой", ""]


def test_partial_load_writes_no_row_that_links_to_a_refused_row(runner, ctx, seed, tmp_path):
    """Issue 13: with --partial a row linking to a refused row was written though counted as refused."""
    rows = [row("101", links="102"),              # row 5: links forward to the refused row 6
            row("102", status="завершён"),        # row 6: refused (unknown status)
            row("103", links="102"),              # row 7: links back to the refused row 6
            row("104", links="101"),              # row 8: links to row 5, refused in its turn
            row("105", links="106"), row("106", links="105"),  # rows 9-10: link to each other, both good
            row("107")]                           # row 11: on its own
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--partial")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "создано 3, изменено 0, без изменений 0, отклонено 4" in out
    assert "строка 5, столбец I «Связь с другими процессами»: процесс «102» не загружен: в его строке 6 есть ошибки" in out
    assert "строка 7, столбец I «Связь с другими процессами»: процесс «102» не загружен: в его строке 6" in out
    assert "строка 8, столбец I «Связь с другими процессами»: процесс «101» не загружен: в его строке 5" in out
    stored = processes_of(ctx, seed.agency.id)
    assert set(stored) == {"001", "105", "106", "107"}  # nothing of the refused rows, nor of those linking to them
    linked = set(ctx.session.execute(select(models.Link.source_id, models.Link.target_id).where(
        models.Link.link_type == "LINKED_TO", models.Link.deleted_at.is_(None))).all())
    assert linked == {(stored["105"].id, stored["106"].id), (stored["106"].id, stored["105"].id)}


def test_rows_linking_to_each_other_are_refused_together_when_one_fails_to_write(runner, ctx, seed, tmp_path):
    too_long = row("202", links="201")
    too_long[1] = "П" * 1001  # refused by the service when written, not when read
    rows = [row("201", links="202"), too_long, row("204")]
    path = make_register(tmp_path / "реестр.xlsx", rows)
    result = runner.invoke("import", "register", str(path), "--agency", "MINSOC", "--partial")
    assert result.exit_code == 0, result.output
    assert "создано 1, изменено 0, без изменений 0, отклонено 2" in result.output
    assert "строка 5, столбец I «Связь с другими процессами»: процесс «202» не загружен: в его строке 6" in result.output
    assert set(processes_of(ctx, seed.agency.id)) == {"001", "204"}
    assert not ctx.session.scalars(select(models.Link).where(models.Link.link_type == "LINKED_TO")).all()


def test_partial_load_refuses_the_rows_of_a_dataset_whose_first_row_was_refused(runner, ctx, seed, tmp_path):
    from tests.test_import_records import write_csv

    path = write_csv(tmp_path / "данные.csv", [
        ["Набор данных", "Обладатель данных", "Сущность", "Атрибут", "Код атрибута", "Тип данных"],
        ["Реестр получателей", "НЕТ ТАКОГО", "Получатель", "СНИЛС", "snils", "строка"],  # row 2: unknown owner
        ["Реестр получателей", "", "Получатель", "Дата рождения", "birth_date", "дата"],  # its dataset's rows
        ["Реестр получателей", "", "Выплата", "Сумма", "amount", "число"],
        ["Реестр выплат", "MINSOC", "Выплата", "Сумма", "amount", "число"],  # row 5: its own dataset
    ])
    result = runner.invoke("import", "datasets", str(path), "--partial")
    assert result.exit_code == 0, result.output
    assert "создано 1, изменено 0, без изменений 0, отклонено 3" in result.output
    assert "строка 3, столбец A «Набор данных»: набор данных «Реестр получателей» не загружен: в его строке 2 " \
           "есть ошибки" in result.output
    ctx.session.expire_all()
    names = set(ctx.session.scalars(select(models.Dataset.name)))
    assert "Реестр получателей" not in names and "Реестр выплат" in names
    assert set(ctx.session.scalars(select(models.Attribute.code))) == {"amount"}
