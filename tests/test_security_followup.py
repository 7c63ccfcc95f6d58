"""Issue 12 follow-up: variants of the findings that the first fixes did not reach, found by attacking
the merged catalogue again through its pages (redirects of other forms, integers in form fields,
stored files that break the pages drawn from them)."""
from __future__ import annotations

import pytest


@pytest.fixture
def pages(app):
    """Pages as a browser sees them: an unexpected exception is a 500, not a test traceback."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


# -- finding 9: every form's `next`, not only the login's, stays on this site


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/%09/evil.example", "/\r\n/evil.example"])
def test_delete_and_restore_go_back_only_to_this_site(pages, client, seed, make_user, login, target):
    make_user("social", ["agency_editor"], agency_ids=[seed.agency.id])
    login("social")
    deleted = client.post(f"/processes/{seed.process.id}/delete", data={"next": target, "version": 1})
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == f"/processes/{seed.process.id}"
    restored = client.post(f"/processes/{seed.process.id}/restore", data={"next": target})
    assert restored.status_code == 302
    assert restored.headers["Location"] == f"/processes/{seed.process.id}"
    # A path on this site is still followed.
    again = client.post(f"/processes/{seed.process.id}/delete", data={"next": "/processes/?deleted=1", "version": 3})
    assert again.headers["Location"] == "/processes/?deleted=1"
