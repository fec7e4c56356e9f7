#!/usr/bin/env bash
# The whole suite twice: on SQLite, then on a throwaway PostgreSQL cluster on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if ! fc-list :lang=zh | grep -q .; then
  echo "No CJK font is installed: Chinese would render as empty boxes (make system-deps)." >&2
  exit 1
fi

echo "== Suite on SQLite =="
env -u TEST_DATABASE_URL "$BIN/python" -m pytest "$@"

echo "== Suite on PostgreSQL =="
source scripts/pg-throwaway.sh
pg_throwaway_start
trap pg_throwaway_stop EXIT
TEST_DATABASE_URL="$PG_URL" "$BIN/python" -m pytest "$@"
