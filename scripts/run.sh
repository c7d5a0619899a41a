#!/usr/bin/env bash
# Migrate, seed the demo city, and serve on 127.0.0.1:$PORT (honours DATABASE_URL, REDIS_URL, PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=wsgi
PY=.venv/bin/python
mkdir -p instance
$PY -m flask db upgrade heads
$PY -m flask hotline seed-demo
if [[ -n "${REDIS_URL:-}" ]]; then
  $PY worker.py --schedule &
  worker_pid=$!
  trap 'kill $worker_pid 2>/dev/null || true' EXIT
fi
exec_status=0
$PY -m hotline.serve || exec_status=$?
exit $exec_status
