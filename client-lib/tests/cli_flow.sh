#!/bin/bash
# cli_flow.sh — every cohort command against a real scheduler and two workers on 127.0.0.1.
# Usage: cli_flow.sh COHORT COHORT-SCHEDULER COHORT-WORKER [SUBMIT-100]
set -u
cohort_bin=$1 scheduler_bin=$2 worker_bin=$3 submit_100_bin=${4:-}
CLI_TEST=cli-flow
source "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"

# check WHAT EXPECTED ACTUAL
check() {
    [[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

# plaintext on 127.0.0.1; no keys from the environment or default files of whoever runs this
export XDG_CONFIG_HOME=$dir/config
unset COHORT_SERVER_KEY COHORT_KEY_FILE COHORT_INSECURE
mkdir -p "$dir/state" "$dir/spool1" "$dir/spool2"
"$scheduler_bin" --insecure --listen 'tcp://127.0.0.1:*' --state-dir "$dir/state" \
    2>"$dir/scheduler.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $dir/state/endpoint ]] && break; sleep 0.1; done
endpoint=$(cat "$dir/state/endpoint") || { echo "the scheduler wrote no endpoint"; exit 1; }
# as root, root's jobs would run as nobody, who cannot enter this test's 0700 dirs
root_jobs=()
((EUID != 0)) || root_jobs=(--allow-root-jobs)
"$worker_bin" --scheduler "$endpoint" --name w1 --cpus 2 --mem 2G --label zone=a \
    --spool "$dir/spool1" "${root_jobs[@]}" 2>"$dir/w1.log" &
pids+=($!)
"$worker_bin" --scheduler "$endpoint" --name w2 --cpus 2 --mem 2G --spool "$dir/spool2" \
    "${root_jobs[@]}" 2>"$dir/w2.log" &
pids+=($!)

cohort() { COHORT_TIMEOUT=10 "$cohort_bin" --scheduler "$endpoint" "$@"; }

for _ in $(seq 100); do
    [[ $(cohort status --json 2>/dev/null) == *'"up":2'* ]] && break
    sleep 0.1
done
check "workers up" 2 "$(cohort workers | tail -n +2 | grep -c ' up ')"

# submit and the mirrored exit statuses
id=$(cohort submit -J hello -- echo hello world)
check "submit prints an id" 1 "$([[ $id =~ ^[0-9]+$ ]] && echo 1)"
cohort wait "$id"
check "wait on a completed job" 0 $?
check "logs" "hello world" "$(cohort logs "$id")"
cohort submit --wait -- sh -c 'echo out; echo err >&2; exit 3' >/dev/null
check "exit code mirrored" 3 $?
failed_id=$(cohort jobs --state failed --json | grep -o '"id":[0-9]*' | tail -n 1 | cut -d: -f2)
check "stderr kept" err "$(cohort logs "$failed_id" --stderr)"
cohort submit --wait -t 1 -- sleep 10 >/dev/null
check "time limit mirrored" 124 $?
cohort submit --wait -- sh -c 'kill -9 $$' >/dev/null
check "signal mirrored" 137 $?

# arrays, environment, stdin, cwd
check "array prints one id per job" 5 "$(cohort submit -a 1-5 -- true | wc -l)"
array_out=$(cohort submit --wait -e GREETING=hi -a 7-7 -D / -- \
    sh -c 'echo $GREETING $COHORT_ARRAY_INDEX $(pwd)' | tail -n 1)
check "array env and cwd" "hi 7 /" "$(cohort logs "$array_out")"
printf 'from stdin' >"$dir/input"
stdin_id=$(cohort submit --wait -i "$dir/input" -- cat)
check "stdin" "from stdin" "$(cohort logs "$stdin_id")"
check "submit --json" 1 "$(cohort submit --json -- true | grep -c '^{"ids":\[[0-9]*\]}$')"

# show, jobs, json fields
show=$(cohort show "$id")
check "show state" 1 "$(grep -c '^state *completed$' <<<"$show")"
json=$(cohort show "$id" --json)
for field in id name user state exit_code signal reason cpus mem priority worker attempts \
    array_index submitted_at started_at finished_at command history; do
    [[ $json == *"\"$field\":"* ]] || fail "show --json lacks $field"
done
check "jobs --all --limit" 3 "$(cohort jobs --all --limit 2 | wc -l)"
cohort show 999999 2>"$dir/err"
check "show unknown exits 1" 1 $?
check "show unknown message" "cohort: no job 999999" "$(cat "$dir/err")"

# cancel and wait --timeout
sleeper=$(cohort submit -- sleep 60)
cohort wait "$sleeper" --timeout 1 2>/dev/null
check "wait --timeout" 1 $?
cohort cancel "$sleeper"
check "cancel" 0 $?
cohort wait "$sleeper"
check "cancelled mirrored" 1 $?
cohort cancel "$sleeper" 2>/dev/null
check "cancel an ended job" 1 $?

# the pool
cohort drain w1
check "drain" draining "$(cohort workers --json | grep -o '"name":"w1","state":"[a-z]*"' | cut -d'"' -f8)"
cohort resume w1
check "resume" up "$(cohort workers --json | grep -o '"name":"w1","state":"[a-z]*"' | cut -d'"' -f8)"
cohort drain nobody 2>/dev/null
check "drain unknown" 1 $?
check "status" 1 "$(cohort status | grep -c '^workers *2 up, 0 draining, 0 down (2 total)$')"
status_json=$(cohort status --json)
for field in workers cpus mem jobs pending running completed failed cancelled timeout; do
    [[ $status_json == *"\"$field\":"* ]] || fail "status --json lacks $field"
done

if [[ -n $submit_100_bin ]]; then
    "$submit_100_bin" "$endpoint" >/dev/null
    check "submit-100 example" 0 $?
fi

if [[ $failures -ne 0 ]]; then
    echo "$failures checks failed; logs in the scheduler and worker output above"
    cat "$dir/scheduler.log"
    exit 1
fi
echo "all checks passed"
