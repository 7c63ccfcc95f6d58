"""Benchmark of an app's start: ``create_app`` on an empty migrated SQLite store, then its first pages.

    .venv/bin/python benchmarks/startup.py --apps 20

Every server process (gunicorn worker) makes one app; the test suite makes one a test, about two thousand a
run, so a tenth of a second here is minutes of the suite. Prints a Markdown table; the figures in
docs/benchmarks.md come from it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.db import make_engine, migrate  # noqa: E402
from web import create_app  # noqa: E402

FIRST_PAGES = ("/", "/login", "/processes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=20, help="apps made and measured (after one warm-up)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="catalog-startup-"))
    try:
        template = root / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        migrate(engine)
        engine.dispose()
        made, served, document = [], [], []
        for i in range(args.apps + 1):
            folder = root / f"app{i}"
            folder.mkdir()
            shutil.copy(template, folder / "catalog.db")
            started = time.perf_counter()
            app = create_app(database_url=f"sqlite:///{folder / 'catalog.db'}", instance_path=folder / "instance",
                             secret_key="benchmark")
            created = time.perf_counter()
            client = app.test_client()
            for path in FIRST_PAGES:
                assert client.get(path).status_code < 400, path
            pages = time.perf_counter()
            assert client.get("/api/v1/openapi.json").status_code == 200
            documented = time.perf_counter()
            app.extensions["catalog"].close()
            if i:  # the first app pays the imports
                made.append((created - started) * 1000)
                served.append((pages - created) * 1000)
                document.append((documented - pages) * 1000)
        rules = len(list(app.url_map.iter_rules()))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def figure(samples: list[float]) -> str:
        return f"p50 {statistics.median(samples):.1f} ms, mean {statistics.mean(samples):.1f} ms".replace(".", ",")

    print("| an app's start | |\n|---|---|")
    print(f"| load average at the end | {' / '.join(f'{v:.2f}' for v in os.getloadavg())} |")
    print(f"| routes | {rules} |")
    print(f"| `create_app`, {args.apps} apps | {figure(made)} |")
    print(f"| its first pages ({', '.join(FIRST_PAGES)}) | {figure(served)} |")
    print(f"| its first OpenAPI document | {figure(document)} |")


if __name__ == "__main__":
    main()
