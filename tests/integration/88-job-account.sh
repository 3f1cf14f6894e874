#!/usr/bin/env bash
# 88-job-account.sh — a root worker runs jobs as their owners; planted spool links are not followed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Start worker NAME with only the given account settings (start_worker may add its own).
start_account_worker() {
    local name=$1
    shift
    mkdir -p "$TEST_DIR/spool/$name"
    spawn_daemon "$name" "$WORKER_BIN" --scheduler "$COHORT_SCHEDULER" --name "$name" \
        --spool "$TEST_DIR/spool/$name" "$@"
}

# Submit as ACCOUNT from its home: submit_as ACCOUNT HOME SUBMIT-ARGS... (prints the job id).
submit_as() {
    local account=$1 home=$2
    shift 2
    (cd "$home" && env HOME="$home" setpriv --reuid="$account" --regid="$account" \
        --init-groups "$CLI_BIN" submit "$@")
}

# Wait for job ID to complete and print its stdout.
job_output() {
    assert_exit 0 cohort wait "$1" --timeout 30
    cohort logs "$1"
}

# The next job id the scheduler will hand out (nobody else submits here).
next_job_id() {
    local last
    last=$(cohort jobs --all --json | jq '[.[].id] | max // 0')
    echo $((last + 1))
}

# Plant, where job ID's attempt 1 will be spooled on worker NAME, links to a victim file and
# dir; check that the job runs normally and the victims stay untouched.
check_planted_links() {
    local worker=$1 attempt_dir victim=$TEST_DIR/victim victim_dir=$TEST_DIR/victim-dir id
    printf 'victim\n' >"$victim"
    mkdir -p "$victim_dir"
    id=$(next_job_id)
    attempt_dir=$TEST_DIR/spool/$worker/$id.1
    mkdir "$attempt_dir"
    ln -s "$victim" "$attempt_dir/stdout"
    ln -s "$victim" "$attempt_dir/stderr"
    ln -s "$victim" "$attempt_dir/result"
    ln -s "$victim_dir" "$attempt_dir/work"
    assert_eq "$id" "$(cohort submit -D / -- sh -c 'echo written; echo oops >&2')" "planted job id"
    assert_eq written "$(job_output "$id")" "output of the job with planted links"
    assert_eq victim "$(cat "$victim")" "the victim file"
    assert_eq "" "$(ls -A "$victim_dir")" "the victim dir"
}

if ((EUID == 0)); then
    step "the worker refuses a job-user that does not exist, or is root"
    assert_exit 2 "$WORKER_BIN" --scheduler tcp://127.0.0.1:1 --spool "$TEST_DIR/spool/refused" \
        --job-user no-such-account-cohort
    assert_one_error_line "worker with a missing job-user"
    [[ "$RUN_ERR" == *"job-user 'no-such-account-cohort' does not exist"* ]] ||
        fail "unclear error for a missing job-user: $RUN_ERR"
    assert_exit 2 "$WORKER_BIN" --scheduler tcp://127.0.0.1:1 --spool "$TEST_DIR/spool/refused" \
        --job-user root
    [[ "$RUN_ERR" == *"job-user 'root' is root"* ]] || fail "unclear error for job-user root: $RUN_ERR"
fi

start_scheduler --insecure
# A variable in the worker's environment that no job may see.
COHORT_WORKER_SECRET=leaked start_account_worker w1
wait_workers_up 1

if ((EUID != 0)); then
    step "not root: jobs run as this user ($(id -un)); the account checks need root and are skipped"
    id=$(cohort submit -D / -- sh -c 'id -un; echo "secret=${COHORT_WORKER_SECRET:-unset}"')
    assert_eq "$(id -un)
secret=unset" "$(job_output "$id")" "job of a worker not running as root"
    step "links planted where a job's output goes are removed, never followed"
    check_planted_links w1
    exit 0
fi

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
ACCOUNT=cohortjob$$
GROUP=cohortgrp$$
HOME_DIR=$TEST_DIR/home
step "a temporary account $ACCOUNT, also in group $GROUP"
chmod 0711 "$TEST_DIR" # accounts pass through to their work dirs in the spool, and home
remove_account() {
    if id "$ACCOUNT" >/dev/null 2>&1; then userdel "$ACCOUNT" || return 1; fi
    groupdel "$GROUP"
}
groupadd "$GROUP"
on_cleanup remove_account
useradd --home-dir "$HOME_DIR" --create-home --user-group --groups "$GROUP" \
    --shell /bin/sh "$ACCOUNT"
expected_groups=$(id -G "$ACCOUNT" | tr ' ' '\n' | sort -n | xargs)
[[ "$expected_groups" == *"$(getent group "$GROUP" | cut -d: -f3)"* ]] ||
    fail "$ACCOUNT is not in $GROUP: $expected_groups"

step "a job submitted by $ACCOUNT runs as $ACCOUNT: uid, groups, HOME, USER, LOGNAME, cwd"
id=$(submit_as "$ACCOUNT" "$HOME_DIR" -- sh -c \
    'id -un; id -G | tr " " "\n" | sort -n | xargs; echo "$HOME|$USER|$LOGNAME"; pwd
     echo "secret=${COHORT_WORKER_SECRET:-unset}"; touch made-by-job; env')
assert_eq "$ACCOUNT" "$(job_field "$id" user)" "owner of the job"
output=$(job_output "$id")
assert_eq "$ACCOUNT" "$(sed -n 1p <<<"$output")" "id -un of the job"
assert_eq "$expected_groups" "$(sed -n 2p <<<"$output")" "id -G of the job"
assert_eq "$HOME_DIR|$ACCOUNT|$ACCOUNT" "$(sed -n 3p <<<"$output")" "HOME, USER, LOGNAME"
assert_eq "$HOME_DIR" "$(sed -n 4p <<<"$output")" "cwd of the job"
assert_eq "secret=unset" "$(sed -n 5p <<<"$output")" "the worker's environment"
assert_eq "$ACCOUNT" "$(stat -c %U "$HOME_DIR/made-by-job")" "owner of a file the job made"
allowed='^(PATH|HOME|USER|LOGNAME|COHORT_[A-Z_]+|PWD|OLDPWD|SHLVL|_)='
extra=$(tail -n +6 <<<"$output" | grep -vE "$allowed" || true)
[[ -z "$extra" ]] || fail "the job saw variables it should not: $extra"

step "$ACCOUNT's job reaches its work dir in the spool and cannot touch the worker's files there"
victim=$TEST_DIR/victim-of-job
printf 'victim\n' >"$victim"
id=$(next_job_id)
work_dir=$TEST_DIR/spool/w1/$id.1/work
assert_eq "$id" "$(submit_as "$ACCOUNT" "$HOME_DIR" -- sh -c "
    cd $work_dir && echo mine >here && cat here && stat -c %U .
    ln -s $victim ../result 2>/dev/null && echo linked
    echo x 2>/dev/null >>../stdout && echo appended
    ls .. >/dev/null 2>&1 && echo listed
    true")" "job id"
assert_eq "mine
$ACCOUNT" "$(job_output "$id")" "a job in its work dir"
assert_eq victim "$(cat "$victim")" "the victim file"

step "a job owned by root runs as nobody by default"
id=$(cohort submit -D / -- sh -c 'id -un; echo "$HOME"')
assert_eq "root" "$(job_field "$id" user)" "owner of the job"
assert_eq "nobody
$(getent passwd nobody | cut -d: -f6)" "$(job_output "$id")" "a root job on a default worker"

step "links planted where a job's output goes are removed, never followed"
check_planted_links w1

step "with --allow-root-jobs, a job owned by root runs as root"
signal_daemon w1 TERM
start_account_worker w2 --allow-root-jobs
wait_worker_state w2 up 20
id=$(cohort submit -D / -- id -un)
assert_eq root "$(job_output "$id")" "a root job with allow-root-jobs"
id=$(submit_as "$ACCOUNT" "$HOME_DIR" -- id -un)
assert_eq "$ACCOUNT" "$(job_output "$id")" "a user's job with allow-root-jobs"
