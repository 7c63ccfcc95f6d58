"""The cost calculator against cases worked out by hand, what-if, the Excel export, the checklist of 8.3."""
from __future__ import annotations

import io

import pytest

from catalog.errors import BadParameter, Forbidden, InvalidInput
from catalog.services import costs, passports
from catalog.services.context import Context

# A specialist: 60 000 a month × 12 × 1.3 ÷ 1 800 hours = 520 roubles an hour.
SPECIALIST = {"name": "главный специалист", "monthly_pay": 60000, "payroll_coefficient": 1.3, "annual_hours": 1800}
# A head of unit: 90 000 × 12 × 1.3 ÷ 1 800 = 780 an hour.
HEAD = {"name": "начальник отдела", "monthly_pay": 90000, "payroll_coefficient": 1.3, "annual_hours": 1800}


@pytest.fixture
def variants(ctx, seed):
    specialist = costs.save_position(ctx, SPECIALIST)
    head = costs.save_position(ctx, HEAD)
    resources = [{"kind": "materials", "name": "бумага и печать", "unit_cost": 5, "quantity": 2, "per": "instance"},
                 {"kind": "systems", "name": "сопровождение системы", "unit_cost": 120000, "quantity": 1, "per": "year"}]
    as_is = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, as_is.id, {"version": as_is.version, "instances_per_year": 1000, "resources": resources,
                                            "steps": [
        {"name": "Приём заявления", "duration_minutes": 30, "times_per_year": 1000, "position_id": specialist.id},
        {"name": "Проверка", "duration_minutes": 15, "times_per_year": 1000, "position_id": specialist.id},
        {"name": "Подпись решения", "duration_minutes": 5, "times_per_year": 1000, "position_id": head.id}]})
    to_be = passports.create_passport(ctx, seed.process.id, "to_be")
    passports.save_passport(ctx, to_be.id, {"version": to_be.version, "instances_per_year": 1000,
                                            "resources": resources[1:], "steps": [
        {"name": "Проверка заявления с ЕПГУ", "duration_minutes": 10, "times_per_year": 1000, "position_id": specialist.id},
        {"name": "Решение", "duration_minutes": 0, "times_per_year": 1000, "is_automated": True}]})
    return {"specialist": specialist, "head": head, "as_is": as_is, "to_be": to_be}


def test_costs_worked_out_by_hand(ctx, seed, variants):
    assert variants["specialist"].hourly_cost == pytest.approx(520)
    result = costs.process_costs(ctx, seed.process.id)
    as_is, to_be = result.costs["as_is"], result.costs["to_be"]
    # AS-IS labour: 500 h × 520 + 250 h × 520 + 83⅓ h × 780 = 260 000 + 130 000 + 65 000.
    assert [round(s.per_year, 2) for s in as_is.steps] == [260000, 130000, 65000]
    assert [round(s.per_occurrence, 2) for s in as_is.steps] == [260, 130, 65]
    assert as_is.by_kind["labour"] == pytest.approx(455000)
    assert as_is.by_kind["materials"] == pytest.approx(10000)  # 5 × 2 a case × 1 000 cases
    assert as_is.by_kind["systems"] == pytest.approx(120000)
    assert as_is.per_year == pytest.approx(585000) and as_is.per_instance == pytest.approx(585)
    # TO-BE: 166⅔ h × 520 = 86 666.67, plus the system 120 000.
    assert to_be.per_year == pytest.approx(206666.6667)
    # Effect: 378 333.33 a year; hours 833⅓ − 166⅔ = 666⅔; FTE (750 − 166⅔)/1 800 + 83⅓/1 800 = 0.37037.
    assert result.effect.money_per_year == pytest.approx(378333.3333)
    assert result.effect.hours_per_year == pytest.approx(666.6667, rel=1e-6)
    assert result.effect.fte == pytest.approx(0.370370, rel=1e-5)
    assert result.effect.share == pytest.approx(378333.3333 / 585000)


def test_what_if_changes_nothing_stored(ctx, seed, variants):
    changed = costs.process_costs(ctx, seed.process.id, {
        "to_be": {"steps": {"1": {"duration_minutes": 20}}, "instances_per_year": 2000},
        "as_is": {"positions": {str(variants["specialist"].id): {"monthly_pay": 30000}}}})
    assert changed.costs["to_be"].steps[0].per_year == pytest.approx(20 / 60 * 520 * 1000)
    assert changed.costs["to_be"].per_instance == pytest.approx((173333.3333 + 120000) / 2000)
    assert changed.costs["as_is"].steps[0].per_year == pytest.approx(130000)  # half the pay
    again = costs.process_costs(ctx, seed.process.id)
    assert again.costs["to_be"].steps[0].per_year == pytest.approx(86666.6667)
    assert passports.get_passport(ctx, variants["to_be"].id).steps[0].duration_minutes == 10
    for bad, path in (({"to_be": {"steps": {"9": {"duration_minutes": 1}}}}, "to_be.steps.9"),
                      ({"to_be": {"steps": {"1": {"duration_minutes": -1}}}}, "to_be.steps.1.duration_minutes"),
                      ({"to_be": {"steps": {"1": {"name": "x"}}}}, "to_be.steps.1.name"),
                      ({"to_be": {"colour": 1}}, "to_be.colour")):
        with pytest.raises(BadParameter) as error:
            costs.process_costs(ctx, seed.process.id, bad)
        assert path in error.value.fields


def test_steps_without_a_position_are_reported(ctx, seed):
    draft = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, draft.id, {"version": draft.version, "steps": [{"name": "Звонок", "duration_minutes": 5}],
                                            "resources": [{"kind": "other", "name": "связь", "unit_cost": 1, "per": "instance"}]})
    cost = costs.process_costs(ctx, seed.process.id).costs["as_is"]
    assert cost.warnings == ["Шаг 1 «Звонок»: не указана должность, труд не оценён.",
                             "Ресурс «связь» считается на экземпляр, а число экземпляров в год не указано."]
    assert cost.per_instance is None


def test_positions_are_kept_by_the_process_office(ctx, make_user):
    reader = make_user("reader", ["reader"])
    with pytest.raises(Forbidden):
        costs.save_position(Context(session=ctx.session, user=reader, settings=ctx.settings), SPECIALIST)
    with pytest.raises(InvalidInput) as error:
        costs.save_position(ctx, {**SPECIALIST, "monthly_pay": 0, "annual_hours": 0})
    assert set(error.value.fields) == {"monthly_pay", "annual_hours"}
    costs.save_position(ctx, SPECIALIST)
    with pytest.raises(InvalidInput) as error:
        costs.save_position(ctx, SPECIALIST)
    assert error.value.fields == {"name": ["Такая должность уже есть в справочнике."]}


def test_criteria_checklist_of_a_to_be_variant(ctx, seed, variants, make_user):
    office = Context(session=ctx.session, user=make_user("office", ["process_office"]), settings=ctx.settings)
    with pytest.raises(InvalidInput):
        passports.set_criteria(office, variants["as_is"].id, {"version": variants["as_is"].version,
                                                               "criteria": {"proactive": {"met": True}}})
    passport = passports.set_criteria(office, variants["to_be"].id, {"version": variants["to_be"].version, "criteria": {
        "registry": {"met": True, "evidence": "результат — запись в реестре"},
        "multichannel": {"met": True, "evidence": "ЕПГУ и МФЦ"}}})
    assert passports.unmet_criteria(passport) == ["proactive", "exterritorial", "no_human_decision", "no_human_interagency"]
    with pytest.raises(InvalidInput) as error:
        passports.set_criteria(office, variants["to_be"].id, {"version": variants["to_be"].version,
                                                               "criteria": {"telepathy": {"met": True}}})
    assert "criteria.telepathy.key" in error.value.fields or "criteria" in str(error.value.fields)


def test_costs_api_page_cli_and_excel(client, runner, seed, variants, tmp_path):
    from openpyxl import load_workbook

    answer = client.get(f"/api/v1/processes/{seed.process.id}/costs").get_json()
    assert answer["variants"]["as_is"]["per_year"] == 585000 and answer["effect"]["money_per_year"] == 378333.33
    what_if = client.post(f"/api/v1/processes/{seed.process.id}/costs/what-if",
                          json={"to_be": {"steps": {"1": {"times_per_year": 500}}}}).get_json()
    assert what_if["what_if"] and what_if["variants"]["to_be"]["per_year"] == 163333.33
    bad = client.post(f"/api/v1/processes/{seed.process.id}/costs/what-if", json={"to_be": {"steps": {"1": {"times_per_year": "много"}}}})
    assert bad.status_code == 422 and bad.get_json()["fields"] == {"to_be.steps.1.times_per_year": ["Ожидается число."]}
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/processes/{seed.process.id}/costs.xlsx").data))
    assert book.sheetnames == ["Итого", "Шаги AS-IS", "Ресурсы AS-IS", "Шаги TO-BE", "Ресурсы TO-BE"]
    assert book["Итого"]["B3"].value == 585000
    page = client.get(f"/processes/{seed.process.id}/costs").get_data(as_text=True)
    assert "378\u00a0333,33 руб." in page and "Калькулятор стоимости процесса" in page
    page = client.post(f"/processes/{seed.process.id}/costs", data={"to_be-steps-1-duration_minutes": "20"})
    assert "Расчёт «что если»" in page.get_data(as_text=True) and "173\u00a0333,33" in page.get_data(as_text=True)
    out = runner.invoke("costs", str(seed.process.id), "--xlsx", str(tmp_path / "c.xlsx")).output
    assert "AS-IS (текущее состояние)\tв год 585\u00a0000,00\u00a0руб.\tэкземпляр 585,00\u00a0руб." in out and (tmp_path / "c.xlsx").exists()


def test_an_agencys_pay_table_replaces_the_regions_in_its_processes_costs(ctx, seed):
    """Pay differs between agencies: the region's table is the default, an agency's own row of the same
    position is used for that agency's processes (and only for them)."""
    region = costs.save_position(ctx, SPECIALIST)  # 520 an hour
    costs.save_position(ctx, {**SPECIALIST, "monthly_pay": 75000, "agency_id": seed.agency.id})  # 650 an hour
    with pytest.raises(InvalidInput) as caught:
        costs.save_position(ctx, {**SPECIALIST, "agency_id": seed.agency.id})
    assert "уже есть в таблице окладов органа" in caught.value.fields["name"][0]
    from catalog.services import records as r

    other = r.create_record(ctx, "processes", {
        "agency_id": seed.other_agency.id, "registry_id": "002", "service_id": seed.service.id,
        "name": "Проверка сведений", "responsible_id": seed.other_person.id, "status": "queued_research"})
    for process in (seed.process, other):
        passport = passports.create_passport(ctx, process.id, "as_is")
        passports.save_passport(ctx, passport.id, {"version": passport.version, "instances_per_year": 100, "steps": [
            {"name": "Приём", "duration_minutes": 60, "times_per_year": 100, "position_id": region.id}]})
    # 100 hours: at the agency's pay 65 000, at the region's 52 000.
    assert costs.process_costs(ctx, seed.process.id).costs["as_is"].per_year == pytest.approx(65000)
    assert costs.process_costs(ctx, other.id).costs["as_is"].per_year == pytest.approx(52000)


def test_resources_of_every_kind_leningrad_lists(ctx, seed):
    """Leningrad 2.12: labour, intangible assets, equipment, materials, financial resources and others."""
    from catalog.enums import ResourceKind

    assert {"intangible", "financial", "equipment", "materials", "labour", "other"} <= set(ResourceKind.values())
    passport = passports.create_passport(ctx, seed.process.id, "as_is")
    passports.save_passport(ctx, passport.id, {"version": passport.version, "instances_per_year": 10, "resources": [
        {"kind": "intangible", "name": "лицензия на программу", "unit_cost": 30000, "quantity": 1, "per": "year"},
        {"kind": "financial", "name": "комиссия банка за перевод выплаты", "unit_cost": 15, "quantity": 1,
         "per": "instance"}]})
    result = costs.process_costs(ctx, seed.process.id).costs["as_is"]
    assert result.by_kind["intangible"] == pytest.approx(30000) and result.by_kind["financial"] == pytest.approx(150)
