#!/usr/bin/env bash
# 70-disk-full.sh — a full disk refuses changes cleanly, keeps reads and results, and heals when space returns.
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

FILLER=$SCHEDULER_STATE/filler
OUTPUT_LINES=15000 # the slow job's output: ~400 KiB, far more than a full disk has room for

# The state dir is a 2 MiB tmpfs of its own, which needs root.
mkdir -p "$SCHEDULER_STATE"
if ((EUID != 0)); then
    step "SKIP: mounting a small tmpfs for the state dir needs root"
    exit 0
fi
if ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$SCHEDULER_STATE" 2>"$TEST_DIR/mount.err"; then
    step "SKIP: cannot mount a small tmpfs for the state dir: $(<"$TEST_DIR/mount.err")"
    exit 0
fi
# Cleanup hooks run before the daemons are stopped: a lazy unmount detaches the tmpfs now
# and frees it once the scheduler has closed its files.
on_cleanup "umount -l '$SCHEDULER_STATE'"

# The number of jobs named NAME the scheduler knows.
jobs_named() {
    cohort jobs --all --json | jq --arg n "$1" '[.[] | select(.name == $n)] | length'
}

start_scheduler --heartbeat 0.2 --lease 30
start_worker w1 --cpus 1 --grace 0 # a failed run stops quickly
wait_workers_up 1

step "a job that finishes before the disk fills"
before=$(cohort submit -J before -- echo before)
assert_exit 0 cohort wait "$before" --timeout 30
acked=("$before")
sleep 1 # past the stage window (a heartbeat): the job queued below waits in the queue, not on w1

step "a job that runs across the fault and ends while the disk is full, and one pending job"
release=$TEST_DIR/release
slow=$(cohort submit -J slow -- sh -c "while [ ! -e '$release' ]; do sleep 0.1; done
    yes 'a line of the slow job' | head -n $OUTPUT_LINES")
wait_state "$slow" running 20
queued=$(cohort submit -J queued -- echo queued) # w1 is busy: it waits
acked+=("$slow" "$queued")

step "fill the state dir's filesystem"
dd if=/dev/zero of="$FILLER" bs=64k 2>/dev/null || true # stops when the disk is full
[[ "$(df --output=avail "$SCHEDULER_STATE" | tail -n 1 | tr -d ' ')" == 0 ]] ||
    fail "the tmpfs still has room after filling it"

step "submit until the scheduler refuses (at most 20 tries)"
pad=$(head -c 3000 /dev/zero | tr '\0' x)
refused=
for i in $(seq 1 20); do
    run cohort submit -J "try-$i" -e "PAD=$pad" -- true
    if ((RUN_STATUS != 0)); then
        refused=try-$i
        break
    fi
    acked+=("$RUN_OUT")
done
[[ -n "$refused" ]] || fail "20 submissions were acknowledged on a full disk"
assert_eq 1 "$RUN_STATUS" "exit status of the refused submission"
assert_one_error_line "the refused submission"
refusal="could not store the request: database or disk is full; nothing was changed"
[[ "$RUN_ERR" == *"$refusal"* ]] ||
    fail "the refused submission does not say why clearly: $RUN_ERR"
assert_eq 0 "$(jobs_named "$refused")" "jobs stored from the refused submission"
grep -q "cannot write .*cohort.db: database or disk is full" "$(daemon_log scheduler)" ||
    fail "the scheduler did not log that its disk is full"

step "reads are still served"
assert_exit 0 cohort status
assert_exit 0 cohort jobs --all
assert_exit 0 cohort show "$before"
assert_exit 0 cohort logs "$before"
assert_eq before "$RUN_OUT" "output of job $before"
assert_exit 0 cohort workers

step "a worker that registers, and a result that arrives, while the disk is full"
# w2's registration, and then the queued job's dispatch to it, cannot be stored
start_worker w2 --cpus 1 --grace 0
touch "$release"
wait_for "w1 to keep the slow job's result in its spool" 30 \
    test -e "$TEST_DIR/spool/w1/$slow.1/result"
sleep 2 # time for the result and w2's registration to arrive, and be refused
assert_eq running "$(job_field "$slow" state)" \
    "state of job $slow while its result cannot be stored"
assert_eq pending "$(job_field "$queued" state)" "state of job $queued while nothing can be stored"
run cohort submit -J refused-again -- true
assert_eq 1 "$RUN_STATUS" "exit status of a submission on a still full disk"
check_daemons_alive

step "space returns: everything goes on without a restart"
rm -f "$FILLER"
after=$(cohort submit -J after -- echo after)
acked+=("$after")
# w1 sends its kept result again (every 10 s) until it is stored
wait_state "$slow" completed 60
assert_one_result "$slow"
assert_exit 0 cohort logs "$slow"
assert_eq "$OUTPUT_LINES" "$(grep -c '^a line of the slow job$' <<<"$RUN_OUT")" \
    "lines of job $slow's output"
assert_exit 0 cohort wait "${acked[@]}" --timeout 60
grep -q "cohort.db takes writes again" "$(daemon_log scheduler)" ||
    fail "the scheduler did not log that its disk takes writes again"

step "every acknowledged job is there once, with ids that only grow"
for name in before slow queued after; do
    assert_eq 1 "$(jobs_named "$name")" "jobs named $name"
done
assert_eq 0 "$(jobs_named refused-again)" "jobs stored from the second refused submission"
sorted=$(printf '%s\n' "${acked[@]}" | sort -n | tr '\n' ' ')
assert_eq "$sorted" "$(printf '%s\n' "${acked[@]}" | tr '\n' ' ')" \
    "acknowledged ids in submission order"
for id in "${acked[@]}"; do
    assert_eq completed "$(job_field "$id" state)" "state of job $id"
    assert_one_result "$id"
done
