#!/usr/bin/env bash
# `make run`'s last step: the background worker (worker.py) and the web server (wsgi.py), stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
INSTANCE=${QUDAO_INSTANCE_DIR:-instance}
mkdir -p "$INSTANCE"
# --max-delay 1: an idle worker looks at the queue every second, so an upload starts at once, not up to 10 s later.
"$BIN/huey_consumer" worker.huey --workers 1 --max-delay 1 --logfile "$INSTANCE/worker.log" --quiet &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "Qudao is serving on http://${HOST:-127.0.0.1}:${PORT:-5000}  (Ctrl-C stops it and the worker)"
"$BIN/gunicorn" --workers 1 --threads 8 --bind "${HOST:-127.0.0.1}:${PORT:-5000}" --no-control-socket \
  --access-logfile - wsgi:app
