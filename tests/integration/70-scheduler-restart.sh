#!/usr/bin/env bash
# 70-scheduler-restart.sh — a killed scheduler loses nothing it acknowledged.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler --heartbeat 0.3
start_worker w1 --cpus 2
wait_workers_up 1

step "jobs that finish before the crash"
finished=()
for i in 1 2 3; do
    finished+=("$(cohort submit -- sh -c 'echo "finished $COHORT_JOB_ID"')")
done
assert_exit 0 cohort wait "${finished[@]}" --timeout 30

step "jobs running across the crash, and jobs too big for w1 (pending)"
survivor=$(cohort submit -- sh -c 'sleep 3; echo survived')
# This one ends while the scheduler is down; w1 must keep its result until it is stored.
quick=$(cohort submit -- sh -c "sleep 1; echo quick; touch '$TEST_DIR/quick.done'")
wait_state "$survivor" running 20
wait_state "$quick" running 20
mapfile -t pending < <(cohort submit -c 4 -a 0-19 -- sh -c 'echo "ran $COHORT_JOB_ID"')
assert_eq 20 "${#pending[@]}" "pending ids"
last=$(cohort submit -c 4 -- sh -c 'echo "ran $COHORT_JOB_ID"')
signal_daemon scheduler KILL
step "scheduler killed right after acknowledging job $last"
wait_for "job $quick to end while the scheduler is down" 10 test -e "$TEST_DIR/quick.done"

restart_scheduler
acknowledged=("${finished[@]}" "$survivor" "$quick" "${pending[@]}" "$last")
for id in "${acknowledged[@]}"; do
    assert_exit 0 cohort show "$id"
done
for id in "${finished[@]}"; do
    assert_eq completed "$(job_field "$id" state)" "state of finished job $id"
    assert_eq "finished $id" "$(cohort logs "$id")" "logs of finished job $id"
done
for id in "${pending[@]}" "$last"; do
    assert_eq pending "$(job_field "$id" state)" "state of pending job $id"
done

step "w1 re-registers by itself; its jobs are recorded once, with their output"
pid_alive "$(daemon_pid w1)" || fail "w1 died with the scheduler"
wait_worker_state w1 up 15
wait_state "$quick" completed 10
assert_eq 1 "$(job_field "$quick" attempts)" "attempts of the job that ended during the crash"
assert_eq quick "$(cohort logs "$quick")" "logs of the job that ended during the crash"
wait_state "$survivor" completed 20
assert_eq 1 "$(job_field "$survivor" attempts)" "attempts of the job that ran across the crash"
assert_eq survived "$(cohort logs "$survivor")" "logs of the job that ran across the crash"

step "new ids are larger than every old one"
new=$(cohort submit -- true)
((new > last)) || fail "new id $new is not larger than $last"

step "pending jobs run once a big enough worker joins"
start_worker w2 --cpus 4
assert_exit 0 cohort wait "${pending[@]}" "$last" "$new" --timeout 90
for id in "${pending[@]}" "$last"; do
    assert_eq "ran $id" "$(cohort logs "$id")" "logs of job $id"
    assert_eq 1 "$(job_field "$id" attempts)" "attempts of job $id"
done
