#!/usr/bin/env bash
# 10-scheduler-kill-submit.sh — scheduler SIGKILLs amid retried submissions: none lost, none twice.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

SUBMISSIONS=${SUBMISSIONS:-300}
seed_random
start_scheduler --heartbeat 0.2 --lease 5

# Kill at 3 to 5 random points of the burst, given as counts of acknowledged submissions.
rand_int 3 5
kills=$RAND
kill_points=()
for ((k = 0; k < kills; k++)); do
    rand_int 5 $((SUBMISSIONS - 100))
    kill_points+=("$RAND")
done
mapfile -t kill_points < <(printf '%s\n' "${kill_points[@]}" | sort -n -u)

acked=$TEST_DIR/acked.txt
: >"$acked"
step "submitting $SUBMISSIONS jobs one by one; SIGKILL after ${kill_points[*]} acknowledgements"
# 5 ms between submissions: each kill lands up to about 150 ms after its point (polling, the
# random delay, noticing the restart), so 5 kills stay within the 100 submissions after the
# last point (at 2 ms the burst once ended before the fifth kill)
start_background "$BURST_BIN" -n "$SUBMISSIONS" -i 5 -t 1000 -d 120000 "$acked"
burst_pid=$BACKGROUND_PID

acked_count() { grep -c '' "$acked" || true; }

kills_done=0
for point in "${kill_points[@]}"; do
    deadline=$((SECONDS + 60))
    while (($(acked_count) < point)) && pid_alive "$burst_pid"; do
        ((SECONDS < deadline)) ||
            fail "only $(acked_count) of $point submissions acknowledged after 60s"
        sleep 0.02
    done
    pid_alive "$burst_pid" || break
    sleep_random_ms 0 30 # most often while a submission is in flight
    signal_daemon scheduler KILL
    kills_done=$((kills_done + 1))
    step "scheduler SIGKILLed after $(acked_count) acknowledged submissions"
    sleep_random_ms 0 1000
    restart_scheduler
done

finish_background "$burst_pid" 180 "the submission burst"
((kills_done == ${#kill_points[@]})) ||
    fail "the burst ended after $kills_done of ${#kill_points[@]} kills; nothing else was tested"
total=$(acked_count)
assert_eq "$SUBMISSIONS" "$total" "acknowledged submissions"

step "every acknowledged submission is stored exactly once, under its own id"
cohort jobs --all --json | jq -r '.[] | "\(.id) \(.name)"' | sort -n >"$TEST_DIR/stored.txt"
duplicates=$(awk '{ ids[$2] = ids[$2] " " $1; n[$2]++ }
    END { for (k in n) if (n[k] > 1) printf "submission %s is jobs%s; ", k, ids[k] }' \
    "$TEST_DIR/stored.txt" | head -c 400)
[[ -z "$duplicates" ]] || fail "submissions stored more than once: $duplicates"
assert_eq "$total" "$(grep -c '' "$TEST_DIR/stored.txt")" "jobs stored"
# acknowledged "NUMBER ID" must be exactly the stored "ID NAME" with NAME = NUMBER
awk '{print $2, $1}' "$acked" | sort -n >"$TEST_DIR/acked_by_id.txt"
if ! diff "$TEST_DIR/acked_by_id.txt" "$TEST_DIR/stored.txt" >"$TEST_DIR/diff.txt"; then
    fail "stored jobs differ from acknowledged ones" \
        "(< acknowledged 'ID NUMBER', > stored 'ID NAME'):" \
        "$(head -n 6 "$TEST_DIR/diff.txt" | tr '\n' ' ')"
fi

step "ids grow with submission order"
sort -n "$acked" | awk 'NR > 1 && $2 <= last {
        printf "submission %d got id %d, not more than id %d of submission %d\n", $1, $2, last, n
        bad = 1; exit
    } { last = $2; n = $1 } END { exit bad }' >"$TEST_DIR/order.txt" ||
    fail "$(cat "$TEST_DIR/order.txt")"
