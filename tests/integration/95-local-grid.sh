#!/usr/bin/env bash
# 95-local-grid.sh — deploy/local-grid.sh brings a grid up, runs a job, and takes it down.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export COHORT_GRID_DIR=$TEST_DIR/grid COHORT_BUILD=$COHORT_BIN
grid() { bash "$COHORT_SRC/deploy/local-grid.sh" "$@"; }
on_cleanup 'grid down >/dev/null 2>&1'

# A port nothing listens on (ss shows listeners; a clash is retried below).
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return 0; }
    done
    fail "no free port found"
}

step "up"
for attempt in 1 2 3; do
    COHORT_PORT=$(free_port)
    export COHORT_PORT
    run grid up
    ((RUN_STATUS != 0)) || break
    step "up failed on port $COHORT_PORT (attempt $attempt): $RUN_ERR"
    ((attempt < 3)) || fail "local-grid.sh up failed: $RUN_ERR"
done
step "$RUN_OUT"
export COHORT_SCHEDULER=tcp://127.0.0.1:$COHORT_PORT

pids=()
for name in scheduler node1 node2; do
    [[ -s "$COHORT_GRID_DIR/$name.pid" ]] || fail "no pid file for $name"
    pids+=("$(<"$COHORT_GRID_DIR/$name.pid")")
    pid_alive "${pids[-1]}" || fail "$name (pid ${pids[-1]}) is not running"
done

step "a second up refuses"
assert_exit 1 grid up
for i in 0 1 2; do
    pid_alive "${pids[i]}" || fail "a refused 'up' stopped pid ${pids[i]}"
done

step "a job runs on the grid"
assert_exit 0 cohort submit --wait -- echo hello from the grid
id=$(head -n 1 <<<"$RUN_OUT")
assert_eq "hello from the grid" "$(cohort logs "$id")" "job output"

step "status"
assert_exit 0 grid status
[[ "$RUN_OUT" == *"node1: running"* && "$RUN_OUT" == *"node2: running"* ]] ||
    fail "status does not show the workers running: $RUN_OUT"

step "down"
assert_exit 0 grid down
for pid in "${pids[@]}"; do
    wait_gone "$pid" 5 || fail "pid $pid still runs after down"
done
compgen -G "$COHORT_GRID_DIR/*.pid" >/dev/null && fail "pid files left: $(ls "$COHORT_GRID_DIR")"
assert_exit 1 grid status
