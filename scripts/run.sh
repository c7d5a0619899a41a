#!/usr/bin/env bash
# Migrate, seed the demo city, and serve on 127.0.0.1:$PORT (honours DATABASE_URL, REDIS_URL, PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi
PY=.venv/bin/python
mkdir -p instance
$PY -m flask db upgrade heads
$PY -m flask hotline seed-demo
# A modest history (90 days, 3,000 tickets, 300 open) so the dashboard, reports and hot spots are not empty;
# only into an empty database.
$PY -m flask hotline generate-history --tickets 3000 --open 300 --days 90 --if-empty
pids=()
# The demo classifier trains from ../shared/data in the background (about a minute); the server starts at
# once and serves suggestions from the model as soon as it is active. A model already active is kept.
$PY -m flask hotline train-demo-model &
pids+=($!)
if [[ -n "${REDIS_URL:-}" ]]; then
  $PY worker.py --schedule &
  pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
$PY -m hotline.serve
