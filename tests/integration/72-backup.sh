#!/usr/bin/env bash
# 72-backup.sh — `cohort backup` copies the running scheduler's database; only admins may ask;
# the copy, put in place of the database, brings back the state it was taken at.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 2
wait_workers_up 1

step "a finished array, a job that waits for cpus no worker has, then a backup"
array_first=$(cohort submit -a 1-5 -- true | head -n 1)
cohort wait "$array_first" "$((array_first + 4))" --timeout 30 >/dev/null ||
    fail "the array did not complete"
waiting=$(cohort submit -c 64 -- true)
assert_exit 0 cohort --json backup
backup=$RUN_OUT
assert_json_has "$backup" "the backup" path bytes
path=$(jq -r .path <<<"$backup")
[[ "$path" == "$SCHEDULER_STATE/backups/cohort-"*.db ]] ||
    fail "the backup is not in the state dir's backups: $path"
[[ -f "$path" && ! -e "$path.tmp" ]] || fail "no finished copy at $path"
assert_eq "$(stat -c %s "$path")" "$(jq -r .bytes <<<"$backup")" "the size the backup reported"
grep -q "backup of the database written to $path" "$(daemon_log scheduler)" ||
    fail "the scheduler did not log the backup"

step "the text form names the copy; a second backup gets its own file"
assert_exit 0 cohort backup
[[ "$RUN_OUT" == "$SCHEDULER_STATE/backups/cohort-"*".db ("*" bytes, on the scheduler's host)" ]] ||
    fail "unexpected text: $RUN_OUT"
second=${RUN_OUT%% (*}
[[ "$second" != "$path" && -f "$second" ]] || fail "the second backup did not get its own file"

step "bad use: arguments are a usage error; a user key is refused"
assert_exit 2 cohort backup now
assert_one_error_line "backup with an argument"
enroll_key user user "user-$(id -un)"
run env COHORT_KEY_FILE="$KEY_PATH" "$CLI_BIN" backup
((RUN_STATUS == 1)) || fail "a user's backup exited $RUN_STATUS, expected 1"
assert_one_error_line "a user's backup"
[[ "$RUN_ERR" == *"back up the scheduler's database"* ]] ||
    fail "the refusal does not say what was refused: $RUN_ERR"
assert_eq 2 "$(find "$SCHEDULER_STATE/backups" -name 'cohort-*.db' | wc -l)" \
    "backups after the refused request"

step "after the backup, one more job; then the copy is restored in place of the database"
after=$(cohort submit -- true)
wait_state "$after" completed 20
signal_daemon w1 TERM
signal_daemon scheduler TERM
mv "$SCHEDULER_STATE/cohort.db" "$SCHEDULER_STATE/cohort.db.replaced"
rm -f "$SCHEDULER_STATE/cohort.db-wal" "$SCHEDULER_STATE/cohort.db-shm"
cp "$path" "$SCHEDULER_STATE/cohort.db"
restart_scheduler
assert_eq completed "$(job_field "$((array_first + 4))" state)" "a job the copy holds"
assert_eq pending "$(job_field "$waiting" state)" "the job waiting at the backup"
assert_exit 1 cohort show "$after"
[[ "$RUN_ERR" == *"no job $after"* ]] || fail "the job made after the backup is there: $RUN_ERR"

step "while a backup is being written, a second is refused; a stop ends it and tells its requester"
# half a million jobs make a copy of a second or more, paced between turns
cohort submit -a 1-500000 -c 64 -- true >/dev/null
started=$(grep -c "writing a backup" "$(daemon_log scheduler)" || true)
"$CLI_BIN" backup >"$TEST_DIR/first.out" 2>"$TEST_DIR/first.err" &
first=$!
backup_started() { (($(grep -c "writing a backup" "$(daemon_log scheduler)") > started)); }
wait_for "the backup to start" 30 backup_started
assert_exit 1 cohort backup
assert_one_error_line "a second backup"
[[ "$RUN_ERR" == *"a backup is being written already"* ]] ||
    fail "the second backup was not refused as such: $RUN_ERR"
signal_daemon scheduler TERM
status=0
wait "$first" || status=$?
((status == 1)) || fail "the first backup exited $status (stdout: $(<"$TEST_DIR/first.out"))"
grep -q "the scheduler stopped before the backup was finished" "$TEST_DIR/first.err" ||
    fail "the first backup's requester was not told: $(<"$TEST_DIR/first.err")"
[[ -z "$(find "$SCHEDULER_STATE/backups" -name '*.tmp')" ]] || fail "an unfinished copy is left"
assert_eq 2 "$(find "$SCHEDULER_STATE/backups" -name 'cohort-*.db' | wc -l)" \
    "backups after the stopped one"
step "ok"
