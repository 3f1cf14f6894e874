#!/usr/bin/env bash
# 30-exit-status.sh — `cohort wait` and `submit --wait` mirror how jobs end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 4
wait_workers_up 1

step "exit 0, exit 3, killed by SIGKILL"
ok=$(cohort submit -- true)
three=$(cohort submit -- sh -c 'exit 3')
killed=$(cohort submit -- sh -c 'kill -9 $$')
assert_exit 0 cohort wait "$ok" --timeout 30
assert_eq completed "$(job_field "$ok" state)" "state after exit 0"
assert_exit 3 cohort wait "$three" --timeout 30
assert_eq failed "$(job_field "$three" state)" "state after exit 3"
assert_eq 3 "$(job_field "$three" exit_code)" "exit_code after exit 3"
assert_exit 137 cohort wait "$killed" --timeout 30
assert_eq failed "$(job_field "$killed" state)" "state after SIGKILL"
assert_eq 9 "$(job_field "$killed" signal)" "signal after SIGKILL"

step "several jobs: the first non-zero in id order"
assert_exit 3 cohort wait "$ok" "$three" "$killed" --timeout 30
assert_exit 3 cohort wait "$killed" "$three" "$ok" --timeout 30
assert_exit 0 cohort wait "$ok" --timeout 30

step "time limit: -t 1 -- sleep 30 ends as timeout (124) within a few seconds"
started=$(now_ms)
limited=$(cohort submit -t 1 -- sleep 30)
assert_exit 124 cohort wait "$limited" --timeout 30
elapsed=$(($(now_ms) - started))
((elapsed < 8000)) || fail "the time-limited job took ${elapsed} ms to end"
assert_eq timeout "$(job_field "$limited" state)" "state after the time limit"

step "a cancelled job: 1"
long=$(cohort submit -- sleep 60)
wait_state "$long" running 20
assert_exit 0 cohort cancel "$long"
assert_exit 1 cohort wait "$long" --timeout 30
assert_eq cancelled "$(job_field "$long" state)" "state after cancel"

step "a command that cannot start fails with a reason"
missing=$(cohort submit -- "$TEST_DIR/no-such-program")
run cohort wait "$missing" --timeout 30
((RUN_STATUS != 0)) || fail "wait on a job that could not start exited 0"
assert_eq failed "$(job_field "$missing" state)" "state of a job that could not start"
[[ -n "$(job_field "$missing" reason)" ]] || fail "no reason for a job that could not start"

step "submit --wait mirrors exit codes and signals"
assert_exit 5 cohort submit --wait -- sh -c 'exit 5'
assert_exit 143 cohort submit --wait -- sh -c 'kill -TERM $$'
assert_exit 124 cohort submit --wait -t 1 -- sleep 30
