#!/usr/bin/env bash
# Local HAPI FHIR JPA server (R4, H2 in memory) on 127.0.0.1 for integration tests and benchmarks.
#
#   scripts/hapi.sh start [-- --hapi.fhir.key=value ...]   build if needed, start in the background
#   scripts/hapi.sh wait      block until /fhir/metadata answers (HAPI_WAIT_TIMEOUT, default 300 s)
#   scripts/hapi.sh stop      SIGTERM the server this script started, SIGKILL after 30 s
#   scripts/hapi.sh status    running / not running, and the base URL
#   scripts/hapi.sh logs [-f] last lines of the server log (or follow it)
#   scripts/hapi.sh url       print the FHIR base URL
#   scripts/hapi.sh build     only build (before starting several instances at once)
#
# Environment: HAPI_PORT (8080), HAPI_HEAP (2g), HAPI_WAIT_TIMEOUT (300), HAPI_JAVA_OPTS (extra JVM
# flags), HAPI_AUTH_ISSUER (unset; an OAuth2 issuer URL such as scripts/keycloak.sh url: then every
# request but /metadata needs a bearer JWT from that issuer, with SMART scopes; see AuthConfig),
# HAPI_MODE (sandbox, the default; or production: server-assigned ids only, at most
# HAPI_MAX_TRANSACTION_ENTRIES (50) entries per transaction, no system-level _history; see
# ProductionProperties), HAPI_IG_PACKAGES (unset; comma-separated FHIR packages installed at start,
# before /metadata answers: a .tgz, or a folder holding package.json and the resources, such as
# profiles or a US Core package the operator brings, folders packed into .run/ first; see IgPackagesConfig).
# Instances on different ports keep their own pid and log files; the build output is shared. The server is built from tools/hapi-server (HAPI's published libraries, resolved by Maven
# into ~/.m2); run-time files live in .run/. Docker users get the same settings from
# docker-compose.yml; keep both in step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/tools/hapi-server"
TARGET="$MODULE/target"
CLASSPATH_FILE="$TARGET/classpath.txt"
BUILD_STAMP="$TARGET/.build-stamp"
RUN_DIR="$ROOT/.run"
PORT="${HAPI_PORT:-8080}"
HEAP="${HAPI_HEAP:-2g}"
WAIT_TIMEOUT="${HAPI_WAIT_TIMEOUT:-300}"
PID_FILE="$RUN_DIR/hapi-$PORT.pid"
LOG_FILE="$RUN_DIR/hapi-$PORT.log"
BUILD_LOG="$RUN_DIR/hapi-build.log"
BASE_URL="http://127.0.0.1:$PORT/fhir"
MAIN_CLASS="sandbox.hapi.Launcher"
# Maven 3.8 resolves a bare "dependency:" prefix to an old plugin; always name the version.
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.9.0"
MVN=(mvn -B -ntp -q)

# shellcheck source=scripts/lib/stop-pid.sh
source "$ROOT/scripts/lib/stop-pid.sh"

say() { printf 'hapi: %s\n' "$*"; }
die() { printf 'hapi: ERROR: %s\n' "$*" >&2; exit 1; }

ensure_tools() {
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    if ((${#missing[@]})); then
        [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; install them (JDK 17+, Maven 3.8+, curl) or run as root so this script can apt-get them"
        say "installing ${missing[*]} with apt-get"
        apt-get update && apt-get install -y "${missing[@]}"
    fi
    local major
    major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [[ "${major:-0}" -ge 17 ]] || die "HAPI 8 needs Java 17 or newer, found Java ${major:-unknown} at $(command -v java)"
}

build_is_fresh() {
    [[ -f "$BUILD_STAMP" && -s "$CLASSPATH_FILE" ]] || return 1
    [[ -z "$(find "$MODULE/pom.xml" "$MODULE/src" -newer "$BUILD_STAMP" -print -quit)" ]]
}

maven_build() {
    "${MVN[@]}" "$@" -f "$MODULE/pom.xml" compile "$DEP_PLUGIN:build-classpath" \
        -Dmdep.outputFile="$CLASSPATH_FILE" >>"$BUILD_LOG" 2>&1
}

# Tells "Maven Central is unreachable" apart from "HAPI's build is broken". Runs outside the
# module (.run has no pom.xml) so that a problem with HAPI's parent POM cannot fail the probe.
probe_central() {
    (cd "$RUN_DIR" && "${MVN[@]}" "$DEP_PLUGIN:get" -Dartifact=junit:junit:4.13.2 \
        -Dtransitive=false) >>"$BUILD_LOG" 2>&1
}

build() {
    build_is_fresh && return 0
    mkdir -p "$RUN_DIR"
    : >"$BUILD_LOG"
    say "building tools/hapi-server with Maven (first run downloads ~300 MB into ~/.m2; log: $BUILD_LOG)"
    if maven_build -o; then
        touch "$BUILD_STAMP"
        return 0
    fi
    probe_central || die "Maven cannot reach Maven Central (network, proxy or ~/.m2/settings.xml problem, not a HAPI problem); see $BUILD_LOG"
    maven_build || die "Maven reached Central but building tools/hapi-server failed (HAPI dependency or compile problem); see $BUILD_LOG"
    touch "$BUILD_STAMP"
}

hapi_version() {
    sed -n 's#.*/hapi-fhir-jpaserver-base-\([^/]*\)\.jar.*#\1#p' "$CLASSPATH_FILE" | head -n 1
}

# The pid file only counts if that pid is still our java on our port (pids get reused).
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid cmdline
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")" || return 1
    [[ "$cmdline" == *"$MAIN_CLASS"* && "$cmdline" == *"--server.port=$PORT"* ]] || return 1
    printf '%s\n' "$pid"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# Each HAPI_IG_PACKAGES entry as a .tgz path (folders packed into .run/ with a package/ prefix).
ig_package_args() {
    [[ -n "${HAPI_IG_PACKAGES:-}" ]] || return 0
    local -a tgzs=()
    local entry name
    IFS=',' read -r -a entries <<<"$HAPI_IG_PACKAGES"
    for entry in "${entries[@]}"; do
        [[ "$entry" = /* ]] || entry="$ROOT/$entry"
        if [[ -d "$entry" ]]; then
            [[ -f "$entry/package.json" ]] || die "HAPI_IG_PACKAGES: $entry has no package.json"
            name="$RUN_DIR/ig-$PORT-$(basename "$entry").tgz"
            tar -czf "$name" --transform 's,^\.,package,' -C "$entry" . || die "cannot pack $entry"
            tgzs+=("$name")
        elif [[ -f "$entry" ]]; then
            tgzs+=("$entry")
        else
            die "HAPI_IG_PACKAGES: no such package file or folder: $entry"
        fi
    done
    local IFS=','
    printf -- '--sandbox.ig.packages=%s\n' "${tgzs[*]}"
}

cmd_start() {
    local pid
    if pid="$(running_pid)"; then
        say "already running (pid $pid) at $BASE_URL"
        return 0
    fi
    rm -f "$PID_FILE"
    ensure_tools
    build
    port_in_use && die "port $PORT on 127.0.0.1 is taken by another process; set HAPI_PORT"
    mkdir -p "$RUN_DIR"
    local -a auth_args=()
    [[ -n "${HAPI_AUTH_ISSUER:-}" ]] && auth_args=("--sandbox.auth.issuer=$HAPI_AUTH_ISSUER")
    case "${HAPI_MODE:-sandbox}" in
        sandbox) ;;
        production)
            auth_args+=(--sandbox.production.enabled=true
                "--sandbox.production.max-transaction-entries=${HAPI_MAX_TRANSACTION_ENTRIES:-50}") ;;
        *) die "HAPI_MODE must be sandbox or production, not '$HAPI_MODE'" ;;
    esac
    local ig_arg
    ig_arg="$(ig_package_args)"
    [[ -n "$ig_arg" ]] && auth_args+=("$ig_arg")
    local -a java_opts=(-Xms512m "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8)
    # shellcheck disable=SC2206  # HAPI_JAVA_OPTS is a list of flags on purpose
    java_opts+=(${HAPI_JAVA_OPTS:-})
    nohup java "${java_opts[@]}" -cp "$TARGET/classes:$(cat "$CLASSPATH_FILE")" "$MAIN_CLASS" \
        --server.address=127.0.0.1 "--server.port=$PORT" "${auth_args[@]}" "$@" >"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    disown "$pid" 2>/dev/null || true
    printf '%s\n' "$pid" >"$PID_FILE"
    local store="H2 in memory"
    [[ " $* " == *" --spring.datasource.url=jdbc:postgresql:"* ]] && store="PostgreSQL"
    local secured=""
    [[ -n "${HAPI_AUTH_ISSUER:-}" ]] && secured=", bearer tokens from $HAPI_AUTH_ISSUER required"
    [[ -n "$ig_arg" ]] && secured+=", implementation guides ${HAPI_IG_PACKAGES}"
    [[ "${HAPI_MODE:-sandbox}" == production ]] && secured+=", production-like: server ids only, at most ${HAPI_MAX_TRANSACTION_ENTRIES:-50} entries per transaction, no system _history"
    say "started HAPI FHIR $(hapi_version) (JPA server, FHIR R4, $store$secured), pid $pid, heap $HEAP"
    say "base URL $BASE_URL  log $LOG_FILE  (run: scripts/hapi.sh wait)"
}

# Last log lines without Java stack frames, so the cause of a failed start stays on screen.
log_tail() {
    [[ -f "$LOG_FILE" ]] || return 0
    grep -v -E '^[[:space:]]+(at |\.\.\. [0-9]+ (common frames|more))' "$LOG_FILE" | tail -n "${1:-40}" | cut -c1-400 >&2 || true
}

cmd_wait() {
    command -v curl >/dev/null 2>&1 || die "curl is needed to poll $BASE_URL/metadata"
    local start now body
    start=$(date +%s)
    while :; do
        running_pid >/dev/null || {
            log_tail 60
            die "the server process is not running (it exited or was never started); log above, full log $LOG_FILE"
        }
        body="$(curl -sf --max-time 20 -H 'Accept: application/fhir+json' "$BASE_URL/metadata" 2>/dev/null || true)"
        if [[ "$body" == *'"resourceType":"CapabilityStatement"'* ]]; then
            now=$(date +%s)
            say "ready after $((now - start)) s of waiting: $BASE_URL"
            return 0
        fi
        now=$(date +%s)
        if ((now - start >= WAIT_TIMEOUT)); then
            log_tail 60
            die "no CapabilityStatement from $BASE_URL/metadata within $WAIT_TIMEOUT s (HAPI_WAIT_TIMEOUT); log above, full log $LOG_FILE"
        fi
        sleep 2
    done
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        [[ -f "$PID_FILE" ]] && say "pid file $PID_FILE does not point at our server any more; removing it"
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

cmd_logs() {
    [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
    if [[ "${1:-}" == "-f" ]]; then
        tail -n 100 -f "$LOG_FILE"
    else
        tail -n "${1:-100}" "$LOG_FILE"
    fi
}

main() {
    local cmd="${1:-}"
    shift || true
    [[ "${1:-}" == "--" ]] && shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        wait) cmd_wait ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        logs) cmd_logs "$@" ;;
        url) printf '%s\n' "$BASE_URL" ;;
        build) ensure_tools && build ;;
        *) die "usage: scripts/hapi.sh start|stop|status|wait|logs|url|build" ;;
    esac
}

main "$@"
