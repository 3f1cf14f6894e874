#!/usr/bin/env bash
# 90-example.sh — examples/submit-100 runs against a two-worker grid and all its jobs complete.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 2
start_worker w2 --cpus 2
wait_workers_up 2

step "run examples/submit-100"
assert_exit 0 timeout 120 "$COHORT_BIN/examples/submit-100"
step "submit-100 said: $(tail -n 3 <<<"$RUN_OUT")"

listing=$(cohort jobs --all --limit 1000 --json)
assert_eq 100 "$(jq length <<<"$listing")" "jobs submitted"
assert_eq 100 "$(jq '[.[] | select(.state == "completed")] | length' <<<"$listing")" \
    "jobs completed"
