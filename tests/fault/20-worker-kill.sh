#!/usr/bin/env bash
# 20-worker-kill.sh — a crashed worker's jobs are requeued after the lease and complete elsewhere.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

seed_random
start_scheduler --heartbeat 0.2 --lease 2
start_worker w1 --cpus 2
wait_workers_up 1

step "two 6-second jobs start on w1"
mkdir -p "$TEST_DIR/jobs"
# Each attempt appends its pid when it starts and its number when it completes.
ids=()
for _ in 1 2; do
    ids+=("$(cohort submit -D "$TEST_DIR/jobs" -- sh -c \
        'echo $$ >> pids.$COHORT_JOB_ID; sleep 6; echo $COHORT_ATTEMPT >> done.$COHORT_JOB_ID')")
done
for id in "${ids[@]}"; do
    wait_job "$id" running 1 20
    assert_eq w1 "$(job_field "$id" worker)" "worker of job $id"
    wait_for "job $id's first pid" 10 test -s "$TEST_DIR/jobs/pids.$id"
done
start_worker w2 --cpus 2
wait_workers_up 2

sleep_random_ms 0 1000
step "w1 and its jobs are killed (pids $(cat "$TEST_DIR"/jobs/pids.* | tr '\n' ' '))"
crash_worker_host w1
for id in "${ids[@]}"; do
    pid=$(head -n 1 "$TEST_DIR/jobs/pids.$id")
    wait_gone "$pid" 5 || fail "attempt 1 of job $id (pid $pid) survived the crash of w1"
done

step "after the lease w1 is down and its jobs complete on w2 as attempt 2"
wait_worker_state w1 down 15
for id in "${ids[@]}"; do
    wait_job "$id" completed 2 30
    assert_eq w2 "$(job_field "$id" worker)" "worker of job $id"
    assert_eq "[[1,\"w1\",\"pending\"],[2,\"w2\",\"completed\"]]" "$(job_history "$id")" \
        "attempt history of job $id"
    assert_one_result "$id"
    assert_eq 2 "$(grep -c '' "$TEST_DIR/jobs/pids.$id")" "attempts of job $id that started"
    assert_eq 2 "$(cat "$TEST_DIR/jobs/done.$id")" "attempts of job $id that completed"
    reason=$(cohort show "$id" --json | jq -r '.history[0].reason')
    [[ "$reason" == *w1* ]] || fail "attempt 1 of job $id: the reason does not name w1: '$reason'"
done
