#!/usr/bin/env bash
# local-grid.sh — run a scheduler and two workers on this machine: up | down | status.
#
# Environment:
#   COHORT_BUILD     build dir holding the binaries        (default: <checkout>/build)
#   COHORT_GRID_DIR  where state, spools, logs, pids go    (default: <checkout>/.grid)
#   COHORT_PORT      scheduler port on 127.0.0.1           (default: 7700)
#   COHORT_CPUS      cpus each worker offers               (default: 2)
#
# The grid is secured like any other (see docs/security.md): your key (made with
# `cohort keygen` if you have none) is enrolled as admin, the workers get a key of their own,
# and the scheduler's public key is written to your cohort config dir as server.pub (an
# older one there is kept as server.pub.old), so that `cohort` works from any shell.
set -euo pipefail

CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${COHORT_BUILD:-$CHECKOUT/build}
GRID=${COHORT_GRID_DIR:-$CHECKOUT/.grid}
PORT=${COHORT_PORT:-7700}
CPUS=${COHORT_CPUS:-2}
ENDPOINT="tcp://127.0.0.1:$PORT"
WORKERS=(node1 node2)
UP_TIMEOUT_SECS=20
STOP_TIMEOUT_SECS=10

CONFIG_DIR=${XDG_CONFIG_HOME:-$HOME/.config}/cohort
USER_KEY=${COHORT_KEY_FILE:-$CONFIG_DIR/key}
WORKER_KEY=$GRID/keys/worker.key

SCHEDULER_BIN=$BUILD/scheduler/cohort-scheduler
WORKER_BIN=$BUILD/worker/cohort-worker
CLI_BIN=$BUILD/client-lib/cohort

die() {
    echo "local-grid: $*" >&2
    exit 1
}

# True while pid runs; an exited process its parent has not reaped yet counts as gone.
pid_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Print the PID recorded for daemon NAME if that process is alive and is one of ours.
live_pid() {
    local pidfile="$GRID/$1.pid" pid
    [[ -f "$pidfile" ]] || return 1
    pid=$(<"$pidfile")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    pid_running "$pid" || return 1
    # Guard against a recycled PID: the process must still be a Cohort daemon.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'cohort-' || return 1
    echo "$pid"
}

# Start daemon NAME in the background from the remaining arguments; record its PID.
spawn() {
    local name=$1
    shift
    nohup "$@" </dev/null >>"$GRID/logs/$name.log" 2>&1 &
    echo $! >"$GRID/$name.pid"
}

# Print how many of our workers the scheduler reports as up (0 when it does not answer).
workers_up() {
    local listing count
    listing=$("$CLI_BIN" --scheduler "$ENDPOINT" --json workers 2>/dev/null) || listing='[]'
    count=$(jq --arg names "${WORKERS[*]}" \
        '[.[] | select(.state == "up" and (.name | IN($names | split(" ")[])))] | length' \
        <<<"$listing" 2>/dev/null) || count=0
    echo "${count:-0}"
}

# Stop daemon NAME: SIGTERM, a bounded wait, then SIGKILL. Removes its pid file.
stop_one() {
    local name=$1 pid waited=0
    if pid=$(live_pid "$name"); then
        kill -TERM "$pid" 2>/dev/null || true
        while pid_running "$pid" && ((waited < STOP_TIMEOUT_SECS * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if pid_running "$pid"; then
            echo "local-grid: $name (pid $pid) ignored SIGTERM; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        echo "stopped $name (pid $pid)"
    fi
    rm -f "$GRID/$name.pid"
}

# Make the scheduler's key pair, enroll the user's key as admin and a worker key, and give
# the user the scheduler's public key.
setup_keys() {
    local server_pub=$CONFIG_DIR/server.pub
    mkdir -p "$GRID/keys"
    [[ -f "$USER_KEY" ]] || "$CLI_BIN" keygen "$USER_KEY" >/dev/null
    [[ -f "$WORKER_KEY" ]] || "$CLI_BIN" keygen "$WORKER_KEY" >/dev/null
    "$SCHEDULER_BIN" --state-dir "$GRID/state" server-key >"$GRID/keys/server.pub"
    "$SCHEDULER_BIN" --state-dir "$GRID/state" enroll --role admin --name "$(id -un)" \
        "$USER_KEY" >/dev/null
    "$SCHEDULER_BIN" --state-dir "$GRID/state" enroll --role worker --name '*' \
        "$WORKER_KEY" >/dev/null
    if [[ -z "${COHORT_SERVER_KEY:-}" ]] && ! cmp -s "$GRID/keys/server.pub" "$server_pub"; then
        mkdir -p "$CONFIG_DIR"
        [[ ! -f "$server_pub" ]] || mv -f "$server_pub" "$server_pub.old"
        cp "$GRID/keys/server.pub" "$server_pub"
        echo "wrote the scheduler's public key to $server_pub"
    fi
}

cmd_up() {
    local name bin deadline worker_args=()
    # root's own grid runs root's jobs as root; elsewhere a root worker would run them as nobody
    ((EUID != 0)) || worker_args+=(--allow-root-jobs)
    for bin in "$SCHEDULER_BIN" "$WORKER_BIN" "$CLI_BIN"; do
        [[ -x "$bin" ]] || die "missing $bin; build first (cmake --build $BUILD)"
    done
    command -v jq >/dev/null || die "jq is needed (deploy/install-deps.sh installs it)"
    for name in scheduler "${WORKERS[@]}"; do
        live_pid "$name" >/dev/null && die "already up ($name is running); run '$0 down' first"
    done
    mkdir -p "$GRID/state" "$GRID/logs"
    setup_keys

    spawn scheduler "$SCHEDULER_BIN" --listen "$ENDPOINT" --state-dir "$GRID/state"
    for name in "${WORKERS[@]}"; do
        mkdir -p "$GRID/spool/$name"
        spawn "$name" "$WORKER_BIN" --scheduler "$ENDPOINT" --name "$name" --cpus "$CPUS" \
            --label grid=local --spool "$GRID/spool/$name" \
            --key "$WORKER_KEY" --server-key "$GRID/keys/server.pub" "${worker_args[@]}"
    done

    deadline=$((SECONDS + UP_TIMEOUT_SECS))
    until (($(workers_up) == ${#WORKERS[@]})); do
        for name in scheduler "${WORKERS[@]}"; do
            if ! live_pid "$name" >/dev/null; then
                tail -n 20 "$GRID/logs/$name.log" >&2 || true
                cmd_down >/dev/null
                die "$name exited during start-up (log above: $GRID/logs/$name.log)"
            fi
        done
        if ((SECONDS >= deadline)); then
            cmd_down >/dev/null
            die "workers not up after ${UP_TIMEOUT_SECS}s; see $GRID/logs/"
        fi
        sleep 0.2
    done
    echo "grid up: scheduler $ENDPOINT (CURVE; your key $USER_KEY is its admin), workers ${WORKERS[*]} ($CPUS cpus each)"
    echo "logs in $GRID/logs; use: export COHORT_SCHEDULER=$ENDPOINT"
}

cmd_down() {
    local name
    for name in "${WORKERS[@]}" scheduler; do
        stop_one "$name"
    done
}

# Show each daemon and the pool; exits 0 only when all of them run and the scheduler answers.
cmd_status() {
    local name pid rc=0
    for name in scheduler "${WORKERS[@]}"; do
        if pid=$(live_pid "$name"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: stopped"
            rc=1
        fi
    done
    if live_pid scheduler >/dev/null; then
        "$CLI_BIN" --scheduler "$ENDPOINT" status || rc=1
    fi
    return "$rc"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
