#!/usr/bin/env bash
# Install the catalogue, load the demo region into the embedded SQLite store and start the server.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  echo "Создаю окружение Python в .venv…"
  python3 -m venv .venv
fi
echo "Устанавливаю зависимости…"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/catalog init
.venv/bin/catalog demo --if-empty
exec .venv/bin/catalog serve "$@"
