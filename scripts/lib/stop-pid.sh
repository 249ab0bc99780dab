# shellcheck shell=bash
# stop_pid PID SAY_FN: SIGTERM one process this project started, SIGKILL after 30 s.
# Sourced by scripts/hapi.sh and scripts/keycloak.sh (each checks first that PID is its server).
stop_pid() {
    local pid="$1" say_fn="$2" waited=0
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && ((waited < 30)); do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        "$say_fn" "still alive after 30 s, sending SIGKILL to pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}
