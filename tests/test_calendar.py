"""The production calendar: working-day arithmetic across holidays and moved days, its CLI and API."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from catalog.errors import Forbidden, InvalidInput
from catalog.services import calendar
from catalog.services.context import Context


def test_official_calendars_have_the_published_number_of_working_days(ctx):
    cal = calendar.load(ctx)
    for year in (2025, 2026):
        days = [date(year, 1, 1) + timedelta(days=i) for i in range(365)]
        assert sum(cal.is_working(d) for d in days) == 247
    assert calendar.years(ctx) == [2025, 2026]


def test_working_days_across_holidays_and_moved_days(ctx):
    # Friday 31 October 2025 + 1 working day is Saturday 1 November (a working Saturday);
    # 3 and 4 November are days off, so the third working day is Thursday 6 November.
    assert calendar.add_working_days(ctx, date(2025, 10, 31), 1) == date(2025, 11, 1)
    assert calendar.add_working_days(ctx, date(2025, 10, 31), 3) == date(2025, 11, 6)
    # The New Year holidays of 2026 run to Friday 9 January.
    assert calendar.add_working_days(ctx, date(2025, 12, 30), 1) == date(2026, 1, 12)
    # 8 March 2026 is a Sunday: Monday 9 March is off.
    assert calendar.add_working_days(ctx, date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert calendar.add_working_days(ctx, date(2026, 3, 10), -1) == date(2026, 3, 6)
    assert calendar.add_working_days(ctx, date(2026, 3, 9), 0) == date(2026, 3, 9)
    assert calendar.working_days_between(ctx, date(2025, 10, 31), date(2025, 11, 6)) == 3
    assert calendar.working_days_between(ctx, date(2025, 11, 6), date(2025, 10, 31)) == -3
    assert calendar.working_days_between(ctx, date(2025, 12, 31), date(2026, 1, 9)) == 0
    cal = calendar.load(ctx)
    for start in (date(2025, 4, 28), date(2025, 12, 29), date(2026, 5, 8)):
        for n in range(0, 15):
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_a_day_set_and_cleared_changes_the_arithmetic(ctx, make_user):
    # No 2027 data: the Labour Code holidays (1–8 January), then Monday 11 January.
    assert calendar.add_working_days(ctx, date(2027, 1, 1), 1) == date(2027, 1, 11)
    calendar.set_day(ctx, {"day": "2027-01-04", "kind": "holiday", "note": "Новогодние каникулы"})
    calendar.set_day(ctx, {"day": "2027-01-02", "kind": "workday"})
    assert calendar.add_working_days(ctx, date(2027, 1, 1), 1) == date(2027, 1, 2)
    assert calendar.add_working_days(ctx, date(2027, 1, 1), 2) == date(2027, 1, 5)
    calendar.clear_day(ctx, date(2027, 1, 2))
    assert calendar.add_working_days(ctx, date(2027, 1, 1), 1) == date(2027, 1, 5)
    with pytest.raises(InvalidInput) as error:
        calendar.set_day(ctx, {"day": "2027-13-01", "kind": "выходной"})
    assert set(error.value.fields) == {"day", "kind"}
    reader = make_user("reader", ["reader"])
    with pytest.raises(Forbidden):
        calendar.set_day(Context(session=ctx.session, user=reader, settings=ctx.settings),
                         {"day": "2027-01-05", "kind": "holiday"})


def test_csv_import_is_all_or_nothing(ctx):
    with pytest.raises(InvalidInput) as error:
        calendar.import_csv(ctx, "date,kind,note\n2027-01-05,holiday,ok\n2027-02-30,holiday,bad\n")
    assert list(error.value.fields) == ["строка 3: day"]
    ctx.session.rollback()
    assert calendar.list_days(ctx, 2027) == []
    assert calendar.import_csv(ctx, "date,kind,note\n2027-01-05,holiday,каникулы\n2027-01-06,holiday,\n") == 2
    assert [d.day for d in calendar.list_days(ctx, 2027)] == [date(2027, 1, 5), date(2027, 1, 6)]


def test_calendar_cli(runner, tmp_path):
    shown = runner.invoke("calendar", "show", "2025").output
    assert "2025: 247\u00a0рабочих дней" in shown and "01.01.2025\t" in shown
    assert "2027-01-01" in runner.invoke("calendar", "set", "2027-01-01", "holiday", "--note", "Новый год").output
    path = tmp_path / "cal.csv"
    path.write_text("date,kind,note\n2027-01-02,holiday,\n2027-01-09,workday,суббота\n", encoding="utf-8")
    assert "2" in runner.invoke("calendar", "import", str(path)).output
    out = runner.invoke("calendar", "add", "2026-12-30", "2").output
    assert "2027-01-05" in out  # Dec 31 2026 off, Jan 1, 2 off; Jan 4 Monday, Jan 5
    assert runner.invoke("calendar", "between", "2025-10-31", "2025-11-06").output.strip() == "3"
    bad = runner.invoke("calendar", "set", "2027-01-01", "maybe")
    assert bad.exit_code != 0


def test_calendar_api_and_page(client, make_user, token_for, login):
    days = client.get("/api/v1/calendar?year=2025").get_json()
    assert days["working_days"] == 247 and {"day": "2025-11-01", "kind": "workday",
                                           "note": "Рабочая суббота: выходной перенесён на 3 ноября"} in days["items"]
    answer = client.get("/api/v1/calendar/working-days?from=2025-10-31&days=3").get_json()
    assert answer["date"] == "2025-11-06"
    assert client.get("/api/v1/calendar/working-days?from=2025-10-31&to=2025-11-06").get_json()["working_days"] == 3
    assert client.get("/api/v1/calendar/working-days?from=вчера&days=3").status_code == 422
    office = token_for(make_user("office", ["process_office"]))
    reader = token_for(make_user("reader", ["reader"]))
    assert client.put("/api/v1/calendar/2027-01-04", json={"kind": "holiday"}, headers=reader).status_code == 403
    put = client.put("/api/v1/calendar/2027-01-04", json={"kind": "holiday", "note": "каникулы"}, headers=office)
    assert put.status_code == 200 and put.get_json()["kind"] == "holiday"
    assert client.put("/api/v1/calendar/2027-01-04", json={"kind": "x"}, headers=office).get_json()["fields"]["kind"]
    assert client.delete("/api/v1/calendar/2027-01-04", headers=office).status_code == 204
    assert client.post("/calendar", data={"day": "2030-01-01", "kind": "holiday"}).headers["Location"].startswith("/login")
    login("office")
    cleared = client.post("/calendar", data={"day": "2030-01-01", "clear": "1"}, follow_redirects=True)
    assert "День 01.01.2030 не отмечен в календаре." in cleared.get_data(as_text=True)
    client.post("/calendar", data={"day": "2030-01-01", "kind": "holiday", "note": "Новый год"})
    assert "Новый год" in client.get("/calendar?year=2030").get_data(as_text=True)
    page = client.get("/calendar?year=2026").get_data(as_text=True)
    assert "Производственный календарь" in page and "09.01.2026" in page


def test_an_unloaded_year_counts_on_the_labour_code_holidays_and_says_so(ctx, client):
    """Issue 16: for 2027 (no calendar loaded) 1 January was a working day, without a warning. Labour Code
    art. 112 part 1: 1–8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November are holidays."""
    assert 2027 not in calendar.years(ctx)
    found = calendar.add_working_days_reckoned(ctx, date(2026, 12, 29), 1)
    assert found.value == date(2026, 12, 30) and found.warning is None  # all in the loaded 2026
    # Wednesday 30 December 2026 + 1 working day: 31 December off (2026 calendar), 1–8 January 2027
    # off (the Labour Code), 9–10 the weekend.
    found = calendar.add_working_days_reckoned(ctx, date(2026, 12, 30), 1)
    assert found.value == date(2027, 1, 11)
    assert found.unloaded_years == (2027,)
    assert "Производственный календарь на 2027 год не загружен" in found.warning
    assert "статьи 112 Трудового кодекса" in found.warning
    # Monday 22 February 2027 + 1: Tuesday 23 February is Defender of the Fatherland Day.
    assert calendar.add_working_days_reckoned(ctx, date(2027, 2, 22), 1).value == date(2027, 2, 24)
    # 2027: 365 days, 104 of weekends, 9 of the 14 holidays on weekdays.
    year = calendar.working_days_between_reckoned(ctx, date(2026, 12, 31), date(2027, 12, 31))
    assert year.value == 365 - 104 - 9 and year.unloaded_years == (2027,)
    answer = client.get("/api/v1/calendar/working-days?from=2026-12-30&days=1").get_json()
    assert answer["date"] == "2027-01-11" and answer["calendar_not_loaded"] == [2027]
    assert "не загружен" in answer["calendar_warning"]
    loaded = client.get("/api/v1/calendar/working-days?from=2025-10-31&days=3").get_json()
    assert loaded["calendar_not_loaded"] == [] and loaded["calendar_warning"] is None
    page = client.get("/calendar?year=2027").get_data(as_text=True)
    assert "Производственный календарь на 2027 год не загружен" in page


def test_a_project_counted_over_an_unloaded_year_says_so(ctx, seed, client, make_user, token_for, monkeypatch):
    """An application received on 30.12.2026 is due three working days later, in 2027, whose calendar is not
    loaded: the project's page and the API say the answer was counted on the Labour Code holidays."""
    from datetime import datetime, timezone

    from catalog.services import entry_dates, projects

    # Entered on the day it was received (a date the server has not reached is refused, issue 16).
    monkeypatch.setattr(entry_dates, "now", lambda: datetime(2026, 12, 30, 9, tzinfo=timezone.utc))

    project = projects.create_project(ctx, {"process_id": seed.process.id, "ground": "application",
                                            "initiated_on": "2026-12-30", "application_submitted_on": "2026-12-30"})
    assert project.application_due_on == date(2027, 1, 13)  # 31.12 off (2026), 1–8.01 (art. 112), 11, 12, 13
    token = token_for(make_user("office", ["process_office"]))
    answer = client.get(f"/api/v1/projects/{project.id}", headers=token).get_json()
    assert "Производственный календарь на 2027 год не загружен" in answer["calendar_warning"]
    assert "Производственный календарь на 2027 год не загружен" in client.get(f"/projects/{project.id}").get_data(as_text=True)
