#!/usr/bin/env bash
# Install what the tests need and run them, on SQLite and on a throwaway PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
exec .venv/bin/python -m pytest -n 2 "$@"
