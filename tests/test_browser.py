"""The lineage picture really draws in a browser, and a hostile name stays text."""
import pytest

from tests.browser import dump_dom
from tests.live_server import serve


@pytest.fixture
def live_server(app):
    with serve(app) as url:
        yield url


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_lineage_picture_draws_and_escapes(live_server, ctx, tiny):
    from catalog.services import records
    process_id = int(tiny.P.split(":")[1])
    records.update_record(ctx, "processes", process_id, {"version": 1, "name": "<img src=x onerror=alert(1)>"})
    dom = dump_dom(f"{live_server}/lineage/processes/{process_id}")
    assert 'data-ready="1"' in dom and 'class="lnode' in dom  # layers.js drew the columns from our server
    assert "<svg" in dom
    assert "<img src=" not in dom.replace("&lt;img src=", "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_still_work_under_the_content_security_policy(live_server, tiny):
    """The policy forbids inline script and style: the app's own scripts still draw the picture
    and colour the legend (static/page.js), and a BPMN page links its file as a download."""
    import urllib.request

    process_id = int(tiny.P.split(":")[1])
    url = f"{live_server}/lineage/processes/{process_id}"
    with urllib.request.urlopen(url) as answer:
        policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    dom = dump_dom(url)
    assert 'data-ready="1"' in dom and 'class="ledges"' in dom  # layers.js ran and drew the edges
    assert 'data-color="#0b5cab" aria-hidden="true" style="color: rgb(11, 92, 171);"' in dom  # page.js ran
