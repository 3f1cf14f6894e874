#!/usr/bin/env bash
# 15-output-cap.sh — output past the per-stream cap is cut, kept after the worker is gone, and said so.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1
wait_workers_up 1

step "a job writes 3 MiB to stdout and a short line to stderr"
id=$(cohort submit -- sh -c 'head -c 3145728 /dev/zero | tr "\0" x; echo oops >&2')
assert_exit 0 cohort wait "$id" --timeout 60

step "the worker goes away; the output stays with the scheduler"
kill_worker w1 TERM

cohort logs "$id" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || fail "cohort logs failed: $(cat "$TEST_DIR/err")"
assert_eq 1048576 "$(wc -c <"$TEST_DIR/out")" "bytes of stdout kept (the 1 MiB cap)"
assert_eq 0 "$(tr -d x <"$TEST_DIR/out" | wc -c)" "stdout bytes are the job's own"
grep -q "cut" "$TEST_DIR/err" || fail "no note that the output was cut; stderr: $(cat "$TEST_DIR/err")"
assert_eq 1 "$(wc -l <"$TEST_DIR/err")" "lines of the note"
assert_eq true "$(cohort logs "$id" --json | jq -r .truncated)" "truncated in --json"

assert_eq oops "$(cohort logs "$id" --stderr 2>"$TEST_DIR/err2")" "stderr kept whole"
[ ! -s "$TEST_DIR/err2" ] || fail "a short stderr was reported as cut: $(cat "$TEST_DIR/err2")"
