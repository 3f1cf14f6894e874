#!/usr/bin/env bash
# 85-config-files.sh — the example config files load, their settings apply, flags override them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

step "the scheduler runs with deploy/config/scheduler.ini (listen and state-dir overridden)"
start_scheduler --config "$COHORT_SRC/deploy/config/scheduler.ini"

step "a worker runs with deploy/config/worker.ini; its labels apply"
start_worker example --config "$COHORT_SRC/deploy/config/worker.ini"
wait_workers_up 1
labels=$(cohort workers --json | jq -c '.[] | select(.name == "example") | .labels')
assert_eq '{"disk":"ssd","site":"lab"}' "$(jq -c -S . <<<"$labels")" "labels from worker.ini"

step "a flag overrides the file"
cat >"$TEST_DIR/worker.ini" <<EOT
; cpus and the name come from this file unless flags say otherwise
scheduler = $COHORT_SCHEDULER
name = from-file
cpus = 3
label = origin=file
EOT
spawn_daemon from-file "$WORKER_BIN" --config "$TEST_DIR/worker.ini" --cpus 1 \
    --spool "$TEST_DIR/spool/from-file"
wait_workers_up 2
row=$(cohort workers --json | jq -c '.[] | select(.name == "from-file")')
assert_eq 1 "$(jq .cpus <<<"$row")" "cpus (flag over file)"
assert_eq file "$(jq -r .labels.origin <<<"$row")" "label from the file"
