#!/usr/bin/env bash
# 52-pending-reason.sh — a pending job says why it waits: no worker, none big enough, or busy.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler --heartbeat 0.3

# reason_of JOB: the reason `cohort show --json` gives
reason_of() { job_field "$1" reason; }
# jobs_row JOB: the job's row in the `cohort jobs` table
jobs_row() { cohort jobs | awk -v id="$1" '$1 == id'; }

step "no worker up: waiting for a worker"
early=$(cohort submit -c 64 -- true)
assert_eq "waiting for a worker" "$(reason_of "$early")" "reason with no worker"

start_worker w1 --cpus 2 --mem 1G
start_worker w2 --cpus 1 --mem 4G
wait_workers_up 2

step "a job no worker could ever hold says what is missing"
assert_eq "no worker has 64 cpus" "$(reason_of "$early")" "reason of the early 64-cpu job"
big_mem=$(cohort submit -m 512G -- true)
assert_eq "no worker has 512G of memory" "$(reason_of "$big_mem")" "reason of a 512G job"
both=$(cohort submit -c 2 -m 4G -- true)
assert_eq "no worker has both 2 cpus and 4G of memory" "$(reason_of "$both")" \
    "reason of a job that needs w1's cpus and w2's memory"
neither=$(cohort submit -c 8 -m 8G -- true)
assert_eq "no worker has 8 cpus, nor 8G of memory" "$(reason_of "$neither")" \
    "reason of a job larger than every worker both ways"
[[ "$(jobs_row "$early")" == *"no worker has 64 cpus"* ]] ||
    fail "cohort jobs does not show the reason: $(jobs_row "$early")"
assert_eq "no worker has 64 cpus" \
    "$(cohort jobs --json | jq -r --argjson id "$early" '.[] | select(.id == $id) | .reason')" \
    "reason in cohort jobs --json"

step "a job that fits a busy worker waits for resources"
busy=$(cohort submit -c 2 -- sleep 30)
wait_state "$busy" running 20
queued=$(cohort submit -c 2 -- true)
assert_eq "waiting for resources" "$(reason_of "$queued")" "reason of a job behind a busy worker"
[[ "$(jobs_row "$queued")" == *"waiting for resources"* ]] ||
    fail "cohort jobs does not show the reason: $(jobs_row "$queued")"

step "once the only worker that could hold it is drained, the job says so"
assert_exit 0 cohort drain w1
assert_eq "no worker has 2 cpus" "$(reason_of "$queued")" "reason with w1 drained"
assert_exit 0 cohort resume w1
assert_eq "waiting for resources" "$(reason_of "$queued")" "reason with w1 back"
assert_exit 0 cohort cancel "$busy"
assert_exit 0 cohort wait "$queued" --timeout 30
assert_eq pending "$(job_field "$early" state)" "state of the 64-cpu job"
