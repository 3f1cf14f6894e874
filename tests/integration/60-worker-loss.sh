#!/usr/bin/env bash
# 60-worker-loss.sh — a job whose worker is lost is requeued while it has retries left.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler --heartbeat 0.2 --lease 2
start_worker w1 --cpus 1
start_worker w2 --cpus 1
wait_workers_up 2

# Kill worker NAME and the process group of the job it ran (which the worker would have
# ended had it lived), as a machine crash would.
crash_worker() {
    local name=$1 job_pid=$2 group
    group=$(ps -o pgid= -p "$job_pid" | tr -d ' ')
    assert_eq "$job_pid" "$group" "the job leads its own process group"
    kill_worker "$name" KILL
    kill -KILL -- "-$group"
}

step "a 4-second job with one retry starts on one of the workers"
mkdir -p "$TEST_DIR/job"
# Each attempt appends its pid; only an attempt that lives 4 s writes the marker.
id=$(cohort submit --retries 1 -D "$TEST_DIR/job" -- \
    sh -c 'echo $$ >> pids; sleep 4; echo done >> marker')
wait_state "$id" running 20
wait_for "the first attempt's pid" 10 test -s "$TEST_DIR/job/pids"
first_pid=$(head -n 1 "$TEST_DIR/job/pids")
lost=$(job_field "$id" worker)
case "$lost" in
w1) survivor=w2 ;;
w2) survivor=w1 ;;
*) fail "the job runs on '$lost', not on w1 or w2" ;;
esac
step "job $id runs on $lost (pid $first_pid); killing $lost and the orphaned job"

crash_worker "$lost" "$first_pid"
assert_eq running "$(job_field "$id" state)" "state right after the worker was lost"

step "after the lease the job is requeued and completes on $survivor"
wait_worker_state "$lost" down 10
wait_state "$id" completed 20
assert_eq 2 "$(job_field "$id" attempts)" "attempts"
assert_eq "$survivor" "$(job_field "$id" worker)" "worker"
history=$(cohort show "$id" --json | jq -c '[.history[] | [.attempt, .worker, .state]]')
assert_eq "[[1,\"$lost\",\"pending\"],[2,\"$survivor\",\"completed\"]]" "$history" "attempt history"
assert_eq 2 "$(wc -l <"$TEST_DIR/job/pids")" "attempts that started"
assert_eq "done" "$(cat "$TEST_DIR/job/marker")" "marker (written by the second attempt only)"
assert_exit 0 cohort wait "$id" --timeout 10

step "a job without retries fails when its worker ($survivor) is lost"
mkdir -p "$TEST_DIR/job2"
id=$(cohort submit --retries 0 -D "$TEST_DIR/job2" -- sh -c 'echo $$ >> pids; sleep 30')
wait_state "$id" running 20
assert_eq "$survivor" "$(job_field "$id" worker)" "worker of the job without retries"
wait_for "the job's pid" 10 test -s "$TEST_DIR/job2/pids"
crash_worker "$survivor" "$(head -n 1 "$TEST_DIR/job2/pids")"
wait_state "$id" failed 10
assert_eq 1 "$(job_field "$id" attempts)" "attempts of the job without retries"
reason=$(job_field "$id" reason)
[[ "$reason" == *lost* ]] || fail "the reason does not say the worker was lost: '$reason'"
assert_exit 1 cohort wait "$id" --timeout 10
