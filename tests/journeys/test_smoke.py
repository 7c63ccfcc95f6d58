"""The journey harness itself: the demo is served and a person can log in and out."""
from tests.journeys.conftest import login


def test_a_demo_user_logs_in_and_sees_the_catalogue(page):
    page.goto("/")
    assert page.title()
    login(page, "reader")
    assert page.get_by_text("Выйти").count() >= 1
