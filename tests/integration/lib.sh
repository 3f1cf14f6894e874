# lib.sh — sourced by every integration test: temp dir, daemons, bounded waits, assertions.
#
# Environment (set by ctest): COHORT_BIN = the build dir, COHORT_SRC = the source dir.
# COHORT_KEEP_TMP=1 keeps the temp dir for inspection.
#
# Every daemon a test starts is recorded by PID; on exit they are stopped (SIGTERM, a
# bounded wait, SIGKILL), job processes left behind in the temp dir are killed, and on
# failure the tail of every daemon's log is printed. A daemon that dies on its own, exits
# non-zero after SIGTERM, or logs a sanitizer report fails the test.

set -Eeuo pipefail

COHORT_SRC=$(cd "${COHORT_SRC:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
COHORT_BIN=$(cd "${COHORT_BIN:-$COHORT_SRC/build}" && pwd)
TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cohort-$TEST_NAME.XXXXXX")
STOP_TIMEOUT_SECS=10

SCHEDULER_BIN=$COHORT_BIN/scheduler/cohort-scheduler
WORKER_BIN=$COHORT_BIN/worker/cohort-worker
CLI_BIN=$COHORT_BIN/client-lib/cohort
ZMQ_RAW_BIN=$COHORT_BIN/tests/cohort-zmq-raw

declare -A DAEMON_PID=()    # name -> pid of a daemon this test started
declare -A DAEMON_ENDED=()  # name -> 1 once it was stopped or killed on purpose
DAEMON_ORDER=()             # names in start order
CLEANUP_HOOKS=()            # commands (eval'd) run first on exit
SCHEDULER_STATE=$TEST_DIR/state
SCHEDULER_PORT=
SCHEDULER_ARGS=()
SCHEDULER_SECURE=0 # 1 when start_scheduler started a CURVE scheduler
WORKER_KEY_FILE=   # the worker key enrolled with it
SCHEDULER_AUTO_KEYS=${SCHEDULER_AUTO_KEYS:-1} # 0: start_scheduler enrolls no keys
# keys and settings of the account running the tests stay out of the way
export XDG_CONFIG_HOME=$TEST_DIR/config
unset COHORT_SERVER_KEY COHORT_KEY_FILE COHORT_INSECURE

# ---- reporting ----

# Print a progress line (shown by ctest --output-on-failure).
step() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "$TEST_NAME" "$*"; }

# Fail the test with one line saying why.
fail() {
    printf 'FAIL %s: %s\n' "$TEST_NAME" "$*" >&2
    exit 1
}

on_error() {
    printf 'FAIL %s: line %s: command failed (exit %s): %s\n' \
        "$TEST_NAME" "${BASH_LINENO[0]}" "$1" "$BASH_COMMAND" >&2
}
trap 'on_error $?' ERR

# ---- processes ----

# True while pid runs (a zombie child that has not been reaped counts as gone).
pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Fail when a daemon this test did not stop has died.
check_daemons_alive() {
    local name status
    for name in "${DAEMON_ORDER[@]}"; do
        [[ -z "${DAEMON_ENDED[$name]:-}" ]] || continue
        pid_alive "${DAEMON_PID[$name]}" && continue
        DAEMON_ENDED[$name]=1
        status=0
        wait "${DAEMON_PID[$name]}" 2>/dev/null || status=$?
        fail "$name (pid ${DAEMON_PID[$name]}) died unexpectedly with status $status"
    done
}

daemon_log() { echo "$TEST_DIR/logs/$1.log"; }

# Start a daemon in the background: spawn_daemon NAME BINARY ARGS...
spawn_daemon() {
    local name=$1
    shift
    command -v "$1" >/dev/null || fail "missing binary $1 (build first)"
    mkdir -p "$TEST_DIR/logs"
    "$@" </dev/null >>"$(daemon_log "$name")" 2>&1 &
    [[ -n "${DAEMON_PID[$name]:-}" ]] || DAEMON_ORDER+=("$name")
    DAEMON_PID[$name]=$!
    unset "DAEMON_ENDED[$name]"
}

# Wait (bounded) for pid to end: wait_gone PID TIMEOUT_SECS. Returns 0 if it did.
wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

# Send SIGNAL to daemon NAME. For TERM, INT and KILL wait until it is gone (SIGKILL after
# STOP_TIMEOUT_SECS) and, for TERM and INT, check that it exited with status 0. Returns 0,
# or 1 after printing what went wrong.
end_daemon() {
    local name=$1 signal=${2#SIG} pid status=0
    pid=${DAEMON_PID[$name]:?no daemon named $name}
    case "$signal" in
    TERM | INT | KILL) DAEMON_ENDED[$name]=1 ;;
    esac
    kill -s "$signal" "$pid" 2>/dev/null || true
    [[ -n "${DAEMON_ENDED[$name]:-}" ]] || return 0
    if ! wait_gone "$pid" "$STOP_TIMEOUT_SECS"; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        printf 'FAIL %s: %s (pid %s) still ran %ss after SIG%s\n' \
            "$TEST_NAME" "$name" "$pid" "$STOP_TIMEOUT_SECS" "$signal" >&2
        return 1
    fi
    wait "$pid" 2>/dev/null || status=$?
    if [[ "$signal" != KILL ]] && ((status != 0)); then
        printf 'FAIL %s: %s exited with status %s after SIG%s\n' \
            "$TEST_NAME" "$name" "$status" "$signal" >&2
        return 1
    fi
}

# Like end_daemon, but a failure ends the test.
signal_daemon() { end_daemon "$@" || exit 1; }

# Kill every process whose working dir is inside the temp dir (jobs orphaned by a killed
# worker). Only processes this test created can be there.
kill_leftover_jobs() {
    local proc pid cwd
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [[ "$pid" != "$$" && "$pid" != "$BASHPID" ]] || continue
        cwd=$(readlink "$proc/cwd" 2>/dev/null) || continue
        [[ "$cwd" == "$TEST_DIR" || "$cwd" == "$TEST_DIR"/* ]] || continue
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# Print a sanitizer report found in any daemon log; returns 1 when there is one.
check_sanitizer_reports() {
    local log found=0
    for log in "$TEST_DIR"/logs/*.log; do
        [[ -f "$log" ]] || continue
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
            printf -- '--- sanitizer report in %s ---\n' "$log" >&2
            grep -E -A 30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -n 60 >&2
            found=1
        fi
    done
    return $((found == 0 ? 0 : 1))
}

# Run a command (a string, eval'd) when the test ends, before the daemons are stopped.
on_cleanup() { CLEANUP_HOOKS+=("$1"); }

# EXIT trap: stop daemons (last started first), kill orphaned jobs, report, clean up.
cleanup() {
    local rc=$? i name log hook
    trap - ERR
    set +e
    cd /
    for hook in "${CLEANUP_HOOKS[@]}"; do
        eval "$hook" || rc=1
    done
    for ((i = ${#DAEMON_ORDER[@]} - 1; i >= 0; i--)); do
        name=${DAEMON_ORDER[i]}
        [[ -n "${DAEMON_ENDED[$name]:-}" ]] && continue
        end_daemon "$name" TERM || rc=1
    done
    kill_leftover_jobs
    check_sanitizer_reports || rc=1
    if ((rc != 0)); then
        for log in "$TEST_DIR"/logs/*.log; do
            [[ -f "$log" ]] || continue
            printf -- '--- last lines of %s ---\n' "$(basename "$log")" >&2
            tail -n 25 "$log" >&2
        done
    fi
    if [[ "${COHORT_KEEP_TMP:-0}" == 1 ]]; then
        echo "kept $TEST_DIR" >&2
    else
        rm -rf "$TEST_DIR"
    fi
    ((rc == 0)) && step "PASS" || printf 'FAIL %s (exit %d)\n' "$TEST_NAME" "$rc" >&2
    exit "$rc"
}
trap cleanup EXIT
# A test stopped from outside (ctest's timeout, ^C) fails, and shows the daemons' logs.
trap 'fail "stopped by a signal"' TERM INT

# ---- randomness ----

# Seed $RANDOM from $SEED, or from a fresh seed, and print it: a failed run is replayed with
# SEED=N. Draw numbers in the test's own shell only (subshells reseed $RANDOM).
seed_random() {
    SEED=${SEED:-$(((RANDOM << 15 | RANDOM) % 1000000000))}
    RANDOM=$SEED
    step "seed $SEED (replay with SEED=$SEED)"
}

# Set RAND to a random whole number from LO to HI: rand_int LO HI.
rand_int() { RAND=$(($1 + RANDOM % ($2 - $1 + 1))); }

# ---- waits ----

# Poll a command until it succeeds: wait_for DESCRIPTION TIMEOUT_SECS COMMAND ARGS...
# Fails the test after the timeout, or as soon as a daemon dies.
wait_for() {
    local what=$1 timeout_secs=$2 deadline
    shift 2
    deadline=$(($(date +%s%N) + timeout_secs * 1000000000))
    until "$@" >/dev/null 2>&1; do
        check_daemons_alive
        (($(date +%s%N) < deadline)) || fail "timed out after ${timeout_secs}s waiting for $what"
        sleep 0.1
    done
}

# ---- daemons ----

# Start the scheduler on an ephemeral loopback port with a temporary state dir; exports
# COHORT_SCHEDULER. Extra arguments go to the daemon (and again on restart_scheduler).
# The scheduler is secured (CURVE) unless the arguments hold --insecure: then an admin key
# (named after this account) and a key for any worker are enrolled, and COHORT_SERVER_KEY and
# COHORT_KEY_FILE are exported so that every cohort command uses the admin key. A test that
# manages the allow-list itself sets SCHEDULER_AUTO_KEYS=0 first.
start_scheduler() {
    SCHEDULER_ARGS=("$@")
    SCHEDULER_SECURE=1
    [[ " $* " != *" --insecure "* ]] || SCHEDULER_SECURE=0
    mkdir -p "$SCHEDULER_STATE"
    rm -f "$SCHEDULER_STATE/endpoint"
    spawn_daemon scheduler "$SCHEDULER_BIN" --listen 'tcp://127.0.0.1:*' \
        --state-dir "$SCHEDULER_STATE" "$@"
    wait_for "the scheduler's endpoint file" 15 \
        grep -qE '^tcp://127\.0\.0\.1:[0-9]+$' "$SCHEDULER_STATE/endpoint"
    COHORT_SCHEDULER=$(<"$SCHEDULER_STATE/endpoint")
    export COHORT_SCHEDULER
    SCHEDULER_PORT=${COHORT_SCHEDULER##*:}
    if ((SCHEDULER_SECURE && SCHEDULER_AUTO_KEYS)); then
        export COHORT_SERVER_KEY=$SCHEDULER_STATE/server.pub
        enroll_key admin admin "$(id -un)"
        export COHORT_KEY_FILE=$KEY_PATH
        enroll_key worker worker '*'
        WORKER_KEY_FILE=$KEY_PATH
        unset COHORT_INSECURE
    elif ((!SCHEDULER_SECURE)); then
        unset COHORT_SERVER_KEY COHORT_KEY_FILE
        export COHORT_INSECURE=1
    fi
    step "scheduler up at $COHORT_SCHEDULER (pid ${DAEMON_PID[scheduler]}$( ((SCHEDULER_SECURE)) && echo ', CURVE' || echo ', insecure'))"
}

# Make a key pair in the temp dir (unless it exists) and enroll it with the scheduler's
# state dir: enroll_key FILE_NAME ROLE NAME. Sets KEY_PATH to the key file.
enroll_key() {
    KEY_PATH=$TEST_DIR/keys/$1.key
    mkdir -p "$TEST_DIR/keys"
    [[ -f "$KEY_PATH" ]] || "$CLI_BIN" keygen "$KEY_PATH" >/dev/null
    "$SCHEDULER_BIN" --state-dir "$SCHEDULER_STATE" enroll --role "$2" --name "$3" "$KEY_PATH" \
        >/dev/null
}

# Start the scheduler again on the same port and state dir (stopping it first with SIGTERM
# if it still runs). The port may be briefly busy, so a failed bind is retried.
restart_scheduler() {
    local attempt
    [[ -n "$SCHEDULER_PORT" ]] || fail "restart_scheduler before start_scheduler"
    [[ -n "${DAEMON_ENDED[scheduler]:-}" ]] || signal_daemon scheduler TERM
    for attempt in 1 2 3 4 5; do
        spawn_daemon scheduler "$SCHEDULER_BIN" --listen "$COHORT_SCHEDULER" \
            --state-dir "$SCHEDULER_STATE" "${SCHEDULER_ARGS[@]}"
        if wait_until_answers 15; then
            step "scheduler restarted at $COHORT_SCHEDULER (pid ${DAEMON_PID[scheduler]})"
            return 0
        fi
        DAEMON_ENDED[scheduler]=1
        kill -KILL "${DAEMON_PID[scheduler]}" 2>/dev/null || true
        wait "${DAEMON_PID[scheduler]}" 2>/dev/null || true
        step "scheduler restart attempt $attempt did not come up; retrying"
        sleep 1
    done
    fail "scheduler did not restart on $COHORT_SCHEDULER"
}

# Wait until the scheduler answers `cohort status`; returns 1 if it exits or the time runs out.
wait_until_answers() {
    local deadline=$((SECONDS + $1))
    while ((SECONDS < deadline)); do
        pid_alive "${DAEMON_PID[scheduler]}" || return 1
        cohort status >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# Start a worker: start_worker NAME [extra args]. Its spool dir is in the temp dir. It uses
# the worker key of a secured scheduler. As root it may run root's jobs as root: these tests
# submit as this account and use its directories (88-job-account tests the accounts).
start_worker() {
    local name=$1
    shift
    ((EUID != 0)) || set -- --allow-root-jobs "$@"
    ((!SCHEDULER_SECURE)) || set -- --key "$WORKER_KEY_FILE" --server-key "$COHORT_SERVER_KEY" "$@"
    mkdir -p "$TEST_DIR/spool/$name"
    spawn_daemon "$name" "$WORKER_BIN" --scheduler "$COHORT_SCHEDULER" --name "$name" \
        --spool "$TEST_DIR/spool/$name" "$@"
}

# Send SIGNAL (KILL, TERM, STOP...) to worker NAME; for KILL and TERM wait until it is gone.
kill_worker() { signal_daemon "$1" "$2"; }

# SIGKILL worker NAME and the process groups of the jobs it runs, as a crash of its machine
# would (a worker killed alone leaves its jobs running). It is frozen first, so that no job
# starts between listing its children and killing it.
crash_worker_host() {
    local name=$1 pid proc stat child ppid pgid groups=()
    pid=$(daemon_pid "$name")
    kill -STOP "$pid" 2>/dev/null || true
    for proc in /proc/[0-9]*; do
        read -r stat 2>/dev/null <"$proc/stat" || continue
        child=${proc#/proc/}
        read -r _ ppid pgid _ <<<"${stat##*) }"
        # a job leads its own process group
        [[ "$ppid" == "$pid" && "$pgid" == "$child" ]] && groups+=("$pgid")
    done
    signal_daemon "$name" KILL
    for pgid in "${groups[@]}"; do
        kill -KILL -- "-$pgid" 2>/dev/null || true
    done
}

# The pid of daemon NAME.
daemon_pid() { echo "${DAEMON_PID[$1]:?no daemon named $1}"; }

# How many workers the scheduler reports in STATE (default up).
count_workers() {
    cohort workers --json | jq --arg state "${1:-up}" '[.[] | select(.state == $state)] | length'
}

workers_at_least() { (($(count_workers "$2") >= $1)); }

# Wait until at least N workers are up.
wait_workers_up() { wait_for "$1 worker(s) up" "${2:-20}" workers_at_least "$1" up; }

# Wait until worker NAME is in STATE: wait_worker_state NAME STATE TIMEOUT_SECS.
wait_worker_state() { wait_for "worker $1 $2" "$3" worker_in_state "$1" "$2"; }
worker_in_state() {
    local state
    state=$(cohort workers --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .state')
    [[ "$state" == "$2" ]]
}

# ---- jobs ----

# Run the built cohort command.
cohort() { "$CLI_BIN" "$@"; }

# Print one field of a job from `cohort show --json`: job_field JOB FIELD.
job_field() {
    cohort show "$1" --json |
        jq -r --arg f "$2" '.[$f] | if . == null then "null" else tostring end'
}

# Wait until job JOB is in STATE: wait_state JOB STATE TIMEOUT_SECS.
wait_state() {
    local job=$1 want=$2 deadline=$(($(date +%s%N) + $3 * 1000000000)) state
    while state=$(job_field "$job" state 2>/dev/null || echo '?'); [[ "$state" != "$want" ]]; do
        check_daemons_alive
        (($(date +%s%N) < deadline)) || fail "job $job is '$state', not '$want', after ${3}s"
        sleep 0.1
    done
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# ---- assertions ----

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    [[ "$1" == "$2" ]] || fail "${3:-value}: expected '$1', got '$2'"
}

# Run a command, capturing its output: sets RUN_OUT, RUN_ERR and RUN_STATUS.
run() {
    RUN_STATUS=0
    "$@" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || RUN_STATUS=$?
    RUN_OUT=$(<"$TEST_DIR/run.out")
    RUN_ERR=$(<"$TEST_DIR/run.err")
}

# assert_exit CODE COMMAND ARGS...: the command exits with CODE (its output is in RUN_*).
assert_exit() {
    local expected=$1
    shift
    run "$@"
    ((RUN_STATUS == expected)) || fail "'$*' exited $RUN_STATUS, expected $expected" \
        "(stdout: ${RUN_OUT:0:300}) (stderr: ${RUN_ERR:0:300})"
}

# assert_json_has JSON WHAT FIELD...: the JSON object has every FIELD (null allowed).
assert_json_has() {
    local json=$1 what=$2 field
    shift 2
    for field in "$@"; do
        jq -e --arg f "$field" 'type == "object" and has($f)' <<<"$json" >/dev/null ||
            fail "$what lacks field '$field': ${json:0:400}"
    done
}

# assert_rfc3339 VALUE WHAT: VALUE is an RFC 3339 UTC time.
assert_rfc3339() {
    [[ "$1" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] ||
        fail "$2: '$1' is not an RFC 3339 UTC time"
}

# The last command's stderr is exactly one non-empty line.
assert_one_error_line() {
    local lines
    lines=$(printf '%s' "$RUN_ERR" | grep -c '' || true)
    [[ "$lines" == 1 && -n "$RUN_ERR" ]] ||
        fail "${1:-command}: expected one line on stderr, got $lines: '${RUN_ERR:0:300}'"
}

command -v jq >/dev/null || fail "jq is needed (deploy/install-deps.sh installs it)"
cd "$TEST_DIR"
