#!/bin/bash
# cli_usage.sh — the cohort command without a scheduler: help, version, usage errors (exit 2,
# one line on stderr), bad values and an unreachable scheduler (exit 1, one line).
# Usage: cli_usage.sh COHORT
set -u
cohort=$1
failures=0
# keys: only those a check gives (no default files, nothing from the environment)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME=$scratch/config
unset COHORT_SERVER_KEY COHORT_KEY_FILE COHORT_INSECURE

# expect STATUS PATTERN -- ARGS...: run cohort (with COHORT_TIMEOUT=${TEST_TIMEOUT:-1}), check
# its exit status, and that stderr is one line matching PATTERN (when PATTERN is not empty).
expect() {
    local status=$1 pattern=$2
    shift 3
    local err rc
    err=$(COHORT_TIMEOUT=${TEST_TIMEOUT:-1} timeout 20 "$cohort" "$@" 2>&1 >/dev/null)
    rc=$?
    if [[ $rc -ne $status ]]; then
        echo "FAIL: cohort $* exited $rc, not $status (stderr: $err)"
        failures=$((failures + 1))
    elif [[ -n $pattern && ( $(printf '%s\n' "$err" | wc -l) -ne 1 || ! $err =~ $pattern ) ]]; then
        echo "FAIL: cohort $*: stderr '$err' is not one line matching '$pattern'"
        failures=$((failures + 1))
    fi
}

unreachable=tcp://127.0.0.1:1
expect 0 '' -- --help
expect 0 '' -- --version
expect 0 '' -- submit --help
expect 0 '' -- jobs --help
[[ $("$cohort" --version) == "cohort "* ]] || { echo "FAIL: --version"; failures=$((failures + 1)); }
expect 2 "^cohort: no command given" --
expect 2 "^cohort: unknown command 'frob'" -- frob
expect 2 "^cohort: unknown option '--frob'" -- --frob
# usage errors: the command line is not well-formed (exit 2)
expect 2 "^cohort: 'submit' needs a command" -- submit -c 2
expect 2 "^cohort: option '-m' of 'submit' needs a value" -- submit -m
expect 2 "^cohort: unknown option '--frob' for 'submit'" -- submit --frob -- true
expect 2 "^cohort: 'show' needs a job id" -- show
expect 2 "^cohort: 'logs' takes one job id" -- logs 1 2
expect 2 "^cohort: 'cancel' needs at least one job id" -- cancel
expect 2 "^cohort: unknown option '-3' for 'wait'" -- wait 1 -3
expect 2 "^cohort: option '--timeout' of 'wait' needs a value" -- wait 1 --timeout
expect 2 "^cohort: 'drain' needs exactly one worker name" -- drain
expect 2 "^cohort: 'status' takes no arguments" -- status now
# bad values of well-formed options and arguments (exit 1, DESIGN.md: "bad size...")
expect 1 "^cohort: invalid memory size '12Q' \(use e.g. 512M or 2G\)$" -- submit -m 12Q -- true
expect 1 "^cohort: invalid cpu count '0'" -- submit -c 0 -- true
expect 1 "^cohort: invalid time limit '5y'" -- submit -t 5y -- true
expect 1 "^cohort: invalid time limit 'abc'" -- submit -t abc -- true
expect 1 "^cohort: invalid priority 'high'" -- submit -p high -- true
expect 1 "^cohort: invalid priority 'x'" -- submit -p x -- true
expect 1 "^cohort: invalid array range '9-1'" -- submit -a 9-1 -- true
expect 1 "^cohort: invalid environment entry '=x'" -- submit -e =x -- true
expect 1 "^cohort: invalid retry count '-1'" -- submit --retries -1 -- true
expect 1 "^cohort: unknown job state 'done'" -- jobs --state running,done
expect 1 "^cohort: invalid limit '0'" -- jobs --limit 0
expect 1 "^cohort: invalid job id 'x1'" -- show x1
expect 1 "^cohort: invalid job id '0'" -- cancel 0
expect 1 "^cohort: invalid timeout 'soon'" -- wait 1 --timeout soon
expect 1 "^cohort: invalid timeout '-1'" -- wait 1 --timeout -1
expect 1 "^cohort: invalid timeout '0.5.1'" -- wait 1 --timeout 0.5.1
TEST_TIMEOUT=soon expect 1 "^cohort: invalid COHORT_TIMEOUT 'soon'" -- status
for command in "status" "jobs" "workers" "show 1" "logs 1" "cancel 1" "wait 1" "drain w" \
    "resume w" "wait 1 --timeout 0.5"; do
    # shellcheck disable=SC2086
    expect 1 "^cohort: no answer from the scheduler at $unreachable within 1 s$" -- \
        --scheduler $unreachable $command
done
# a submission is sent again until six timeouts have passed, and says so
expect 1 "^cohort: no answer from the scheduler at $unreachable within [0-9.]+ s \(sent [0-9]+ times\)$" \
    -- --scheduler $unreachable submit -- true
expect 1 "^cohort: no answer from the scheduler" -- status --json --scheduler $unreachable
expect 1 "^cohort: invalid scheduler endpoint 'nowhere'" -- --scheduler nowhere status

# keygen: a new key file (0600, in a new 0700 directory), its public key on stdout
key=$("$cohort" keygen 2>&1)
if [[ ! $key =~ ^.{40}$ || $(stat -c %a "$XDG_CONFIG_HOME/cohort") != 700 ||
    $(stat -c %a "$XDG_CONFIG_HOME/cohort/key") != 600 ]] ||
    ! grep -qxF "public-key = $key" "$XDG_CONFIG_HOME/cohort/key"; then
    echo "FAIL: cohort keygen printed '$key' or wrote a bad key file"
    failures=$((failures + 1))
fi
expect 1 "^cohort: $XDG_CONFIG_HOME/cohort/key already exists: use --force to replace it$" -- keygen
grep -qxF "public-key = $key" "$XDG_CONFIG_HOME/cohort/key" ||
    { echo "FAIL: keygen without --force changed the key file"; failures=$((failures + 1)); }
expect 0 '' -- keygen --force
grep -qxF "public-key = $key" "$XDG_CONFIG_HOME/cohort/key" &&
    { echo "FAIL: keygen --force kept the old key"; failures=$((failures + 1)); }
expect 0 '' -- keygen "$scratch/other/key"
expect 0 '' -- --key "$scratch/third" keygen
[[ -f $scratch/third ]] || { echo "FAIL: keygen ignored --key"; failures=$((failures + 1)); }
expect 2 "^cohort: 'keygen' takes at most one file" -- keygen a b
expect 2 "^cohort: option '--server-key' needs a value" -- --server-key
# which keys: plaintext only to this machine, a server key needs a key file
remote=tcp://192.0.2.1:7700
expect 1 "^cohort: no server key for $remote: set COHORT_SERVER_KEY \(or use --insecure\)$" -- \
    --scheduler $remote status
COHORT_SCHEDULER=$remote expect 1 "^cohort: no server key for $remote" -- jobs
rm "$XDG_CONFIG_HOME/cohort/key"
expect 1 "^cohort: no key file: run cohort keygen$" -- --server-key "$key" status
expect 1 "^cohort: bad server key: " -- --server-key "$scratch/nothing" --key "$scratch/third" status
chmod 644 "$scratch/third"
expect 1 "^cohort: $scratch/third holds a secret key but others may read it: chmod 600" -- \
    --server-key "$key" --key "$scratch/third" status
chmod 600 "$scratch/third"
# with usable keys, the request goes out (and finds nobody there)
expect 1 "^cohort: no answer from the scheduler at $unreachable within 1 s$" -- \
    --server-key "$key" --key "$scratch/third" --scheduler $unreachable status
COHORT_SERVER_KEY=$key COHORT_KEY_FILE=$scratch/third expect 1 "^cohort: no answer from the" -- \
    --scheduler $unreachable status
echo "$key" >"$XDG_CONFIG_HOME/cohort/server.pub"
cp "$scratch/third" "$XDG_CONFIG_HOME/cohort/key"
expect 1 "^cohort: no answer from the scheduler at $unreachable within 1 s$" -- \
    --scheduler $unreachable status

if [[ $failures -ne 0 ]]; then
    echo "$failures checks failed"
    exit 1
fi
echo "all checks passed"
