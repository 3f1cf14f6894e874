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

step "the worker's sync setting applies, and a bad one is refused"
grep -q 'sync=normal) connecting' "$(daemon_log from-file)" || fail "the worker's default sync is not normal"
start_worker synced --sync full
wait_for "sync=full in the worker's log" 15 grep -q 'sync=full) connecting' "$(daemon_log synced)"
assert_exit 2 "$WORKER_BIN" --sync sometimes --spool "$TEST_DIR/never"
assert_one_error_line "a bad worker sync value"
[[ "$RUN_ERR" == *"sync must be normal or full, not 'sometimes'"* ]] ||
    fail "a bad worker sync value: unclear error: $RUN_ERR"
signal_daemon synced TERM

step "the scheduler's sync key applies, and a bad one is refused"
grep -q 'synchronous=normal' "$(daemon_log scheduler)" ||
    fail "the scheduler did not take sync = normal from scheduler.ini"
mkdir -p "$TEST_DIR/state-full" "$TEST_DIR/state-bad"
printf 'sync = full\n' >"$TEST_DIR/full.ini"
spawn_daemon sync-full "$SCHEDULER_BIN" --config "$TEST_DIR/full.ini" \
    --listen 'tcp://127.0.0.1:*' --state-dir "$TEST_DIR/state-full"
wait_for "synchronous=full in the log" 15 grep -q 'synchronous=full' "$(daemon_log sync-full)"
signal_daemon sync-full TERM
printf 'sync = always\n' >"$TEST_DIR/bad.ini"
assert_exit 2 "$SCHEDULER_BIN" --config "$TEST_DIR/bad.ini" --listen 'tcp://127.0.0.1:*' \
    --state-dir "$TEST_DIR/state-bad"
[[ "$RUN_ERR" == *"sync must be normal or full, not 'always'"* ]] ||
    fail "a bad sync value: unclear error: $RUN_ERR"
