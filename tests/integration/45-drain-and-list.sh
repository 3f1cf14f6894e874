#!/usr/bin/env bash
# 45-drain-and-list.sh — drain and resume a worker; filter and limit job listings.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 2
wait_workers_up 1

step "a drained worker gets no new jobs"
assert_exit 0 cohort drain w1
assert_eq draining "$(cohort workers --json | jq -r '.[] | select(.name == "w1") | .state')" \
    "state after drain"
assert_eq 1 "$(cohort status --json | jq .workers.draining)" "status workers.draining"
id=$(cohort submit -- true)
sleep 1
assert_eq pending "$(job_field "$id" state)" "a job submitted while the only worker drains"

step "resume lets it run"
assert_exit 0 cohort resume w1
wait_worker_state w1 up 5
assert_exit 0 cohort wait "$id" --timeout 20

step "drain of an unknown worker: exit 1, one line"
assert_exit 1 cohort drain no-such-worker
assert_one_error_line "drain no-such-worker"

step "jobs --state and --limit"
failed=$(cohort submit -- false)
assert_exit 1 cohort wait "$failed" --timeout 20
mapfile -t more < <(cohort submit -a 1-3 -- true)
assert_exit 0 cohort wait "${more[@]}" --timeout 20
assert_eq "[$failed]" "$(cohort jobs --state failed --json | jq -c 'map(.id)')" "jobs --state failed"
assert_eq 5 "$(cohort jobs --state completed,failed --json | jq length)" \
    "jobs --state completed,failed"
assert_eq 2 "$(cohort jobs --all --limit 2 --json | jq length)" "jobs --all --limit 2"
assert_eq 0 "$(cohort jobs --json | jq length)" "jobs (pending and running) when all ended"
assert_exit 1 cohort jobs --state no-such-state # a bad value, not a usage error
assert_one_error_line "jobs --state no-such-state"
