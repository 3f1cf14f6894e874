#!/usr/bin/env bash
# 75-damaged-db.sh — the scheduler refuses to start on a damaged database, with a message saying what to do.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

JOBS=20000 # enough for the database to span a few hundred pages
DAMAGED=$TEST_DIR/damaged

step "a database with $JOBS jobs, checkpointed by a clean stop"
start_scheduler --sync full
grep -q "synchronous=full" "$(daemon_log scheduler)" || fail "--sync full is not in effect"
cohort submit -a "1-$JOBS" -J many -- true >/dev/null
signal_daemon scheduler TERM
[[ ! -s "$SCHEDULER_STATE/cohort.db-wal" ]] || fail "the WAL was not checkpointed at the stop"

step "a copy of it with two pages in the middle overwritten"
mkdir -m 0700 "$DAMAGED"
cp "$SCHEDULER_STATE/cohort.db" "$DAMAGED/cohort.db"
pages=$(($(stat -c %s "$DAMAGED/cohort.db") / 4096))
((pages > 20)) || fail "the database has only $pages pages"
head -c 8192 /dev/zero | tr '\0' '\245' |
    dd of="$DAMAGED/cohort.db" bs=4096 seek=$((pages / 2)) count=2 conv=notrunc 2>/dev/null

step "the scheduler refuses the damaged copy"
run timeout 60 "$SCHEDULER_BIN" --listen 'tcp://127.0.0.1:*' --state-dir "$DAMAGED"
assert_eq 1 "$RUN_STATUS" "exit status of the scheduler on a damaged database"
assert_one_error_line "the scheduler on a damaged database"
for words in "$DAMAGED/cohort.db" "the database is damaged" "will not run on it" \
    "restore it from a backup"; do
    [[ "$RUN_ERR" == *"$words"* ]] || fail "the refusal does not say '$words': $RUN_ERR"
done
[[ ! -e "$DAMAGED/endpoint" ]] || fail "the scheduler wrote an endpoint for a damaged database"

step "the healthy original starts and has every job"
restart_scheduler
assert_eq "$JOBS" "$(cohort status --json | jq '.jobs.pending')" \
    "pending jobs in the healthy database"
