#!/usr/bin/env bash
# 89-hostile-peers.sh — on a secured scheduler, strangers get nothing while an enrolled user
# keeps working: plaintext clients, unlisted keys, raw TCP garbage, silent connections.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEGIT_ROUNDS=40 # status + submit rounds of the enrolled user while the strangers try
SILENT_PEERS=20 # TCP connections that never start their handshake
export COHORT_TIMEOUT=5

start_scheduler --handshake-timeout 2
start_worker node1 --cpus 2
wait_workers_up 1

# The enrolled user, in the background: every round asks for the status and submits a job.
legit_loop() {
    local i
    for ((i = 0; i < LEGIT_ROUNDS; i++)); do
        cohort status >/dev/null || echo "round $i: status failed"
        cohort submit -- true >>"$TEST_DIR/legit.ids" || echo "round $i: submit failed"
        sleep 0.05
    done
}
legit_loop >"$TEST_DIR/legit.errors" 2>&1 &
LEGIT_PID=$!

step "silent peers hold $SILENT_PEERS connections open without a handshake"
silent=()
for ((i = 0; i < SILENT_PEERS; i++)); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$SCHEDULER_PORT"
    silent+=("$fd")
done

step "a plaintext client is refused with one clear line"
assert_exit 1 env -u COHORT_SERVER_KEY -u COHORT_KEY_FILE "$CLI_BIN" submit -- echo plaintext
assert_one_error_line "plaintext submit"
[[ "$RUN_ERR" == *"refused a plaintext connection"* ]] || fail "plaintext: '$RUN_ERR'"

step "a raw plaintext STATUS gets no reply"
run env -u COHORT_SERVER_KEY -u COHORT_KEY_FILE "$ZMQ_RAW_BIN" -w 1500 "$COHORT_SCHEDULER" \
    -x '93 01 08 01'
[[ "$RUN_OUT" == *"no reply"* ]] || fail "a plaintext peer was answered: $RUN_OUT $RUN_ERR"

step "an unlisted key is refused with one clear line, and submits nothing"
"$CLI_BIN" keygen "$TEST_DIR/stranger.key" >/dev/null
assert_exit 1 env COHORT_KEY_FILE="$TEST_DIR/stranger.key" "$CLI_BIN" submit -- echo stranger
assert_one_error_line "stranger submit"
[[ "$RUN_ERR" == *"refused this key"* ]] || fail "stranger: '$RUN_ERR'"

step "raw TCP garbage: random bytes, a bogus greeting, a huge frame"
for ((i = 0; i < 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SCHEDULER_PORT" && head -c 65536 /dev/urandom >&3) \
        2>/dev/null || true
done
# a ZMTP 3 greeting for CURVE, then a frame that claims 2^63 bytes
(exec 3<>"/dev/tcp/127.0.0.1/$SCHEDULER_PORT" &&
    printf '\xff\0\0\0\0\0\0\0\x01\x7f\x03\x00CURVE\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x06\x7f\xff\xff\xff\xff\xff\xff\xff' >&3 &&
    sleep 0.5) 2>/dev/null || true

step "the silent peers are dropped after the handshake timeout"
for fd in "${silent[@]}"; do
    status=0
    timeout 10 cat <&"$fd" >/dev/null 2>&1 || status=$?
    ((status != 124)) || fail "a silent peer was still connected after 10 s"
    exec {fd}<&-
done

wait "$LEGIT_PID" || true
step "the enrolled user was served throughout"
[[ ! -s "$TEST_DIR/legit.errors" ]] || fail "the enrolled user was refused: $(<"$TEST_DIR/legit.errors")"
mapfile -t ids <"$TEST_DIR/legit.ids"
assert_eq "$LEGIT_ROUNDS" "${#ids[@]}" "jobs the enrolled user submitted"
assert_exit 0 cohort wait --timeout 60 "${ids[@]}"
total=$(cohort jobs --all --json | jq length)
assert_eq "$LEGIT_ROUNDS" "$total" "jobs stored (strangers stored none)"
check_daemons_alive
