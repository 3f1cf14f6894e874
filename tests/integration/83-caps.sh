#!/usr/bin/env bash
# 83-caps.sh — every cap takes input exactly at it, refuses one past it with an error naming it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# no worker: every accepted job stays pending
start_scheduler --insecure --max-submit-jobs 100 --max-pending-per-user 150
wait_until_answers 10 || fail "the scheduler does not answer"

jobs_stored() { cohort status --json | jq '[.jobs[]] | add'; }

# Run cohort ARGS... and expect it to be refused: exit 1, one line on stderr holding $1.
assert_refused() {
    local why=$1 before
    shift
    before=$(jobs_stored)
    assert_exit 1 cohort "$@"
    assert_one_error_line "cohort ${*:1:3} ..."
    [[ "$RUN_ERR" == *"$why"* ]] || fail "the error does not say '$why': $RUN_ERR"
    assert_eq "$before" "$(jobs_stored)" "jobs stored after a refused submission"
}

# Run cohort ARGS... and expect its jobs to be stored.
assert_accepted() {
    assert_exit 0 cohort "$@"
    [[ -n "$RUN_OUT" ]] || fail "no job id printed by cohort ${*:1:3} ..."
}

step "arguments: 4096 accepted, 4097 refused"
args=()
for ((i = 1; i < 4096; i++)); do args+=(a); done
assert_accepted submit -- true "${args[@]}"
assert_refused "the command has 4097 arguments; the cap is 4096" submit -- true "${args[@]}" a

step "command bytes: 262144 accepted, 262145 refused"
arg64k=$(head -c 65536 /dev/zero | tr '\0' x)
last=${arg64k:0:65532} # with "true", 4 + 3 * 65536 + 65532 = 262144 bytes
assert_accepted submit -- true "$arg64k" "$arg64k" "$arg64k" "$last"
assert_refused "the command is 262145 bytes; the cap is 262144" \
    submit -- true "$arg64k" "$arg64k" "$arg64k" "${last}x"

step "environment: 1024 entries accepted, 1025 refused"
env_flags=()
for ((i = 1; i <= 1024; i++)); do env_flags+=(-e "K$i=V"); done
assert_accepted submit "${env_flags[@]}" -- true
assert_refused "the job has 1025 environment entries; the cap is 1024" \
    submit "${env_flags[@]}" -e K1025=V -- true

step "stdin: 4194304 bytes accepted, 4194305 refused"
head -c 4194304 /dev/zero >"$TEST_DIR/stdin.at-cap"
head -c 4194305 /dev/zero >"$TEST_DIR/stdin.past-cap"
assert_accepted submit -i "$TEST_DIR/stdin.at-cap" -- cat
assert_refused "the job's stdin is 4194305 bytes; the cap is 4194304" \
    submit -i "$TEST_DIR/stdin.past-cap" -- cat

step "jobs per submission: 100 accepted, 101 refused (max-submit-jobs)"
assert_accepted submit -a 1-100 -- true
assert_eq 100 "$(grep -c '' <<<"$RUN_OUT")" "job ids printed for an array of 100"
assert_refused "this submission has 101 jobs; the cap is 100 (max-submit-jobs)" \
    submit -a 1-101 -- true

# pending now: 4 single jobs and the array of 100
step "pending per user: up to 150 accepted, one more refused (max-pending-per-user)"
assert_refused "has 104 pending jobs and asks for 47 more; the cap is 150 (max-pending-per-user)" \
    submit -a 1-47 -- true
assert_accepted submit -a 1-46 -- true
assert_refused "has 150 pending jobs and asks for 1 more; the cap is 150 (max-pending-per-user)" \
    submit -- true

step "a cancelled job makes room for one more"
first=$(cohort jobs --json | jq '.[0].id')
assert_exit 0 cohort cancel "$first"
assert_accepted submit -- true
assert_refused "has 150 pending jobs and asks for 1 more" submit -- true

step "the count survives a restart"
restart_scheduler
assert_refused "has 150 pending jobs and asks for 1 more" submit -- true

step "over-cap SUBMITs sent past the library are refused by the scheduler, naming the cap"
# [1, SUBMIT, req_id 7, [spec]] with spec = [name "", user "u", cpus 1, mem 0, time 0,
# priority 0, retries 0, cwd "", stdin, argv, env, is_array false, 0, 0]
frame_head() { printf '\x94\x01\x01\x07\x91\x9e\xa0\xa1\x75\x01\x00\x00\x00\x00\xa0'; }
empty_stdin() { printf '\xc4\x00'; }
one_arg() { printf '\x91\xa1\x78'; }
no_env() { printf '\x90'; }
frame_tail() { printf '\xc2\x00\x00'; }
str64k() { printf '\xdb\x00\x01\x00\x00%s' "$arg64k"; }
# 4 strings of 65536 bytes and one of $1 (< 32) bytes
command_of() {
    printf '\x95'
    for i in 1 2 3 4; do str64k; done
    printf '%b' "\\x$(printf '%x' $((0xa0 + $1)))"
    head -c "$1" /dev/zero | tr '\0' x
}
{ frame_head; empty_stdin; printf '\xdd\x00\x00\x10\x01'; for ((i = 0; i < 4097; i++)); do
    printf '\xa1\x78'; done; no_env; frame_tail; } >"$TEST_DIR/args.bin"
{ frame_head; empty_stdin; command_of 1; no_env; frame_tail; } >"$TEST_DIR/bytes.bin"
{ frame_head; empty_stdin; command_of 0; no_env; frame_tail; } >"$TEST_DIR/bytes-at-cap.bin"
{ frame_head; empty_stdin; one_arg; printf '\xdd\x00\x00\x04\x01'; for ((i = 0; i < 1025; i++)); do
    printf '\xa3K=V'; done; frame_tail; } >"$TEST_DIR/env.bin"
{ frame_head; printf '\xc6\x00\x40\x00\x01'; head -c 4194305 /dev/zero; one_arg; no_env
    frame_tail; } >"$TEST_DIR/stdin.bin"

# Send frame file $1 and put the reply's status byte and text in REPLY_STATUS, REPLY_TEXT.
raw_submit() {
    local reply
    run "$ZMQ_RAW_BIN" -w 5000 -d "$COHORT_SCHEDULER" -f "$1"
    ((RUN_STATUS == 0)) || fail "cohort-zmq-raw could not send $1: $RUN_ERR"
    reply=$(tail -n 1 <<<"$RUN_OUT")
    # [1, REPLY, req_id 7, SUBMIT, status, error, body]
    [[ "$reply" == 9701140701* ]] || fail "$1: no reply to the SUBMIT: $RUN_OUT"
    REPLY_STATUS=${reply:10:2}
    REPLY_TEXT=$(printf '%b' "$(sed 's/../\\x&/g' <<<"$reply")" | tr -c '[:print:]' ' ')
}
declare -A raw_refusals=(
    [args.bin]="field 'argv' has 4097 entries; the cap is 4096"
    [bytes.bin]="field 'argv' is 262145 bytes; the cap is 262144"
    [env.bin]="field 'env' has 1025 entries; the cap is 1024"
    [stdin.bin]="field 'stdin_data' is 4194305 bytes; the cap is 4194304"
)
before=$(jobs_stored)
for file in "${!raw_refusals[@]}"; do
    raw_submit "$TEST_DIR/$file"
    assert_eq fd "$REPLY_STATUS" "status of the reply to $file (COHORT_EPROTO)"
    [[ "$REPLY_TEXT" == *"malformed submit request: ${raw_refusals[$file]}"* ]] ||
        fail "$file: the reply says '$REPLY_TEXT'"
done
assert_eq "$before" "$(jobs_stored)" "jobs stored after refused raw SUBMITs"

step "a raw SUBMIT exactly at the command bytes cap is stored"
raw_submit "$TEST_DIR/bytes-at-cap.bin"
assert_eq 00 "$REPLY_STATUS" "status of the reply to a command of 262144 bytes ($REPLY_TEXT)"
assert_eq $((before + 1)) "$(jobs_stored)" "jobs stored after it"

step "jobs that start leave pending and make room"
start_worker w1 --cpus 4
no_pending() { [[ "$(cohort status --json | jq .jobs.pending)" == 0 ]]; }
wait_for "every job started" 120 no_pending
assert_accepted submit -a 1-100 -- true
assert_accepted submit -a 1-50 -- true

pid_alive "$(daemon_pid scheduler)" || fail "the scheduler died"
