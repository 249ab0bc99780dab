#!/usr/bin/env bash
# Local Keycloak (an OAuth2 / OpenID Connect authorization server) on 127.0.0.1 for the auth tests.
#
#   scripts/keycloak.sh start    install if needed (from Maven Central), start in the background
#   scripts/keycloak.sh wait     block until the realm's OpenID configuration answers (KEYCLOAK_WAIT_TIMEOUT, 300 s)
#   scripts/keycloak.sh stop     SIGTERM the server this script started, SIGKILL after 30 s
#   scripts/keycloak.sh status   running / not running, and the realm URL
#   scripts/keycloak.sh logs     last lines of the server log
#   scripts/keycloak.sh url      print the realm URL (issuer)
#
# Development mode, in-memory database (every start is fresh), realm tools/keycloak/realm-cm-fhir.json
# imported at start. Environment: KEYCLOAK_PORT (8180), KEYCLOAK_VERSION (26.4.0; runs on Java 17),
# KEYCLOAK_HEAP (512m). The distribution zip (org.keycloak:keycloak-quarkus-dist, ~160 MB) is
# fetched by Maven into ~/.m2 and unpacked into .run/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${KEYCLOAK_VERSION:-26.4.0}"
PORT="${KEYCLOAK_PORT:-8180}"
HEAP="${KEYCLOAK_HEAP:-512m}"
WAIT_TIMEOUT="${KEYCLOAK_WAIT_TIMEOUT:-300}"
REALM_FILE="$ROOT/tools/keycloak/realm-cm-fhir.json"
REALM="cm-fhir"
RUN_DIR="$ROOT/.run"
HOME_DIR="$RUN_DIR/keycloak-$VERSION"
PID_FILE="$RUN_DIR/keycloak-$PORT.pid"
LOG_FILE="$RUN_DIR/keycloak-$PORT.log"
REALM_URL="http://127.0.0.1:$PORT/realms/$REALM"
ZIP="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.9.0"
# kc.sh first augments the build, then execs java in the same process: either is ours.
MAIN_MARKS=("io.quarkus.bootstrap.runner.QuarkusEntryPoint" "/bin/kc.sh")

# shellcheck source=scripts/lib/stop-pid.sh
source "$ROOT/scripts/lib/stop-pid.sh"

say() { printf 'keycloak: %s\n' "$*"; }
die() { printf 'keycloak: ERROR: %s\n' "$*" >&2; exit 1; }

install() {
    [[ -x "$HOME_DIR/bin/kc.sh" ]] && return 0
    command -v java >/dev/null 2>&1 || die "Keycloak needs Java 17+ (scripts/hapi.sh start installs it when run as root)"
    command -v unzip >/dev/null 2>&1 || {
        [[ $(id -u) -eq 0 ]] || die "unzip is missing"
        apt-get update -qq && apt-get install -y -qq unzip
    }
    mkdir -p "$RUN_DIR"
    if [[ ! -s "$ZIP" ]]; then
        say "fetching org.keycloak:keycloak-quarkus-dist:$VERSION:zip from Maven Central (~160 MB)"
        (cd "$RUN_DIR" && mvn -B -ntp -q "$DEP_PLUGIN:get" \
            "-Dartifact=org.keycloak:keycloak-quarkus-dist:$VERSION:zip" -Dtransitive=false) \
            || die "Maven could not fetch Keycloak $VERSION"
    fi
    local tmp="$RUN_DIR/keycloak-unpack.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    unzip -q "$ZIP" -d "$tmp"
    mv "$tmp/keycloak-$VERSION" "$HOME_DIR"
    rm -rf "$tmp"
}

# The pid file only counts if that pid is still Keycloak on our port (pids get reused).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid cmdline
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")" || return 1
    [[ "$cmdline" == *"--http-port=$PORT"* ]] || return 1
    [[ "$cmdline" == *"${MAIN_MARKS[0]}"* || "$cmdline" == *"${MAIN_MARKS[1]}"* ]] || return 1
    printf '%s\n' "$pid"
}

cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        say "already running (pid $pid) at $REALM_URL"
        return 0
    fi
    rm -f "$PID_FILE"
    install
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT on 127.0.0.1 is taken; set KEYCLOAK_PORT"
    mkdir -p "$HOME_DIR/data/import"
    cp "$REALM_FILE" "$HOME_DIR/data/import/"
    # kc.sh execs java, so the pid of the background job is the server's own.
    JAVA_OPTS_KC_HEAP="-Xms64m -Xmx$HEAP" nohup "$HOME_DIR/bin/kc.sh" start-dev \
        --http-host=127.0.0.1 "--http-port=$PORT" --db=dev-mem --import-realm \
        --health-enabled=false --metrics-enabled=false >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    disown "$pid" 2>/dev/null || true
    printf '%s\n' "$pid" >"$PID_FILE"
    say "started Keycloak $VERSION (dev mode, in-memory database), pid $pid; realm $REALM_URL; log $LOG_FILE"
}

cmd_wait() {
    local start now
    start=$(date +%s)
    while :; do
        running_pid >/dev/null || {
            tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
            die "Keycloak is not running (it exited or was never started); full log $LOG_FILE"
        }
        if curl -sf --max-time 10 "$REALM_URL/.well-known/openid-configuration" >/dev/null 2>&1; then
            now=$(date +%s)
            say "ready after $((now - start)) s of waiting: $REALM_URL"
            return 0
        fi
        now=$(date +%s)
        if ((now - start >= WAIT_TIMEOUT)); then
            tail -n 40 "$LOG_FILE" >&2 || true
            die "no OpenID configuration at $REALM_URL within $WAIT_TIMEOUT s; full log $LOG_FILE"
        fi
        sleep 2
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
        say "running (pid $pid) at $REALM_URL"
    else
        say "not running (would serve $REALM_URL)"
        return 1
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    wait) cmd_wait ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) tail -n "${2:-100}" "$LOG_FILE" ;;
    url) printf '%s\n' "$REALM_URL" ;;
    *) die "usage: scripts/keycloak.sh start|stop|status|wait|logs|url" ;;
esac
