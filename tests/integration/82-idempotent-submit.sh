#!/usr/bin/env bash
# 82-idempotent-submit.sh — a submission sent again (same key) returns the same ids and never
# creates a second copy: twice in a row, across a restart, and across a stopped scheduler.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUBMIT_KEYED_BIN=$COHORT_BIN/tests/cohort-submit-keyed
submit_keyed() { "$SUBMIT_KEYED_BIN" "$@"; }
count_jobs() { cohort jobs --all --json | jq -r "${1:-length}"; }

start_scheduler --heartbeat 0.3

step "the same key twice: the same ids, one copy"
first=$(submit_keyed -k fixed-key-1 -J fixed -a 3 -- true)
assert_eq 3 "$(wc -l <<<"$first")" "ids of the first submission"
again=$(submit_keyed -k fixed-key-1 -J fixed -a 3 -- true)
assert_eq "$first" "$again" "ids of the same submission sent again"
assert_eq 3 "$(count_jobs)" "jobs after sending one submission twice"
grep -q "submission fixed-key-1 was sent again" "$(daemon_log scheduler)" ||
    fail "the scheduler did not log the resent submission"

step "a used key with other jobs is refused"
assert_exit 1 submit_keyed -k fixed-key-1 -J fixed -a 5 -- true
[[ "$RUN_ERR" == *"submission key 'fixed-key-1' was already used for other jobs"* ]] ||
    fail "unexpected error for a reused key: $RUN_ERR"
assert_exit 1 submit_keyed -k 'two words' -- true
assert_eq 3 "$(count_jobs)" "jobs after refused submissions"

step "fresh keys: the same command submitted twice is two submissions"
one=$(cohort submit -J plain -- true)
two=$(cohort submit -J plain -- true)
((two > one)) || fail "second plain submission got id $two, not above $one"

step "a key outlives a scheduler restart"
signal_daemon scheduler KILL
restart_scheduler
again=$(submit_keyed -k fixed-key-1 -J fixed -a 3 -- true)
assert_eq "$first" "$again" "ids of the submission sent again after a restart"
assert_eq 5 "$(count_jobs)" "jobs after the restart"

step "a SUBMIT without a key (an older client) is still stored"
# [1, SUBMIT, 7, [spec of "x"]]: answered [1, REPLY, 7, SUBMIT, 0, "", [[id, 1]]]
WAIT_MS=5000 run "$ZMQ_RAW_BIN" -w 5000 -d "$COHORT_SCHEDULER" \
    -x '94 01 01 07 91 9e a0 a1 75 01 00 00 00 00 a0 c4 00 91 a1 78 90 c2 00 00'
[[ "$(tail -n 1 <<<"$RUN_OUT")" == 970114070100a09192* ]] ||
    fail "a keyless SUBMIT was not acknowledged: $RUN_OUT $RUN_ERR"
assert_eq 6 "$(count_jobs)" "jobs after a keyless submission"

step "a submission to a stopped scheduler times out, is sent again, and is stored once"
signal_daemon scheduler STOP
on_cleanup 'kill -CONT "$(daemon_pid scheduler)" 2>/dev/null || true'
submit_keyed -k stopped-key -J stopped -t 1000 -T 30000 -- true >"$TEST_DIR/stopped.ids" \
    2>"$TEST_DIR/stopped.err" &
library_pid=$!
COHORT_TIMEOUT=1 cohort submit -J stopped-cli -- true >"$TEST_DIR/cli.ids" \
    2>"$TEST_DIR/cli.err" &
cli_pid=$!
sleep 2.5 # longer than one try of either: both must have timed out at least once
pid_alive "$library_pid" || fail "the submission ended while the scheduler was stopped"
signal_daemon scheduler CONT
wait "$library_pid" || fail "the library's submission failed: $(<"$TEST_DIR/stopped.err")"
wait "$cli_pid" || fail "cohort submit failed: $(<"$TEST_DIR/cli.err")"
stopped_id=$(<"$TEST_DIR/stopped.ids")
cli_id=$(<"$TEST_DIR/cli.ids")
assert_eq "$stopped_id" \
    "$(count_jobs '[.[] | select(.name == "stopped") | .id | tostring] | join(" ")')" "the stopped job"
assert_eq "$cli_id" \
    "$(count_jobs '[.[] | select(.name == "stopped-cli") | .id | tostring] | join(" ")')" \
    "the job cohort submit sent while the scheduler was stopped"
assert_eq 8 "$(count_jobs)" "jobs after the stopped scheduler resumed"
again=$(submit_keyed -k stopped-key -J stopped -- true)
assert_eq "$stopped_id" "$again" "ids of the stopped submission sent again"
