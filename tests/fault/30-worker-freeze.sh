#!/usr/bin/env bash
# 30-worker-freeze.sh — a worker frozen past its lease: its old attempt dies and is not recorded.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

seed_random
start_scheduler --heartbeat 0.2 --lease 2
start_worker w1 --cpus 1
wait_workers_up 1

step "a long job starts on w1"
job_dir=$TEST_DIR/job
mkdir -p "$job_dir"
# Each attempt writes its pid and ticks once a second until the file 'release' appears (at
# most 120 ticks), then prints which attempt finished.
id=$(cohort submit -D "$job_dir" -- sh -c 'echo $$ > pid.$COHORT_ATTEMPT; i=0
    while [ ! -e release ] && [ $i -lt 120 ]; do
        echo tick >> ticks.$COHORT_ATTEMPT; i=$((i + 1)); sleep 1
    done
    echo "finished attempt $COHORT_ATTEMPT"')
wait_job "$id" running 1 20
wait_for "attempt 1's pid" 10 test -s "$job_dir/pid.1"
old_pid=$(<"$job_dir/pid.1")
start_worker w2 --cpus 1
wait_workers_up 2

sleep_random_ms 0 1000
step "w1 is frozen (SIGSTOP) with attempt 1 of job $id (pid $old_pid) running"
signal_daemon w1 STOP
wait_worker_state w1 down 15
wait_job "$id" running 2 15
assert_eq w2 "$(job_field "$id" worker)" "worker of attempt 2"
wait_for "attempt 2's pid" 10 test -s "$job_dir/pid.2"
pid_alive "$old_pid" ||
    fail "attempt 1 (pid $old_pid) ended while w1 was frozen; nothing was tested"
[[ -d "$TEST_DIR/spool/w1/$id.1" ]] || fail "w1's spool holds no directory for attempt $id.1"

step "w1 is thawed (SIGCONT): attempt 1 dies"
signal_daemon w1 CONT
wait_gone "$old_pid" 10 ||
    fail "attempt 1 of job $id (pid $old_pid) still runs 10 s after w1 was thawed"
ticks=$(grep -c '' "$job_dir/ticks.1")
sleep 1.5
assert_eq "$ticks" "$(grep -c '' "$job_dir/ticks.1")" "ticks of attempt 1 after it was killed"

step "attempt 2 completes; it is the one result recorded"
touch "$job_dir/release"
wait_job "$id" completed 2 20
assert_eq w2 "$(job_field "$id" worker)" "worker of job $id"
assert_eq "finished attempt 2" "$(cohort logs "$id")" "output of job $id"
assert_one_result "$id"
history=$(job_history "$id")
assert_eq "[[1,\"w1\",\"pending\"],[2,\"w2\",\"completed\"]]" "$history" "attempt history"
recorded=$(cohort show "$id" --json)

step "w1 comes back and delivers attempt 1's result, which changes nothing"
wait_worker_state w1 up 20
wait_for "w1 to have attempt 1's result acknowledged" 30 test ! -e "$TEST_DIR/spool/w1/$id.1"
assert_eq "$recorded" "$(cohort show "$id" --json)" "job $id after w1's late result"
assert_eq "finished attempt 2" "$(cohort logs "$id")" "output of job $id after w1's late result"
