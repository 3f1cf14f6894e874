#!/bin/bash
# cli_secure.sh — keys against a real secured scheduler on 127.0.0.1: an enrolled user and
# worker get through, an unenrolled or revoked key and plaintext are refused at once with one
# clear line, and a worker with unusable keys stops at start (exit 2).
# Usage: cli_secure.sh COHORT COHORT-SCHEDULER COHORT-WORKER
set -u
cohort_bin=$1 scheduler_bin=$2 worker_bin=$3
CLI_TEST=cli-secure
source "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# expect_refusal PATTERN -- ARGS...: cohort ARGS exits 1 within 3 s, stderr one line matching
expect_refusal() {
    local pattern=$1 err rc started=$SECONDS
    shift 2
    err=$(timeout 20 "$cohort_bin" --scheduler "$endpoint" "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc -ne 1 || $(printf '%s\n' "$err" | wc -l) -ne 1 || ! $err =~ $pattern ]]; then
        fail "cohort $* exited $rc with '$err', not 1 with '$pattern'"
    elif ((SECONDS - started > 3)); then
        fail "cohort $* took $((SECONDS - started)) s to be refused"
    fi
}

export XDG_CONFIG_HOME=$dir/config COHORT_TIMEOUT=10
unset COHORT_SERVER_KEY COHORT_KEY_FILE COHORT_INSECURE
state=$dir/state
mkdir -p "$state"
"$scheduler_bin" --listen 'tcp://127.0.0.1:*' --state-dir "$state" 2>"$dir/scheduler.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $state/endpoint ]] && break; sleep 0.1; done
endpoint=$(cat "$state/endpoint") || { echo "the scheduler wrote no endpoint"; exit 1; }
[[ -s $state/server.pub ]] || { echo "the scheduler wrote no server.pub"; exit 1; }

# a user: keygen, enroll, then status works with the server key from the environment
user_key=$("$cohort_bin" keygen) || fail "keygen"
# (a Z85 key may start with '-': it goes after '--')
"$scheduler_bin" --state-dir "$state" enroll --role admin --name "$(id -un)" -- "$user_key" \
    >/dev/null || fail "enroll the user"
COHORT_SERVER_KEY=$state/server.pub "$cohort_bin" --scheduler "$endpoint" status >/dev/null ||
    fail "an enrolled key could not get the status"
# ... and with the default server.pub
cp "$state/server.pub" "$XDG_CONFIG_HOME/cohort/server.pub"
"$cohort_bin" --scheduler "$endpoint" status >/dev/null || fail "the default files did not work"

# a worker with its own key runs a job
"$cohort_bin" keygen "$dir/worker.key" >"$dir/worker.pub" || fail "keygen for the worker"
"$scheduler_bin" --state-dir "$state" enroll --role worker --name w1 -- "$(cat "$dir/worker.pub")" \
    >/dev/null || fail "enroll the worker"
"$worker_bin" --scheduler "$endpoint" --name w1 --cpus 1 --mem 1G --spool "$dir/spool" \
    --key "$dir/worker.key" --server-key "$state/server.pub" 2>"$dir/w1.log" &
pids+=($!)
id=$("$cohort_bin" --scheduler "$endpoint" submit --wait -- echo secured) ||
    fail "a job did not complete (worker log: $(tail -3 "$dir/w1.log"))"
[[ $("$cohort_bin" --scheduler "$endpoint" logs "$id" 2>&1) == secured ]] ||
    fail "the job's output is not 'secured'"

# refusals: an unenrolled key, plaintext, a wrong server key, a revoked key
"$cohort_bin" keygen "$dir/stranger.key" >/dev/null
expect_refusal "^cohort: the scheduler at $endpoint refused this key \(not enrolled, or revoked\)$" \
    -- --key "$dir/stranger.key" status
expect_refusal "^cohort: the scheduler at $endpoint refused a plaintext connection" \
    -- --insecure status
expect_refusal "^cohort: the scheduler at $endpoint broke off the CURVE handshake" \
    -- --server-key "$(cat "$dir/worker.pub")" status
"$scheduler_bin" --state-dir "$state" revoke -- "$user_key" >/dev/null || fail "revoke"
expect_refusal "^cohort: the scheduler at $endpoint refused this key \(not enrolled, or revoked\)$" \
    -- status

# a worker with a key the scheduler does not know says so in its log, and keeps trying
"$worker_bin" --scheduler "$endpoint" --name w3 --cpus 1 --mem 1G --spool "$dir/spool3" \
    --key "$dir/stranger.key" --server-key "$state/server.pub" 2>"$dir/w3.log" &
pids+=($!)
for _ in $(seq 50); do grep -q "refused this key" "$dir/w3.log" && break; sleep 0.1; done
grep -q "ERROR the scheduler at $endpoint refused this key (not enrolled, or revoked); trying again" \
    "$dir/w3.log" || fail "the unenrolled worker did not log the refusal: $(cat "$dir/w3.log")"

# a worker whose keys cannot work says so at start
err=$("$worker_bin" --scheduler "$endpoint" --name w2 --spool "$dir/spool2" \
    --server-key "$state/server.pub" --key "$dir/missing.key" 2>&1)
rc=$?
[[ $rc -eq 2 && $err =~ ^cohort-worker:\ cannot\ open\ $dir/missing.key && $(wc -l <<<"$err") -eq 1 ]] ||
    fail "worker with a missing key file: exit $rc, '$err'"
err=$(XDG_CONFIG_HOME=$dir/empty "$worker_bin" --scheduler tcp://192.0.2.1:7700 --name w2 \
    --spool "$dir/spool2" 2>&1)
rc=$?
[[ $rc -eq 2 && $err == "cohort-worker: no server key for tcp://192.0.2.1:7700: set COHORT_SERVER_KEY (or use --insecure)" ]] ||
    fail "worker in plaintext to a remote scheduler: exit $rc, '$err'"

if [[ $failures -ne 0 ]]; then
    echo "$failures checks failed"
    exit 1
fi
echo "all checks passed"
