#!/usr/bin/env bash
# 86-enroll-commands.sh — the scheduler's keys: server key, enroll / revoke / keys / server-key,
# the ZAP allow-list at work (enrolled, unlisted, revoked and plaintext peers), a malformed
# line, the handshake timeout and --insecure.
source "$(dirname "$0")/lib.sh"

SCHEDULER_AUTO_KEYS=0 # this test enrolls every key itself
PROBE_BIN=$COHORT_BIN/tests/cohort-curve-probe
[[ -x "$PROBE_BIN" ]] || fail "missing $PROBE_BIN (build first)"
KEYS=$SCHEDULER_STATE/keys

# Run a key subcommand on the test's state dir.
keys_cmd() { "$SCHEDULER_BIN" --state-dir "$SCHEDULER_STATE" "$@"; }

# Send one STATUS (or more: --repeat N) to the scheduler with extra probe flags.
probe() { "$PROBE_BIN" --endpoint "$COHORT_SCHEDULER" --timeout 1500 "$@"; }

# Probe as the holder of key file $1 (exit 0: answered, 3: refused).
probe_as() { probe --key "$1" --server-key "$SCHEDULER_STATE/server.pub" "${@:2}"; }

# Make a client key pair (a key file, mode 0600) and print its path.
make_key() {
    "$SCHEDULER_BIN" --state-dir "$TEST_DIR/keys/$1" server-key >/dev/null
    echo "$TEST_DIR/keys/$1/server.key"
}

# The public key of key file $1.
public_key() { sed -n 's/^public-key = //p' "$1"; }

mode_of() { stat -c %a "$1"; }

# assert_refused WHAT STATUS ARGS...: a key subcommand exits STATUS with one error line on
# stderr and leaves the allow-list as it was.
assert_refused() {
    local what=$1 status=$2
    shift 2
    cp "$KEYS" "$TEST_DIR/keys.before"
    assert_exit "$status" keys_cmd "$@"
    assert_one_error_line "$what"
    cmp -s "$KEYS" "$TEST_DIR/keys.before" || fail "$what changed $KEYS"
}

step "server-key before the first start makes the pair"
assert_exit 0 keys_cmd server-key
SERVER_KEY=$RUN_OUT
[[ ${#SERVER_KEY} == 40 ]] || fail "server-key printed '$SERVER_KEY'"
assert_eq 600 "$(mode_of "$SCHEDULER_STATE/server.key")" "server.key mode"
assert_eq 644 "$(mode_of "$SCHEDULER_STATE/server.pub")" "server.pub mode"
assert_eq "$SERVER_KEY" "$(<"$SCHEDULER_STATE/server.pub")" "server.pub"

start_scheduler --handshake-timeout 1
LOG=$(daemon_log scheduler)
wait_for "the CURVE log line" 5 grep -q "CURVE on; 0 keys allowed ($KEYS)" "$LOG"
grep -q "$KEYS does not exist, so nobody is admitted; enroll a key with" "$LOG" ||
    fail "no warning about the missing allow-list"
assert_eq "$SERVER_KEY" "$(<"$SCHEDULER_STATE/server.pub")" "server key after start"

ALICE=$(make_key alice)
BOB=$(make_key bob)
CAROL=$(make_key carol)

step "nobody is admitted without an allow-list; a plaintext peer never is"
assert_exit 3 probe_as "$ALICE"
assert_exit 3 probe --plain

step "enroll admits a key at its next connection"
assert_exit 0 keys_cmd enroll --role user --name alice "$ALICE"
assert_eq "enrolled $(public_key "$ALICE") as user alice" "$RUN_OUT" "enroll output"
assert_eq 600 "$(mode_of "$KEYS")" "keys mode"
assert_exit 0 probe_as "$ALICE"
assert_exit 3 probe_as "$BOB"
assert_exit 3 probe --plain

step "bad role, name or key: exit 2, one line, nothing changed"
assert_refused "bad role" 2 enroll --role root --name alice "$BOB"
assert_refused "bad name" 2 enroll --role user --name 'al ice' "$BOB"
assert_refused "'*' for a user" 2 enroll --role user --name '*' "$BOB"
assert_refused "bad key" 2 enroll --role user --name bob 'not-a-key'
assert_refused "missing name" 2 enroll --role user "$BOB"
assert_refused "revoke a bad key" 2 revoke 'not-a-key'
assert_refused "revoke an unknown key" 1 revoke "$BOB"

step "a key that starts with '-' is taken as a key, not as an option"
DASH_KEY='-=YCG2+.kTtXoDT*/WPEee]SY&U}H44SQkW?q4xI'
assert_exit 0 keys_cmd enroll --role user --name dash "$DASH_KEY"
assert_eq "enrolled $DASH_KEY as user dash" "$RUN_OUT" "enroll output"
assert_exit 0 keys_cmd revoke "$DASH_KEY"

step "enrolling a listed key replaces its line; keys lists them; --config is honoured"
# a bare key goes after '--' (a Z85 key may start with '-')
assert_exit 0 keys_cmd enroll --role worker --name '*' -- "$(public_key "$BOB")"
assert_exit 0 keys_cmd enroll --role admin --name root "$BOB"
assert_eq "re-enrolled $(public_key "$BOB") as admin root" "$RUN_OUT" "re-enroll output"
printf '[scheduler]\nstate-dir = %s\n' "$SCHEDULER_STATE" >"$TEST_DIR/sched.ini"
assert_exit 0 "$SCHEDULER_BIN" --config "$TEST_DIR/sched.ini" keys
assert_eq 2 "$(grep -c '' <<<"$RUN_OUT")" "keys listed"
grep -qxF -e "$(public_key "$ALICE") user alice" <<<"$RUN_OUT" || fail "keys lacks alice: $RUN_OUT"
grep -qxF -e "$(public_key "$BOB") admin root" <<<"$RUN_OUT" || fail "keys lacks bob: $RUN_OUT"
assert_exit 0 probe_as "$BOB"

step "a revoked key is refused at its next connection, while an open one keeps working"
assert_exit 0 keys_cmd enroll --role user --name carol "$CAROL"
probe_as "$CAROL" --repeat 25 --interval 100 >"$TEST_DIR/carol.out" 2>&1 &
CAROL_PID=$!
sleep 0.5
assert_exit 0 keys_cmd revoke "$CAROL"
assert_eq "revoked $(public_key "$CAROL") (user carol)" "$RUN_OUT" "revoke output"
assert_exit 0 keys_cmd revoke "$ALICE"
assert_exit 3 probe_as "$CAROL"
assert_exit 3 probe_as "$ALICE"
assert_exit 0 probe_as "$BOB"
wait "$CAROL_PID" || fail "carol's open connection stopped being answered: $(<"$TEST_DIR/carol.out")"
assert_eq 25 "$(grep -c '^reply' "$TEST_DIR/carol.out")" "answers on carol's open connection"

step "a malformed line is skipped with a warning naming FILE:LINE"
echo "this is not a key line" >>"$KEYS"
BAD_LINE=$(grep -c '' "$KEYS")
assert_exit 0 probe_as "$BOB"
wait_for "the malformed-line warning" 5 grep -q "$KEYS:$BAD_LINE: .* the line is skipped" "$LOG"

step "a peer that never finishes its handshake is dropped after handshake-timeout"
exec {raw}<>"/dev/tcp/127.0.0.1/$SCHEDULER_PORT"
started=$(now_ms)
status=0
timeout 10 cat <&"$raw" >/dev/null || status=$? # EOF or a reset, not the timeout
((status != 124)) || fail "the silent peer was not dropped within 10 s"
elapsed=$(($(now_ms) - started))
exec {raw}<&-
((elapsed >= 700 && elapsed < 5000)) || fail "silent peer dropped after $elapsed ms, not about 1 s"

step "a restart keeps the server key and the allow-list"
signal_daemon scheduler TERM
start_scheduler
assert_eq "$SERVER_KEY" "$(<"$SCHEDULER_STATE/server.pub")" "server key after restart"
wait_for "the CURVE log line after restart" 5 grep -q "CURVE on; 1 keys allowed" "$LOG"
assert_exit 0 probe_as "$BOB"

step "insecure = true: plaintext, with a warning naming the risk"
printf 'insecure = true\nstate-dir = %s\nlisten = tcp://127.0.0.1:*\n' "$TEST_DIR/open" \
    >"$TEST_DIR/open.ini"
spawn_daemon open "$SCHEDULER_BIN" --config "$TEST_DIR/open.ini"
wait_for "the insecure scheduler's endpoint" 15 test -s "$TEST_DIR/open/endpoint"
OPEN_ENDPOINT=$(<"$TEST_DIR/open/endpoint")
grep -q "WARN --insecure: no encryption or authentication; anyone who can reach $OPEN_ENDPOINT can run commands as any user" \
    "$(daemon_log open)" || fail "no --insecure warning"
assert_exit 0 "$PROBE_BIN" --endpoint "$OPEN_ENDPOINT" --plain --timeout 1500
[[ ! -e "$TEST_DIR/open/server.key" ]] || fail "an insecure scheduler made a server key"

step "root editing the state dir of a scheduler that runs as another account keeps it theirs"
if ((EUID == 0)); then
    OWNED=$TEST_DIR/owned
    mkdir -m 0700 "$OWNED"
    chown nobody "$OWNED"
    assert_exit 0 "$SCHEDULER_BIN" --state-dir "$OWNED" server-key
    assert_exit 0 "$SCHEDULER_BIN" --state-dir "$OWNED" enroll --role user --name alice "$ALICE"
    for file in server.key server.pub keys keys.lock; do
        assert_eq nobody "$(stat -c %U "$OWNED/$file")" "owner of $file"
    done
else
    step "(skipped: not root)"
fi
