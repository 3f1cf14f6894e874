#!/usr/bin/env bash
# 40-scheduler-restart-running.sh — a scheduler SIGKILL while jobs run restarts none, loses none.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

seed_random
# A lease well above the restart time: workers keep their jobs while the scheduler is away.
start_scheduler --heartbeat 0.2 --lease 10
start_worker w1 --cpus 2
start_worker w2 --cpus 2
wait_workers_up 2

step "four 3-second jobs start"
mkdir -p "$TEST_DIR/jobs"
# Each attempt appends its number to a marker when it starts.
ids=()
for _ in 1 2 3 4; do
    ids+=("$(cohort submit -D "$TEST_DIR/jobs" -- sh -c \
        'echo $COHORT_ATTEMPT >> started.$COHORT_JOB_ID; sleep 3; echo "done $COHORT_JOB_ID"')")
done
for id in "${ids[@]}"; do
    wait_job "$id" running 1 20
    wait_for "job $id's start marker" 10 test -s "$TEST_DIR/jobs/started.$id"
done

sleep_random_ms 0 1000
signal_daemon scheduler KILL
step "scheduler SIGKILLed with jobs ${ids[*]} running"
sleep_random_ms 200 1000
restart_scheduler

step "every job completes once, with its output"
assert_exit 0 cohort wait "${ids[@]}" --timeout 60
for id in "${ids[@]}"; do
    assert_eq 1 "$(job_field "$id" attempts)" "attempts of job $id"
    assert_eq 1 "$(cat "$TEST_DIR/jobs/started.$id")" "starts of job $id (one line per attempt)"
    history=$(job_history "$id")
    [[ "$history" =~ ^\[\[1,\"w[12]\",\"completed\"\]\]$ ]] ||
        fail "job $id: expected one completed attempt, got $history"
    assert_eq "done $id" "$(cohort logs "$id")" "output of job $id"
done
