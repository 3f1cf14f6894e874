#!/usr/bin/env bash
# bench_restart.sh — time from a scheduler SIGKILL to `cohort status` answering, with N jobs stored.
#
# Usage: COHORT_BIN=BUILD_DIR tests/bench/bench_restart.sh [JOBS]   (JOBS defaults to 100000)
# Builds a state dir with JOBS jobs: some finished by a worker (a tenth, at most 10,000),
# a few running, the rest pending. Then SIGKILLs the scheduler and starts it again, and
# prints `restart jobs=JOBS seconds=S` (S from the start of the new process to the first
# answer; the killed one is gone by then). Extra scheduler flags: COHORT_BENCH_ARGS.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

JOBS=${1:-100000}
RUNNING=4
POLL_SECS=0.01
if ! [[ "$JOBS" =~ ^[0-9]+$ ]] || ((JOBS <= RUNNING || JOBS > 10000000)); then
    fail "JOBS must be a number from $((RUNNING + 1)) to 10000000"
fi
finished=$((JOBS / 10 < 10000 ? JOBS / 10 : 10000))
read -r -a extra_args <<<"${COHORT_BENCH_ARGS:-}"

start_scheduler "${extra_args[@]}"
if ((finished > 0)); then
    step "$finished jobs run to completion on one worker"
    start_worker w1 --cpus 8
    wait_workers_up 1
    mapfile -t ids < <(cohort submit -a "1-$finished" -- true)
    assert_exit 0 cohort wait "${ids[@]}" --timeout 600
    kill_worker w1 TERM
fi
step "$RUNNING jobs running on a worker that stays, $((JOBS - finished - RUNNING)) pending"
start_worker w2 --cpus "$RUNNING" --grace 0
wait_workers_up 1
mapfile -t running < <(cohort submit -a "1-$RUNNING" -- sleep 600)
for id in "${running[@]}"; do
    wait_state "$id" running 30
done
kill_worker w2 STOP # it must not take the pending jobs; it is thawed after the restart
on_cleanup "kill -CONT $(daemon_pid w2)"
cohort submit -a "1-$((JOBS - finished - RUNNING))" -- true >/dev/null
pending=$(cohort status --json | jq '.jobs.pending')
db_bytes=$(du -cb "$SCHEDULER_STATE"/cohort.db* | tail -n 1 | cut -f 1)
step "$pending pending; database and WAL: $((db_bytes / 1048576)) MiB"

step "SIGKILL and restart"
signal_daemon scheduler KILL
spawn_daemon scheduler "$SCHEDULER_BIN" --listen "$COHORT_SCHEDULER" \
    --state-dir "$SCHEDULER_STATE" "${extra_args[@]}"
started=$(date +%s%N)
until cohort status >/dev/null 2>&1; do
    check_daemons_alive
    (($(date +%s%N) - started < 600 * 1000000000)) || fail "no answer 600 s after the restart"
    sleep "$POLL_SECS"
done
elapsed_ns=$(($(date +%s%N) - started))
assert_eq "$pending" "$(cohort status --json | jq '.jobs.pending')" "pending jobs after the restart"
kill -CONT "$(daemon_pid w2)"
printf 'restart jobs=%d seconds=%d.%03d\n' "$JOBS" $((elapsed_ns / 1000000000)) \
    $((elapsed_ns / 1000000 % 1000))
