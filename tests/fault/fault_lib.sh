# fault_lib.sh — what the fault tests share, on top of tests/integration/lib.sh.
source "${COHORT_SRC:-$(dirname "${BASH_SOURCE[0]}")/../..}/tests/integration/lib.sh"

BURST_BIN=$COHORT_BIN/tests/cohort-submit-burst
FAKE_WORKER_BIN=$COHORT_BIN/tests/cohort-fake-worker
JOB_RECORDS_BIN=$COHORT_BIN/tests/cohort-job-records
END_STATES='["completed","failed","cancelled","timeout"]'

# Sleep a random number of milliseconds from LO to HI: sleep_random_ms LO HI.
sleep_random_ms() {
    rand_int "$1" "$2"
    sleep "$(printf '%d.%03d' $((RAND / 1000)) $((RAND % 1000)))"
}

# Start COMMAND ARGS... in the background (not a daemon: it may end on its own) and set
# BACKGROUND_PID; it is killed when the test ends if it still runs. It keeps the caller's
# stdin (a background command would otherwise read /dev/null).
start_background() {
    "$@" <&0 &
    BACKGROUND_PID=$!
    on_cleanup "kill -KILL $BACKGROUND_PID 2>/dev/null; wait $BACKGROUND_PID 2>/dev/null; true"
}

# Wait (bounded) for background PID to end and fail unless it exited 0:
# finish_background PID TIMEOUT_SECS WHAT.
finish_background() {
    local status=0
    wait_gone "$1" "$2" || fail "$3 (pid $1) still runs after ${2}s"
    wait "$1" || status=$?
    ((status == 0)) || fail "$3 exited with status $status"
}

# The attempts of job JOB as [[attempt, worker, state], ...] (compact JSON).
job_history() {
    cohort show "$1" --json | jq -c '[.history[] | [.attempt, .worker, .state]]'
}

# True when job JOB is in STATE with ATTEMPTS attempts started: job_is JOB STATE ATTEMPTS.
job_is() {
    cohort show "$1" --json |
        jq -e --arg s "$2" --argjson n "$3" '.state == $s and .attempts == $n' >/dev/null
}

# Wait until job JOB is in STATE with ATTEMPTS attempts: wait_job JOB STATE ATTEMPTS SECS.
wait_job() {
    local deadline=$(($(date +%s%N) + $4 * 1000000000))
    until job_is "$1" "$2" "$3" 2>/dev/null; do
        check_daemons_alive
        (($(date +%s%N) < deadline)) ||
            fail "job $1 is not $2 with $3 attempt(s) after ${4}s: $(job_summary "$1")"
        sleep 0.1
    done
}

# "state S, attempts N, worker W, history [...]" of job JOB, for failure messages.
job_summary() {
    cohort show "$1" --json 2>/dev/null |
        jq -r '"state \(.state), attempts \(.attempts), worker \(.worker), history " +
            ([.history[] | [.attempt, .worker, .state]] | tostring)' ||
        echo "unknown"
}

# Fail unless job JOB has exactly one attempt in an end state (one recorded result).
assert_one_result() {
    local results
    results=$(cohort show "$1" --json | jq --argjson ends "$END_STATES" \
        '[.history[] | select(.state as $s | $ends | index($s))] | length')
    [[ "$results" == 1 ]] || fail "job $1 has $results recorded results: $(job_summary "$1")"
}

# Write every job's record (cohort-job-records: ID STATE ATTEMPTS RESULTS HISTORY NAME,
# tab-separated) to FILE.
save_job_records() {
    "$JOB_RECORDS_BIN" >"$1" || fail "cannot read the jobs' records from the scheduler"
}
