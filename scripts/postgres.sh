#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1 for the ledger's PostgreSQL tests.
#
#   scripts/postgres.sh start    initdb (first time) and start in the background; prints the URL
#   scripts/postgres.sh stop     stop the server and delete the cluster
#   scripts/postgres.sh status   running / not running
#   scripts/postgres.sh url      print the SQLAlchemy URL, e.g. for ADAPTER_TEST_POSTGRES_URL
#
# Environment: ADAPTER_PG_PORT (55432), ADAPTER_PG_DIR (/tmp/adapter-pg-$ADAPTER_PG_PORT),
# ADAPTER_PG_BIN (the newest /usr/lib/postgresql/*/bin). Needs Debian's postgresql package
# (installed with apt-get when run as root). The cluster trusts loopback connections and holds
# nothing worth keeping: never point it at real data.
#
#   eval "$(scripts/postgres.sh start)"   # exports ADAPTER_TEST_POSTGRES_URL
#   .venv/bin/pytest tests/unit/sync -q
#   scripts/postgres.sh stop
set -euo pipefail

PORT="${ADAPTER_PG_PORT:-55432}"
DIR="${ADAPTER_PG_DIR:-/tmp/adapter-pg-$PORT}"
DATA="$DIR/data"
LOG="$DIR/server.log"
DB="adapter_ledger"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"

say() { printf 'postgres: %s\n' "$*" >&2; }
die() { printf 'postgres: ERROR: %s\n' "$*" >&2; exit 1; }

find_bin() {
    if [[ -n "${ADAPTER_PG_BIN:-}" ]]; then
        printf '%s\n' "$ADAPTER_PG_BIN"
        return
    fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$newest" && $(id -u) -eq 0 ]]; then
        say "installing postgresql with apt-get"
        apt-get update >/dev/null && apt-get install -y postgresql >/dev/null
        newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    [[ -n "$newest" ]] || die "no PostgreSQL server found: apt-get install postgresql, or set ADAPTER_PG_BIN"
    printf '%s\n' "$newest"
}

# initdb and postgres refuse to run as root: use the postgres system user then.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        # From /: the caller's directory (a fresh clone under a 0700 temp dir) is not the
        # postgres user's to enter, and psql/pg_ctl complain when they cannot.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

is_running() {
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
    if is_running; then
        printf 'export ADAPTER_TEST_POSTGRES_URL=%q\n' "$URL"
        return
    fi
    mkdir -p "$DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 >"$DIR/initdb.log" 2>&1 \
            || die "initdb failed, see $DIR/initdb.log"
    fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null \
        || die "server did not start, see $LOG"
    if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres | grep -q 1; then
        as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    fi
    say "running on 127.0.0.1:$PORT (data in $DATA)"
    printf 'export ADAPTER_TEST_POSTGRES_URL=%q\n' "$URL"
}

stop() {
    if is_running; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        say "stopped"
    fi
    rm -rf "$DIR"
}

BIN="$(find_bin)"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if is_running; then echo "running on 127.0.0.1:$PORT"; else echo "not running"; fi ;;
    url) printf '%s\n' "$URL" ;;
    *) die "usage: $0 start|stop|status|url" ;;
esac
