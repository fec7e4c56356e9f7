# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks: source it, then
# pg_throwaway_start (exports PG_URL) and pg_throwaway_stop (removes the cluster).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)

_pg() {  # the server refuses to run as root; postgres cannot read root's working directory
  if [ "$(id -u)" = 0 ]; then (cd /tmp && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_throwaway_start() {
  if [ -z "$PGBIN" ]; then echo "PostgreSQL is not installed (make system-deps)" >&2; return 1; fi
  PGDATA=$(mktemp -d /tmp/qudao-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  _pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  _pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres qudao_test
  export PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/qudao_test"
  export PGDATA PGPORT
}

pg_throwaway_stop() {
  if [ -n "${PGDATA:-}" ] && [ -d "$PGDATA" ]; then
    _pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PGDATA"
  fi
}
