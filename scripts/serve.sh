#!/usr/bin/env bash
# `make run`'s last step: the background worker and the web server, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
"$BIN/huey_consumer" orders.tasks.huey --workers 1 --logfile instance/worker.log --quiet &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "Qudao is serving on http://${HOST:-127.0.0.1}:${PORT:-5000}  (Ctrl-C stops it and the worker)"
"$BIN/gunicorn" --workers 1 --threads 8 --bind "${HOST:-127.0.0.1}:${PORT:-5000}" --no-control-socket \
  --access-logfile - wsgi:app
