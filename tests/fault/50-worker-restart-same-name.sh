#!/usr/bin/env bash
# 50-worker-restart-same-name.sh — a restarted worker's old attempts are requeued at once.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

seed_random
# A long lease: the job must come back because w1 restarted, not because the lease ran out.
start_scheduler --heartbeat 0.2 --lease 30
start_worker w1 --cpus 1
wait_workers_up 1

step "a job starts on w1"
job_dir=$TEST_DIR/job
mkdir -p "$job_dir"
id=$(cohort submit -D "$job_dir" -- sh -c 'echo $$ >> pids; sleep 3; echo "done $COHORT_ATTEMPT"')
wait_job "$id" running 1 20
wait_for "attempt 1's pid" 10 test -s "$job_dir/pids"
old_pid=$(head -n 1 "$job_dir/pids")

sleep_random_ms 0 1000
step "w1 and its job (pid $old_pid) are killed; a new w1 starts at once"
crash_worker_host w1
start_worker w1 --cpus 1

step "attempt 1 is marked lost and the job runs again on the new w1, well within the lease"
wait_job "$id" completed 2 20
assert_eq w1 "$(job_field "$id" worker)" "worker of job $id"
assert_eq "[[1,\"w1\",\"pending\"],[2,\"w1\",\"completed\"]]" "$(job_history "$id")" \
    "attempt history"
reason=$(cohort show "$id" --json | jq -r '.history[0].reason')
[[ -n "$reason" ]] || fail "attempt 1 of job $id was requeued without a reason"
step "attempt 1's reason: $reason"
assert_one_result "$id"
assert_eq "done 2" "$(cohort logs "$id")" "output of job $id"
assert_eq 2 "$(grep -c '' "$job_dir/pids")" "attempts of job $id that started"
assert_eq up "$(cohort workers --json | jq -r '.[] | select(.name == "w1") | .state')" "state of w1"
