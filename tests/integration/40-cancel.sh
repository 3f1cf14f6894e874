#!/usr/bin/env bash
# 40-cancel.sh — cancel ends a running job's whole process group, and a pending job at once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 1
wait_workers_up 1

both_gone() { ! pid_alive "$1" && ! pid_alive "$2"; }

step "a running job and its child are gone soon after cancel"
mkdir -p "$TEST_DIR/job"
id=$(cohort submit -D "$TEST_DIR/job" -- \
    sh -c 'sleep 300 & echo $! > child.pid; echo $$ > parent.pid; wait')
wait_for "the job's pid files" 20 test -s "$TEST_DIR/job/child.pid" -a -s "$TEST_DIR/job/parent.pid"
child=$(<"$TEST_DIR/job/child.pid")
parent=$(<"$TEST_DIR/job/parent.pid")
if ! pid_alive "$child" || ! pid_alive "$parent"; then
    fail "the job's processes are not running"
fi
assert_eq running "$(job_field "$id" state)" "state before cancel"
assert_exit 0 cohort cancel "$id"
wait_for "the job's processes to end" 5 both_gone "$child" "$parent"
wait_state "$id" cancelled 5

step "a job that ignores SIGTERM is still ended"
mkdir -p "$TEST_DIR/stubborn"
id=$(cohort submit -D "$TEST_DIR/stubborn" -- \
    sh -c 'trap "" TERM; echo $$ > parent.pid; while :; do sleep 0.2; done')
wait_for "the stubborn job's pid file" 20 test -s "$TEST_DIR/stubborn/parent.pid"
parent=$(<"$TEST_DIR/stubborn/parent.pid")
assert_exit 0 cohort cancel "$id"
wait_for "the stubborn job to end" 20 both_gone "$parent" "$parent"
wait_state "$id" cancelled 5

step "a pending job is cancelled at once"
blocker=$(cohort submit -- sleep 300)
wait_state "$blocker" running 20
queued=$(cohort submit -- true)
assert_eq pending "$(job_field "$queued" state)" "state while the only cpu is busy"
assert_exit 0 cohort cancel "$queued"
assert_eq cancelled "$(job_field "$queued" state)" "state right after cancel"
assert_exit 0 cohort cancel "$blocker"
wait_state "$blocker" cancelled 10

step "cancel of an unknown job: exit 1, one line"
assert_exit 1 cohort cancel 999999
assert_one_error_line "cancel 999999"
