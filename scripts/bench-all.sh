#!/usr/bin/env bash
# `make bench`: the sales import (SQLite), then the scorecard and the case-and-survey benchmarks on SQLite and on
# a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

"$BIN/python" bench/import_sales.py "$@"
"$BIN/python" bench/scorecards.py
"$BIN/python" bench/service.py
source scripts/pg-throwaway.sh
pg_throwaway_start
trap pg_throwaway_stop EXIT
"$BIN/python" bench/scorecards.py --database-url "$PG_URL"
"$BIN/python" bench/service.py --database-url "$PG_URL"
