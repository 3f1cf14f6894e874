#!/usr/bin/env bash
# 45-scheduler-outage-fence.sh — a scheduler away past the fence, not the lease: the job runs again.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

seed_random
# The worker fences after 6 - (2 + 2 x 0.2) = 3.6 s without word; the restarted scheduler
# gives it a whole lease (6 s) to come back, so it is not lost.
start_scheduler --heartbeat 0.2 --lease 6
start_worker w1 --cpus 1
wait_workers_up 1

step "an 8-second job starts"
job_dir=$TEST_DIR/job
mkdir -p "$job_dir"
# Each attempt appends its number to a marker when it starts.
id=$(cohort submit --retries 0 -D "$job_dir" -- sh -c \
    'echo $COHORT_ATTEMPT >> started; sleep 8; echo "done attempt $COHORT_ATTEMPT"')
wait_job "$id" running 1 20
wait_for "the job's start marker" 10 test -s "$job_dir/started"

sleep_random_ms 0 500
signal_daemon scheduler KILL
step "scheduler SIGKILLed with job $id running; it stays away for about 4 s"
sleep_random_ms 4000 4500
worker_log=$(daemon_log w1)
grep -q 'no word from the scheduler' "$worker_log" ||
    fail "w1 did not fence its job while the scheduler was away"
restart_scheduler

step "the fenced attempt costs no retry: the job runs again and completes"
assert_exit 0 cohort wait "$id" --timeout 60
assert_eq completed "$(job_field "$id" state)" "state of job $id"
assert_eq 2 "$(job_field "$id" attempts)" "attempts of job $id"
assert_eq "1 2" "$(tr '\n' ' ' <"$job_dir/started" | sed 's/ $//')" "starts of job $id"
assert_eq "done attempt 2" "$(cohort logs "$id")" "output of job $id"
history=$(job_history "$id")
[[ "$history" =~ ^\[\[1,\"w1\",\"[a-z]+\"\],\[2,\"w1\",\"completed\"\]\]$ ]] ||
    fail "job $id: expected a lost attempt then a completed one, got $history"
assert_one_result "$id"
