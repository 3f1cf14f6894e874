#!/usr/bin/env bash
# 10-job-output.sh — a job's output, environment, cwd and stdin, and the --json listings.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOB_FIELDS=(id name user state exit_code signal reason cpus mem priority worker attempts
    array_index submitted_at started_at finished_at command)
WORKER_FIELDS=(name state cpus cpus_used mem mem_used running labels last_seen)

start_scheduler
# A variable in the worker's environment that no job may see.
COHORT_WORKER_SECRET=leaked start_worker w1 --cpus 2 --mem 1G --label zone=a
wait_workers_up 1

step "stdout through logs, stderr through logs --stderr, COHORT_JOB_ID set"
run cohort submit -J out-test -- sh -c 'echo "to stdout $COHORT_JOB_ID"; echo "to stderr" >&2'
((RUN_STATUS == 0)) || fail "submit exited $RUN_STATUS: $RUN_ERR"
id=$RUN_OUT
[[ "$id" =~ ^[0-9]+$ ]] || fail "submit printed '$id', not one job id"
assert_exit 0 cohort wait "$id" --timeout 30
assert_eq "to stdout $id" "$(cohort logs "$id")" "logs"
assert_eq "to stderr" "$(cohort logs "$id" --stderr)" "logs --stderr"

step "show --json"
show=$(cohort show "$id" --json)
assert_json_has "$show" "show --json" "${JOB_FIELDS[@]}"
assert_eq "$id" "$(jq -r .id <<<"$show")" "show .id"
assert_eq out-test "$(jq -r .name <<<"$show")" "show .name"
assert_eq "$(id -un)" "$(jq -r .user <<<"$show")" "show .user"
assert_eq completed "$(jq -r .state <<<"$show")" "show .state"
assert_eq 0 "$(jq -r .exit_code <<<"$show")" "show .exit_code"
assert_eq 1 "$(jq -r .cpus <<<"$show")" "show .cpus"
assert_eq w1 "$(jq -r .worker <<<"$show")" "show .worker"
assert_eq 1 "$(jq -r .attempts <<<"$show")" "show .attempts"
assert_eq '["sh","-c"]' "$(jq -c '.command[0:2]' <<<"$show")" "show .command"
for field in submitted_at started_at finished_at; do
    assert_rfc3339 "$(jq -r ".$field" <<<"$show")" "show .$field"
done
jq -e '.submitted_at <= .started_at and .started_at <= .finished_at' <<<"$show" >/dev/null ||
    fail "times out of order: $show"
jq -e '.array_index == null or .array_index == -1' <<<"$show" >/dev/null ||
    fail "a single job has array_index $(jq .array_index <<<"$show")"

step "jobs, workers and status --json"
jobs=$(cohort jobs --all --json)
jq -e 'type == "array"' <<<"$jobs" >/dev/null || fail "jobs --json is not an array: $jobs"
row=$(jq -c --argjson id "$id" '.[] | select(.id == $id)' <<<"$jobs")
assert_json_has "$row" "jobs --json row" "${JOB_FIELDS[@]}"
assert_eq '[]' "$(cohort jobs --json | jq -c --argjson id "$id" '[.[] | select(.id == $id)]')" \
    "jobs without --all lists a completed job"

workers=$(cohort workers --json)
row=$(jq -c '.[] | select(.name == "w1")' <<<"$workers")
assert_json_has "$row" "workers --json row" "${WORKER_FIELDS[@]}"
assert_eq up "$(jq -r .state <<<"$row")" "worker state"
assert_eq 2 "$(jq -r .cpus <<<"$row")" "worker cpus"
assert_eq $((1 << 30)) "$(jq -r .mem <<<"$row")" "worker mem"
assert_eq a "$(jq -r .labels.zone <<<"$row")" "worker label zone"
assert_rfc3339 "$(jq -r .last_seen <<<"$row")" "worker last_seen"

status=$(cohort status --json)
for path in .workers.total .workers.up .workers.draining .workers.down .cpus.total .cpus.used \
    .mem.total .mem.used .jobs.pending .jobs.running .jobs.completed .jobs.failed \
    .jobs.cancelled .jobs.timeout; do
    jq -e "$path | type == \"number\"" <<<"$status" >/dev/null ||
        fail "status --json: $path is not a number: $status"
done
assert_eq 1 "$(jq .workers.up <<<"$status")" "status workers.up"
assert_eq 2 "$(jq .cpus.total <<<"$status")" "status cpus.total"
assert_eq 1 "$(jq .jobs.completed <<<"$status")" "status jobs.completed"

step "submit --json"
ids=$(cohort submit --json -- true)
assert_eq 1 "$(jq '.ids | length' <<<"$ids")" "submit --json ids"
jq -e '.ids[0] | type == "number"' <<<"$ids" >/dev/null || fail "submit --json: $ids"

step "the worker's environment does not leak; -e adds variables"
id=$(cohort submit -e GREETING=hello -e 'EQUALS=a=b' -e EMPTY= -- \
    sh -c 'echo "secret=${COHORT_WORKER_SECRET:-unset} $GREETING $EQUALS [${EMPTY-unset}]"; env')
assert_exit 0 cohort wait "$id" --timeout 30
output=$(cohort logs "$id")
assert_eq "secret=unset hello a=b []" "$(head -n 1 <<<"$output")" "job environment"
allowed='^(PATH|HOME|USER|LOGNAME|COHORT_[A-Z_]+|GREETING|EQUALS|EMPTY|PWD|OLDPWD|SHLVL|_)='
extra=$(tail -n +2 <<<"$output" | grep -vE "$allowed" || true)
[[ -z "$extra" ]] || fail "the job saw variables it should not: $extra"
for name in PATH HOME USER LOGNAME COHORT_JOB_ID; do
    grep -q "^$name=" <<<"$output" || fail "the job's environment lacks $name"
done

step "-D sets the working dir; the default is the submitter's"
mkdir -p "$TEST_DIR/chosen" "$TEST_DIR/submitted-from"
id=$(cohort submit -D "$TEST_DIR/chosen" -- sh -c 'pwd -P; echo made > made-here')
assert_exit 0 cohort wait "$id" --timeout 30
assert_eq "$(cd "$TEST_DIR/chosen" && pwd -P)" "$(cohort logs "$id")" "cwd with -D"
[[ -f "$TEST_DIR/chosen/made-here" ]] || fail "the job did not write into its -D dir"
id=$(cd "$TEST_DIR/submitted-from" && cohort submit -- pwd -P)
assert_exit 0 cohort wait "$id" --timeout 30
assert_eq "$(cd "$TEST_DIR/submitted-from" && pwd -P)" "$(cohort logs "$id")" "default cwd"

step "-i feeds a file to stdin; without it stdin is empty"
printf 'first line\nsecond line\n' >"$TEST_DIR/input.txt"
id=$(cohort submit -i "$TEST_DIR/input.txt" -- cat)
assert_exit 0 cohort wait "$id" --timeout 30
assert_eq "$(cat "$TEST_DIR/input.txt")" "$(cohort logs "$id")" "stdin from -i"
id=$(cohort submit -- cat)
assert_exit 0 cohort wait "$id" --timeout 30
assert_eq "" "$(cohort logs "$id")" "stdin without -i"

step "a job starts with no signal blocked or ignored, whatever the worker ignores"
ignored=$(awk '/^SigIgn:/ { print $2 }' "/proc/$(daemon_pid w1)/status")
[[ "$ignored" != 0000000000000000 ]] ||
    fail "the worker ignores no signal (SIGPIPE at least): this step would prove nothing"
id=$(cohort submit -- grep -E '^Sig(Blk|Ign):' /proc/self/status)
assert_exit 0 cohort wait "$id" --timeout 30
read -r _ blocked _ ignored <<<"$(cohort logs "$id" | tr '\n' ' ')"
assert_eq 0000000000000000 "$blocked" "the job's blocked signals"
# glibc's posix_spawn (sanitizer builds) leaves its two internal signals, 32 and 33, ignored
assert_eq 0 "$((0x$ignored & ~0x180000000))" "the job's ignored signals (0x$ignored)"

step "the daemons run under SCHED_BATCH, their jobs under SCHED_OTHER (as the test does)"
# field 41 of /proc/PID/stat, the 39th after the command name: 0 SCHED_OTHER, 3 SCHED_BATCH
policy_of() { sed 's/.*) //' "$1" | cut -d' ' -f39; }
if [[ "$(policy_of /proc/self/stat)" == 0 ]]; then
    for task in /proc/"$(daemon_pid scheduler)"/task/* /proc/"$(daemon_pid w1)"/task/*; do
        # a thread may end between the listing and the read (the WAL syncer's, say)
        policy=$(policy_of "$task/stat" 2>/dev/null) && [[ -n "$policy" ]] || continue
        assert_eq 3 "$policy" "policy of thread $task"
    done
    policy_id=$(cohort submit -- cat /proc/self/stat)
    assert_exit 0 cohort wait "$policy_id" --timeout 30
    assert_eq 0 "$(policy_of <(cohort logs "$policy_id"))" "a job's policy"
else
    step "skipped: this test runs under another policy, which the daemons keep"
fi

step "--wait returns the job's exit status"
assert_exit 0 cohort submit --wait -- true
assert_exit 7 cohort submit --wait -- sh -c 'exit 7'
