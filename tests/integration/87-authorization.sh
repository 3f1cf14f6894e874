#!/usr/bin/env bash
# 87-authorization.sh — on a secure scheduler, roles come from the key: users act only on
# their own jobs, only admins drain, user keys cannot be workers, worker keys cannot submit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# no default key files of whoever runs the test: every key is named below
export HOME=$TEST_DIR/home XDG_CONFIG_HOME=$TEST_DIR/home/.config
unset COHORT_INSECURE COHORT_KEY_FILE COHORT_SERVER_KEY
KEYS=$TEST_DIR/keys
mkdir -p "$HOME" "$KEYS"
chmod 0700 "$HOME" "$KEYS"

# Make a key file for NAME and enroll it: new_key NAME ROLE ENROLLED_NAME.
new_key() {
    cohort keygen "$KEYS/$1.key" >"$KEYS/$1.pub"
    "$SCHEDULER_BIN" --state-dir "$SCHEDULER_STATE" enroll --role "$2" --name "$3" \
        "$KEYS/$1.pub" >/dev/null
}

# Run a command with the key of NAME: as NAME COMMAND ARGS...
as() {
    local who=$1
    shift
    COHORT_KEY_FILE=$KEYS/$who.key "$@"
}

# The last command failed (exit 1) and its one line on stderr holds TEXT: refused WHAT TEXT.
refused() {
    ((RUN_STATUS == 1)) || fail "$1: exited $RUN_STATUS, expected 1 (stderr: ${RUN_ERR:0:300})"
    assert_one_error_line "$1"
    [[ "$RUN_ERR" == *"$2"* ]] || fail "$1: expected '$2' on stderr, got '${RUN_ERR:0:300}'"
}

step "a secure scheduler with user keys for alice and bob, an admin key and a worker key"
mkdir -p "$SCHEDULER_STATE"
chmod 0700 "$SCHEDULER_STATE"
new_key alice user alice
new_key bob user bob
new_key ops admin ops
new_key w1 worker w1
start_scheduler
grep -q 'insecure' "$(daemon_log scheduler)" && fail "the scheduler started insecure"
wait_for "the server key" 10 test -s "$SCHEDULER_STATE/server.pub"
export COHORT_SERVER_KEY=$SCHEDULER_STATE/server.pub
export COHORT_KEY_FILE=$KEYS/ops.key # lib.sh's own queries (job_field, workers) as admin
start_worker w1 --cpus 4 --key "$KEYS/w1.key" --server-key "$COHORT_SERVER_KEY"
wait_workers_up 1

step "jobs belong to the key that submitted them, whatever the client says it is"
claimed=$(id -un)
[[ "$claimed" != alice && "$claimed" != bob ]] || fail "run this test as neither alice nor bob"
# a root worker runs them as nobody (no alice or bob accounts): in a dir anyone may enter
alice_done=$(as alice cohort submit -D / -- echo alice-output)
alice_running=$(as alice cohort submit -D / -- sleep 300)
bob_done=$(as bob cohort submit -D / -- echo bob-secret)
bob_running=$(as bob cohort submit -D / -- sleep 300)
on_cleanup "cohort cancel $alice_running $bob_running >/dev/null 2>&1 || true"
assert_eq alice "$(job_field "$alice_done" user)" "owner of alice's job (client claims $claimed)"
assert_eq bob "$(job_field "$bob_running" user)" "owner of bob's job (client claims $claimed)"
wait_state "$alice_done" completed 20
wait_state "$bob_done" completed 20
wait_state "$bob_running" running 20

step "alice cannot cancel, wait on or read the output of bob's jobs"
run as alice cohort cancel "$bob_running"
refused "alice cancels bob's job" \
    "job $bob_running belongs to bob: only bob or an admin may cancel it"
run as alice cohort wait "$bob_done"
refused "alice waits on bob's job" \
    "job $bob_done belongs to bob: only bob or an admin may wait for it"
run as alice cohort wait "$alice_done" "$bob_done"
refused "alice waits on her job and bob's" "job $bob_done belongs to bob"
run as alice cohort logs "$bob_done"
refused "alice reads bob's output" \
    "job $bob_done belongs to bob: only bob or an admin may read its output"
[[ "$RUN_OUT" != *bob-secret* ]] || fail "alice read bob's output"
assert_eq running "$(job_field "$bob_running" state)" "bob's job after alice's attempts"

step "alice can on her own jobs; in a cancel of several, only bob's job is refused"
assert_exit 0 as alice cohort logs "$alice_done"
assert_eq alice-output "$RUN_OUT" "alice's output"
assert_exit 0 as alice cohort wait "$alice_done"
run as alice cohort cancel "$alice_running" "$bob_running"
((RUN_STATUS == 1)) || fail "a cancel with bob's job in it exited $RUN_STATUS, expected 1"
[[ "$RUN_ERR" == *"cannot cancel job $bob_running"* ]] ||
    fail "the refused job is not named: '${RUN_ERR:0:300}'"
[[ "$RUN_ERR" != *"job $alice_running"* ]] || fail "alice's own job was refused: '$RUN_ERR'"
wait_state "$alice_running" cancelled 10
assert_eq running "$(job_field "$bob_running" state)" "bob's job after alice's cancel"

step "everyone with a user key sees every job and the pool"
assert_exit 0 as alice cohort jobs --all --json
assert_eq 4 "$(jq length <<<"$RUN_OUT")" "jobs alice sees"
assert_exit 0 as alice cohort status
assert_exit 0 as alice cohort workers

step "a user key cannot drain or resume; a worker key cannot submit"
run as alice cohort drain w1
refused "alice drains w1" "only an admin may drain workers"
run as alice cohort resume w1
refused "alice resumes w1" "only an admin may resume workers"
assert_eq up "$(cohort workers --json | jq -r '.[] | select(.name == "w1") | .state')" \
    "w1 after alice's drain"
run as w1 cohort submit -- true
refused "the worker key submits" "worker keys cannot submit jobs"

step "a user key cannot register a worker, nor a worker key under another name"
start_worker intruder --key "$KEYS/alice.key" --server-key "$COHORT_SERVER_KEY"
start_worker w2 --key "$KEYS/w1.key" --server-key "$COHORT_SERVER_KEY"
wait_for "the refusal in the scheduler's log" 20 \
    grep -qE 'refused [0-9]+ worker registration' "$(daemon_log scheduler)"
grep -qE 'by (user key alice: user keys cannot act as workers|worker key w1: this worker key may register only as w1, not as w2)' \
    "$(daemon_log scheduler)" || fail "the refusal does not name the key"
sleep 3 # a worker the scheduler accepts shows up within a second
names=$(cohort workers --json | jq -r '[.[].name] | join(" ")')
assert_eq w1 "$names" "workers after the refused registrations"
signal_daemon intruder TERM
signal_daemon w2 TERM

step "an admin cancels bob's job, and drains and resumes workers"
assert_exit 0 cohort cancel "$bob_running"
wait_state "$bob_running" cancelled 10
assert_exit 0 cohort drain w1
wait_worker_state w1 draining 5
assert_exit 0 cohort resume w1
wait_worker_state w1 up 5
