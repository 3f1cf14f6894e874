#!/usr/bin/env bash
# 60-replayed-results.sh — repeated, stale and unknown results are acknowledged and change nothing.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

start_scheduler --heartbeat 0.2 --lease 5

# The fake worker reads commands from a fifo and writes what the scheduler says to a file.
fake_in=$TEST_DIR/fake.in
fake_out=$TEST_DIR/fake.out
results_sent=0

start_fake_worker() {
    mkfifo "$fake_in"
    exec 7<>"$fake_in" # read-write: opening it does not wait for the other end
    start_background "$FAKE_WORKER_BIN" -n fw -c 1 "$COHORT_SCHEDULER" \
        <&7 >"$fake_out" 2>"$TEST_DIR/fake.err"
    FAKE_PID=$BACKGROUND_PID
}

# Send one command line to the fake worker.
fake() {
    pid_alive "$FAKE_PID" || fail "the fake worker died: $(cat "$TEST_DIR/fake.err")"
    echo "$*" >&7
    [[ "$1" != result ]] || results_sent=$((results_sent + 1))
}

# True once LINE came from the scheduler at least N times: fake_heard N LINE.
fake_heard() { (($(grep -cxF "$2" "$fake_out" || true) >= $1)); }

# Wait until the scheduler said LINE for the Nth time: fake_expect N LINE.
fake_expect() { wait_for "'$2' (#$1) from the scheduler" 10 fake_heard "$1" "$2"; }

# Send a result and wait for its Nth acknowledgement: fake_result N JOB ATTEMPT STATE EXIT TEXT.
fake_result() {
    local n=$1
    shift
    fake result "$@"
    fake_expect "$n" "ack $1 $2"
}

snapshot() { cohort show "$1" --json; }

step "a job too big for the fake worker stays pending"
big=$(cohort submit -c 4 -- true)
start_fake_worker
fake register instance-1
fake_expect 1 "welcome 200 5000"
wait_worker_state fw up 10
big_before=$(snapshot "$big")
status_jobs() { cohort status --json | jq -c .jobs; }

step "results before any RUN: for the pending job $big and for an unknown job"
fake_result 1 "$big" 1 completed 0 early
fake_result 1 999999 1 completed 0 unknown
assert_eq "$big_before" "$(snapshot "$big")" "pending job $big after a result before its RUN"
assert_exit 1 cohort show 999999

step "job A runs on the fake worker; its first result is recorded"
a=$(cohort submit -- true)
fake_expect 1 "run $a 1"
fake started "$a" 1
wait_job "$a" running 1 10
fake_result 1 "$a" 1 completed 0 first
wait_job "$a" completed 1 10
a_recorded=$(snapshot "$a")
jobs_recorded=$(status_jobs)
assert_eq first "$(cohort logs "$a")" "output of job $a"

step "job A: its result again, another for attempt 1, one for a future attempt, late starts"
fake_result 2 "$a" 1 completed 0 first
fake_result 3 "$a" 1 failed 3 replayed
fake_result 1 "$a" 2 failed 4 future
fake started "$a" 1
fake started "$a" 2
fake_result 4 "$a" 1 completed 0 first # also makes sure the late starts were handled
assert_eq "$a_recorded" "$(snapshot "$a")" "job $a after replayed results"
assert_eq first "$(cohort logs "$a")" "output of job $a after replayed results"

step "job B: the fake worker restarts under its name, so attempt 1 becomes stale"
b=$(cohort submit -- true)
fake_expect 1 "run $b 1"
fake started "$b" 1
wait_job "$b" running 1 10
fake reconnect
fake register instance-2
fake_expect 2 "welcome 200 5000"
fake_expect 1 "run $b 2"
wait_job "$b" running 2 10
b_running=$(snapshot "$b")
fake_result 1 "$b" 1 completed 0 stale
assert_eq "$b_running" "$(snapshot "$b")" "job $b after a result of its stale attempt 1"

step "job B: attempt 2's result is recorded; stale, replayed and reordered ones after it are not"
fake started "$b" 2
fake_result 1 "$b" 2 completed 0 second
wait_job "$b" completed 2 10
b_recorded=$(snapshot "$b")
jobs_recorded=$(status_jobs)
fake_result 2 "$b" 1 failed 9 stale-again
fake_result 2 "$b" 2 failed 9 replayed
fake started "$b" 1
fake started "$b" 2
fake_result 3 "$b" 2 completed 0 second
assert_eq "$b_recorded" "$(snapshot "$b")" "job $b after stale and replayed results"
assert_eq second "$(cohort logs "$b")" "output of job $b"
assert_eq "[[1,\"fw\",\"pending\"],[2,\"fw\",\"completed\"]]" "$(job_history "$b")" \
    "history of job $b"
assert_one_result "$a"
assert_one_result "$b"

step "nothing else changed; every result was acknowledged; the scheduler still serves"
assert_eq "$jobs_recorded" "$(status_jobs)" "job counts by state"
assert_eq "$big_before" "$(snapshot "$big")" "pending job $big at the end"
assert_eq "$results_sent" "$(grep -c '^ack ' "$fake_out")" \
    "acknowledgements of the $results_sent results sent"
fake quit
exec 7>&-
finish_background "$FAKE_PID" 10 "the fake worker"
check_daemons_alive
assert_exit 0 cohort status
