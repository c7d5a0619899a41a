#!/usr/bin/env bash
# `make bench`: the hot paths over HTTP beside the bare endpoint, on a throw-away PostgreSQL database filled with
# a generated history (BENCH_TICKETS, default 100,000, BENCH_OPEN open; 1,000,000 / 50,000 is the city figure).
# BENCH_DATABASE_URL reuses a database already filled instead. Needs PostgreSQL, Redis and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export FLASK_APP=wsgi SECRET_KEY=bench-hot-paths-secret-key-0123456789
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
url="${BENCH_DATABASE_URL:-}"
made=""
if [[ -z "$url" ]]; then
  name="hotline_bench_$RANDOM$RANDOM"
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $name"
  made="$name"
  trap 'psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $made WITH (FORCE)"' EXIT
  url="postgresql+psycopg://postgres@127.0.0.1:5432/$name"
  export DATABASE_URL="$url"
  $PY -m flask db upgrade heads
  $PY -m flask hotline seed-demo
  time $PY -m flask hotline generate-history --tickets "${BENCH_TICKETS:-100000}" --open "${BENCH_OPEN:-5000}" --days 365
  $PY -m flask hotline train-demo-model
fi
$PY bench/hot_paths.py --database-url "$url" "$@"
