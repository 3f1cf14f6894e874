#!/usr/bin/env bash
# 80-chaos.sh — 2,000 short jobs while workers and the scheduler die at random: one result each.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

CHAOS_SECS=${CHAOS_SECS:-40}
BATCHES=${CHAOS_BATCHES:-20}
BATCH_SIZE=100
WORKERS=(w1 w2 w3)
seed_random
start_scheduler --heartbeat 0.2 --lease 5
for name in "${WORKERS[@]}"; do
    start_worker "$name" --cpus 2
done
wait_workers_up ${#WORKERS[@]}

# Submit the batches (arrays of short jobs) one by one in the background, through the CLI and
# its retries (each try waits up to 5 s, and a submission is resent under the same key for up
# to six times that: 30 s, well past the longest outage chaos causes, while a scheduler that
# is up answers at once, so the wait costs nothing then); each acknowledged batch appends
# "BATCH FIRST_ID COUNT", a refused one its error.
acked=$TEST_DIR/acked.txt
refused=$TEST_DIR/refused.txt
: >"$acked"
: >"$refused"
submit_batches() {
    local batch out
    for ((batch = 1; batch <= BATCHES; batch++)); do
        if out=$(COHORT_TIMEOUT=5 cohort submit --json --retries 1000 -J "batch$batch" \
            -a "1-$BATCH_SIZE" -- sh -c 'sleep 0.0$((COHORT_ARRAY_INDEX % 5))' 2>&1); then
            jq -r --arg b "$batch" '"\($b) \(.ids[0]) \(.ids | length)"' <<<"$out" >>"$acked"
        else
            echo "batch $batch: $out" >>"$refused"
        fi
        sleep 1
    done
}
step "submitting $BATCHES batches of $BATCH_SIZE jobs while chaos runs for ${CHAOS_SECS}s"
submit_batches </dev/null &
submitter_pid=$!
on_cleanup "kill -KILL $submitter_pid 2>/dev/null; wait $submitter_pid 2>/dev/null; true"

kills_scheduler=0
kills_workers=0
chaos_end=$((SECONDS + CHAOS_SECS))
while ((SECONDS < chaos_end)); do
    sleep_random_ms 300 1500
    rand_int 1 10
    if ((RAND <= 3)); then
        signal_daemon scheduler KILL
        kills_scheduler=$((kills_scheduler + 1))
        sleep_random_ms 0 800
        restart_scheduler
    else
        rand_int 0 $((${#WORKERS[@]} - 1))
        name=${WORKERS[RAND]}
        crash_worker_host "$name"
        kills_workers=$((kills_workers + 1))
        step "worker $name SIGKILLed with its jobs"
        sleep_random_ms 0 1000
        start_worker "$name" --cpus 2
    fi
done
step "chaos over: $kills_scheduler scheduler kills, $kills_workers worker kills"

finish_background "$submitter_pid" 300 "the batch submitter"
[[ ! -s "$refused" ]] || fail "batches not acknowledged: $(head -c 600 "$refused")"
submitted=$(awk '{n += $3} END {print n + 0}' "$acked")
assert_eq $((BATCHES * BATCH_SIZE)) "$submitted" "jobs acknowledged"

step "waiting for all $submitted jobs to end"
jobs_left() { cohort status --json | jq '.jobs.pending + .jobs.running'; }
no_jobs_left() { (($(jobs_left) == 0)); }
wait_for "every job to end ($(jobs_left) left when the wait began)" 240 no_jobs_left

step "every job completed, each with exactly one recorded result"
save_job_records "$TEST_DIR/records.tsv"
assert_eq "$submitted" "$(grep -c '' "$TEST_DIR/records.tsv")" "jobs stored"
awk -F '\t' '$2 != "completed" || $4 != 1 {
        printf "job %s (%s) is %s with %s recorded results, attempts %s; ", $1, $6, $2, $4, $5
        if (++bad == 5) exit
    } END { exit bad > 0 }' "$TEST_DIR/records.tsv" >"$TEST_DIR/bad.txt" ||
    fail "$(cat "$TEST_DIR/bad.txt")"
# the stored ids are exactly the acknowledged ones
awk '{for (i = 0; i < $3; i++) print $2 + i}' "$acked" | sort -n >"$TEST_DIR/acked_ids.txt"
cut -f 1 "$TEST_DIR/records.tsv" | sort -n >"$TEST_DIR/stored_ids.txt"
diff -q "$TEST_DIR/acked_ids.txt" "$TEST_DIR/stored_ids.txt" >/dev/null ||
    fail "stored ids differ from acknowledged ids:" \
        "$(diff "$TEST_DIR/acked_ids.txt" "$TEST_DIR/stored_ids.txt" | head -n 6 | tr '\n' ' ')"
completed=$(cohort status --json | jq .jobs.completed)
assert_eq "$submitted" "$completed" "completed jobs in cohort status"
retried=$(awk -F '\t' '$3 > 1' "$TEST_DIR/records.tsv" | grep -c '' || true)
step "$retried jobs needed more than one attempt"
