"""Browser benchmark on the demo region: page loads and the lineage picture's time to interactive.

    .venv/bin/python benchmarks/browser.py              # 7 rounds of each page
    .venv/bin/python benchmarks/browser.py --rounds 15

Loads the demo into a temporary instance (`catalog init` + `catalog demo`), serves it with waitress
on loopback, logs in as the demo architect and opens each page in Debian's Chromium through
Playwright, a fresh navigation per round (the browser cache stays warm, as for a person who works
in the catalogue). Reported per page, as medians:

- server: the HTML answer (responseEnd − requestStart of the navigation);
- load: the load event (loadEventEnd of the navigation), what the issue asks for;
- interactive (lineage pages): the picture drawn and its buttons live — static/layers.js marks
  «lineage-ready» after its first draw — and the end of the last long task (> 50 ms) before it;
- click → panel: from a click on a record of the picture until the side panel shows it;
- group opened: from a click on the «+» of the «Процессы: …» group until the picture is redrawn
  without it (the server answers the new picture, the page draws it).

Prints a Markdown table; the figures in docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.browser import FLAGS, chromium  # noqa: E402

PASSWORD = "catalog-demo"
PROCESS = "Рассмотрение документов и принятие решения о назначении выплаты на ребёнка"
SED = "Региональная система электронного документооборота Приволжской области"

NAVIGATION = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  const ready = performance.getEntriesByName("lineage-ready")[0];
  const tasks = (window.__longTasks || []).filter(t => !ready || t.startTime < ready.startTime);
  const lastTask = tasks.length ? Math.max(...tasks.map(t => t.startTime + t.duration)) : 0;
  return {server: n.responseEnd - n.requestStart, load: n.loadEventEnd,
          ready: ready ? Math.max(ready.startTime, lastTask) : null,
          nodes: document.querySelectorAll(".lnode").length};
}"""

# Long tasks are only reported to observers that exist when they happen: register before any script.
OBSERVE_LONG_TASKS = """
window.__longTasks = [];
try {
  new PerformanceObserver(list => { window.__longTasks.push(...list.getEntries()); })
    .observe({type: "longtask", buffered: true});
} catch (e) {}
"""


def demo_instance(root: Path) -> Path:
    from catalog.cli import main

    env = {"CATALOG_INSTANCE": str(root), "CATALOG_SECRET_KEY": "benchmark-secret"}
    for command in (["init"], ["demo"]):
        result = CliRunner().invoke(main, ["--database-url", f"sqlite:///{root / 'catalog.db'}", *command], env=env)
        if result.exit_code != 0:
            raise SystemExit(result.output)
    return root


def serve(instance: Path):
    """The demo app on a loopback port (tests/live_server.py); ``server.close()`` stops it cleanly."""
    from contextlib import ExitStack

    from tests.live_server import serve as serve_app
    from web import create_app

    app = create_app(instance_path=instance, database_url=f"sqlite:///{instance / 'catalog.db'}",
                     secret_key="benchmark-secret")
    server = ExitStack()
    url = server.enter_context(serve_app(app, threads=4))
    return app, server, url


def record_id(instance: Path, model, name: str) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(f"sqlite:///{instance / 'catalog.db'}")
    try:
        with Session(engine) as session:
            return session.scalar(select(model.id).where(model.name == name))
    finally:
        engine.dispose()


def median(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    return f"{statistics.median(values):.0f} ms" if values else "—"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from catalog import models

    started = time.monotonic()
    instance = demo_instance(Path(tempfile.mkdtemp(prefix="catalog-browser-bench-")) / "instance")
    app, server, url = serve(instance)
    process_id = record_id(instance, models.Process, PROCESS)
    sed_id = record_id(instance, models.InformationSystem, SED)
    pages = [
        ("home page", "/"),
        ("a process page", f"/processes/{process_id}"),
        ("search with a facet («лицензия», processes)", "/search?q=лицензия&kind=processes"),
        ("dashboard", "/dashboard"),
        ("lineage of a process (upstream, depth 2)", f"/lineage/processes/{process_id}"),
        ("lineage of the regional СЭД (downstream, depth 2: 259 records)", f"/lineage/systems/{sed_id}"),
        ("lineage of the regional СЭД, both ways, depth 3 (382 records, the cap)",
         f"/lineage/systems/{sed_id}?direction=both&depth=3"),
    ]
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=[f for f in FLAGS if f != "--headless"])
        context = browser.new_context(base_url=url, locale="ru-RU", viewport={"width": 1366, "height": 900},
                                      bypass_csp=True)  # lets evaluate() read the timings; the pages are unchanged
        context.add_init_script(OBSERVE_LONG_TASKS)
        tab = context.new_page()
        tab.goto("/login")
        tab.fill("input[name=login]", "architect")
        tab.fill("input[name=password]", PASSWORD)
        tab.get_by_role("button", name="Войти", exact=True).click()
        tab.wait_for_load_state()
        for name, path in pages:
            samples = []
            clicks = []
            opens = []
            for round_number in range(args.rounds + 1):  # the first round warms the cache and is dropped
                answer = tab.goto(path, wait_until="load")
                if answer.status != 200:
                    raise SystemExit(f"{path}: {answer.status}")
                lineage = "/lineage/" in path
                if lineage:
                    tab.wait_for_selector("#layers[data-ready='1']")
                measured = tab.evaluate(NAVIGATION)
                if lineage:
                    first = tab.locator(".lnode:not(.root) .lnode-main").first
                    title = first.locator(".lnode-title").inner_text()
                    clicked = time.perf_counter()
                    first.click()
                    tab.locator("#lineage-panel .panel-title", has_text=title).wait_for()
                    if round_number:
                        clicks.append((time.perf_counter() - clicked) * 1000)
                    group = tab.locator(".lnode.cluster").filter(has_text="Процессы:").first
                    if group.count():
                        uid = group.get_attribute("data-uid")
                        clicked = time.perf_counter()
                        group.locator(".lnode-toggle").click()
                        tab.locator(f'.lnode[data-uid="{uid}"]').wait_for(state="detached")
                        if round_number:
                            opens.append((time.perf_counter() - clicked) * 1000)
                if round_number:
                    samples.append(measured)
            nodes = samples[-1]["nodes"]
            rows.append((name, median([s["server"] for s in samples]), median([s["load"] for s in samples]),
                         median([s["ready"] for s in samples]) if "/lineage/" in path else "—",
                         median(clicks) if clicks else "—", median(opens) if opens else "—",
                         str(nodes) if "/lineage/" in path else "—"))
        browser.close()
    server.close()
    print(f"Chromium {chromium()}, {args.rounds} rounds per page, demo region; {time.monotonic() - started:.0f} s in all.\n")
    print("| page | server (HTML) | load event | interactive | click → panel | «Процессы» group opened | cards drawn |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
