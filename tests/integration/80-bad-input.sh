#!/usr/bin/env bash
# 80-bad-input.sh — bad flags, bad config lines and malformed messages: clear errors, no crash.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
wait_until_answers 10 || fail "the scheduler does not answer"

step "cohort: usage errors exit 2 with one line"
for args in "--no-such-flag status" "status --no-such-flag" "no-such-command" "submit" "logs" \
    "submit -m" "wait 1 --timeout"; do
    read -ra argv <<<"$args"
    assert_exit 2 cohort "${argv[@]}"
    assert_one_error_line "cohort $args"
done

step "cohort: bad values of well-formed options exit 1 with one line"
for args in "submit -c 0 -- true" "submit -t abc -- true" "submit -m 12Q -- true" \
    "submit -a 5-2 -- true" "submit -p x -- true" "submit -e NOEQUALS -- true" \
    "wait 1 --timeout -1" "show abc"; do
    read -ra argv <<<"$args"
    assert_exit 1 cohort "${argv[@]}"
    assert_one_error_line "cohort $args"
done
assert_eq 0 "$(cohort jobs --all --json | jq length)" "jobs after rejected submits"

step "cohort: unknown job and unreachable scheduler exit 1 with one line"
assert_exit 1 cohort show 999999
assert_one_error_line "show 999999"
assert_exit 1 cohort logs 999999
assert_one_error_line "logs 999999"
started=$(now_ms)
assert_exit 1 cohort --scheduler tcp://127.0.0.1:1 status
assert_one_error_line "status against a closed port"
elapsed=$(($(now_ms) - started))
((elapsed < 30000)) || fail "status against a closed port took ${elapsed} ms"
step "unreachable scheduler reported after ${elapsed} ms: $RUN_ERR"
assert_exit 0 cohort --version
assert_exit 0 cohort --help

step "daemons: a bad flag exits 2"
assert_exit 2 timeout 10 "$SCHEDULER_BIN" --no-such-flag
assert_exit 2 timeout 10 "$SCHEDULER_BIN" --heartbeat soon --state-dir "$TEST_DIR/never"
assert_exit 2 timeout 10 "$SCHEDULER_BIN" --stage-jobs 65 --state-dir "$TEST_DIR/never"
assert_one_error_line "a staging depth out of range"
[[ "$RUN_ERR" == *"stage-jobs must be a whole number from 0 to 64"* ]] ||
    fail "the bad --stage-jobs is not explained: $RUN_ERR"
assert_exit 2 timeout 10 "$WORKER_BIN" --no-such-flag
assert_exit 2 timeout 10 "$WORKER_BIN" --cpus many --spool "$TEST_DIR/never"

step "daemons: a bad config line exits 2 and names the line"
cat >"$TEST_DIR/scheduler.ini" <<EOT
; a comment
listen = tcp://127.0.0.1:*
state-dir = $TEST_DIR/never
no-such-key = 1
EOT
assert_exit 2 timeout 10 "$SCHEDULER_BIN" --config "$TEST_DIR/scheduler.ini"
[[ "$RUN_ERR" == *scheduler.ini:4* ]] || fail "the error does not name line 4: $RUN_ERR"
printf 'scheduler = %s\nthis line is not ini\n' "$COHORT_SCHEDULER" >"$TEST_DIR/worker.ini"
assert_exit 2 timeout 10 "$WORKER_BIN" --config "$TEST_DIR/worker.ini"
[[ "$RUN_ERR" == *worker.ini:2* ]] || fail "the error does not name line 2: $RUN_ERR"
printf 'scheduler = %s\ncpus = many\n' "$COHORT_SCHEDULER" >"$TEST_DIR/worker.ini"
assert_exit 2 timeout 10 "$WORKER_BIN" --config "$TEST_DIR/worker.ini"
[[ "$RUN_ERR" == *worker.ini:2* ]] || fail "the error does not name line 2: $RUN_ERR"
[[ ! -e "$TEST_DIR/never" ]] || fail "a rejected configuration still created its state dir"

scheduler_answers() {
    pid_alive "$(daemon_pid scheduler)" || fail "the scheduler died after $1"
    cohort status >/dev/null || fail "the scheduler does not answer after $1"
}

step "random bytes over raw TCP"
for i in 1 2 3 4 5; do
    (head -c 100000 /dev/urandom >"/dev/tcp/127.0.0.1/$SCHEDULER_PORT") 2>/dev/null || true
done
# A well-formed ZMTP 3.0 handshake as a DEALER, then a frame announcing 2^64-1 bytes.
(
    exec 3>"/dev/tcp/127.0.0.1/$SCHEDULER_PORT"
    printf '\xff\0\0\0\0\0\0\0\x01\x7f\x03\x00NULL' >&3
    head -c 48 /dev/zero >&3
    printf '\x04\x1c\x05READY\x0bSocket-Type\0\0\0\x06DEALER' >&3
    printf '\x02\xff\xff\xff\xff\xff\xff\xff\xff' >&3
    head -c 4096 /dev/urandom >&3
) 2>/dev/null || true
scheduler_answers "random TCP bytes"

step "malformed frames"
send_raw() { "$ZMQ_RAW_BIN" -w "${WAIT_MS:-0}" "$COHORT_SCHEDULER" "$@"; }
declare -A frames=(
    [empty]=''
    [truncated status]='93 01 08'
    [wrong version]='93 02 08 01'
    [unknown type]='93 01 63 01'
    [not an array]='a3 66 6f 6f'
    [version only]='91 01'
    [nil]='c0'
    [huge array]='dd ff ff ff ff'
    [huge array inside]='93 01 08 dd ff ff ff ff'
    [submit with 4 billion specs]='93 01 01 01 dd ff ff ff ff'
    [show with a huge string id]='94 01 03 01 db ff ff ff ff'
    [huge bin]='94 01 04 01 c6 ff ff ff ff'
    [huge map in register]='97 01 1e a1 77 a1 69 01 01 df ff ff ff ff'
    [register with wrong types]='99 01 1e 05 05 05 05 05 05 05'
    [result from a stranger]='9f 01 21 01 01 02 00 00 a0 00 00 00 c4 00 c2 c4 00 c2'
    [heartbeat from a stranger]='93 01 1f 00'
    [reply sent to the scheduler]='97 01 14 01 08 00 a0 c0'
    [negative req_id]='93 01 08 ff'
    [float where an int goes]='93 01 08 cb 3f f0 00 00 00 00 00 00'
    [submit with no specs]='94 01 01 07 90'
    [submit of 0 cpus]='94 01 01 07 91 9e a0 a1 75 00 00 00 00 00 a0 c4 00 91 a1 78 90 c2 00 00'
    [submit of no command]='94 01 01 07 91 9e a0 a1 75 01 00 00 00 00 a0 c4 00 90 90 c2 00 00'
    [submit of array 5-2]='94 01 01 07 91 9e a0 a1 75 01 00 00 00 00 a0 c4 00 91 a1 78 90 c3 05 02'
)
for name in "${!frames[@]}"; do
    send_raw -x "${frames[$name]}" >/dev/null || fail "cohort-zmq-raw could not send '$name'"
done
scheduler_answers "malformed frames"

printf '\x91%.0s' $(seq 1 100000) >"$TEST_DIR/deep.bin"
send_raw -f "$TEST_DIR/deep.bin" >/dev/null
head -c $((33 << 20)) /dev/zero >"$TEST_DIR/oversized.bin"
send_raw -f "$TEST_DIR/oversized.bin" >/dev/null
for i in $(seq 1 20); do
    head -c $((RANDOM % 512 + 1)) /dev/urandom >"$TEST_DIR/random.bin"
    send_raw -f "$TEST_DIR/random.bin" >/dev/null
done
scheduler_answers "deep, oversized and random frames"

step "a malformed client request whose req_id can be read is answered with why"
spec_head='9e a0 a1 75' # [name "", user "u", ...
spec_tail='00 00 00 00 a0 c4 00 91 a1 78 90 c2 00 00' # ... argv ["x"], env [], not an array]
declare -A malformed_requests=(
    [submit of 0 cpus]="94 01 01 07 91 $spec_head 00 $spec_tail|field 'cpus' must be at least 1"
    [submit of no command]="94 01 01 07 91 $spec_head 01 00 00 00 00 a0 c4 00 90 90 c2 00 00|field 'argv' has 0 entries"
    [submit of array 5-2]="94 01 01 07 91 $spec_head 01 00 00 00 00 a0 c4 00 91 a1 78 90 c3 05 02|the array range is empty"
    [submit with no specs]="94 01 01 07 90|field 'specs' has 0 entries"
    [submit with a 65-byte key]="95 01 01 07 91 $spec_head 01 $spec_tail d9 41 $(printf '6b %.0s' {1..65})|field 'idem_key' is not a string of at most 64 bytes"
    [jobs of unknown states]="96 01 02 07 cc ff 00 00|field 'state_mask' is not a whole number from 0 to 63"
)
for name in "${!malformed_requests[@]}"; do
    frame=${malformed_requests[$name]%%|*}
    why=${malformed_requests[$name]#*|}
    WAIT_MS=5000 run send_raw -d -x "$frame"
    reply=$(tail -n 1 <<<"$RUN_OUT")
    # [1, REPLY, req_id 7, request type, status COHORT_EPROTO (-3), error, nil]
    [[ "$reply" == 970114070?fd* ]] || fail "$name: no COHORT_EPROTO reply: $RUN_OUT $RUN_ERR"
    text=$(printf '%b' "$(sed 's/../\\x&/g' <<<"$reply")" | tr -c '[:print:]' ' ')
    [[ "$text" == *"malformed "*" request: $why"* ]] || fail "$name: the reply says '$text'"
done
WAIT_MS=1000 run send_raw -d -x '93 01 08 ff'
assert_eq "no reply" "$(tail -n 1 <<<"$RUN_OUT")" "reply to a request whose req_id is unreadable"

step "a valid raw STATUS request gets a REPLY [1, 20, req_id, 8, 0, ...]"
WAIT_MS=5000 run send_raw -d -x '93 01 08 2a'
((RUN_STATUS == 0)) || fail "cohort-zmq-raw failed: $RUN_ERR"
reply=$(tail -n 1 <<<"$RUN_OUT")
[[ "$reply" == 9701142a0800* ]] || fail "unexpected reply to a raw STATUS: $RUN_OUT"

step "a heartbeat from an unknown peer is answered with REREGISTER [1, 44]"
WAIT_MS=5000 run send_raw -d -x '93 01 1f 00'
assert_eq 92012c "$(tail -n 1 <<<"$RUN_OUT")" "reply to a stranger's heartbeat"

step "nothing changed"
status=$(cohort status --json)
assert_eq 0 "$(jq '[.jobs[]] | add' <<<"$status")" "jobs after bad input"
assert_eq 0 "$(jq .workers.total <<<"$status")" "workers after bad input"
