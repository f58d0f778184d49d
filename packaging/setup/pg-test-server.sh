# shellcheck shell=bash
# Source this file: it starts a throw-away PostgreSQL server on loopback for the storage tests and exports
# TURINGVIEW_TEST_PG_URL. The server lives in a temporary data directory owned by the `postgres` user
# (initdb refuses to run as root) and listens on 127.0.0.1 only. With CI=true a failure is fatal;
# elsewhere the PostgreSQL tests are skipped with a reason.
_tv_pg_start() {
  local bindir port datadir runas=()
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "pg-test-server: no PostgreSQL server binaries found" >&2; return 1
  fi
  port=${TURINGVIEW_TEST_PG_PORT:-54329}
  datadir=${TMPDIR:-/tmp}/turingview-pg-$port
  if [ "$(id -u)" -eq 0 ]; then runas=(runuser -u postgres --); fi
  if ! "${runas[@]}" "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    rm -rf "$datadir"; mkdir -p "$datadir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$datadir"
    "${runas[@]}" "$bindir/initdb" -D "$datadir" -A trust -U postgres --no-sync >/dev/null || return 1
    "${runas[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=on" start >/dev/null || return 1
  fi
  "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='turingview_test'" \
    | grep -q 1 || "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "create database turingview_test" || return 1
  export TURINGVIEW_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/turingview_test"
  export TURINGVIEW_TEST_PG_ADMIN_URL="$TURINGVIEW_TEST_PG_URL"
  echo "pg-test-server: PostgreSQL at $TURINGVIEW_TEST_PG_URL"
}
if ! _tv_pg_start; then
  if [ "${CI:-}" = "true" ]; then echo "pg-test-server: could not start PostgreSQL (required in CI)" >&2; return 1 2>/dev/null || exit 1; fi
  echo "pg-test-server: PostgreSQL unavailable; the PostgreSQL tests will be skipped" >&2
fi
