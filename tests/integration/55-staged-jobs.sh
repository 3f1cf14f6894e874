#!/usr/bin/env bash
# 55-staged-jobs.sh — jobs staged on a busy worker: shown pending, started as a cpu frees
# and never beside another job on it, taken back when another worker frees or the worker is
# drained, cancelled unstarted, kept through a scheduler restart, given back by a worker
# that stops.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A heartbeat of 3 s: a staged job may wait 3 s on its worker before it is taken back, and
# only a worker that ended a job within 3 s is sent staged jobs.
start_scheduler --heartbeat 3 --lease 30 --stage-jobs 1
start_worker w1 --cpus 1
wait_workers_up 1

record=$TEST_DIR/intervals
marks=$TEST_DIR/marks
# Each job appends "start_ns end_ns name" around a sleep of $1 seconds.
job=(sh -c 's=$(date +%s%N); echo "$2" >>"$4"; sleep "$1"; echo "$s $(date +%s%N) $2" >>"$3"' sh)

# The state, reason and worker of a job as `cohort show` says.
brief() { cohort show "$1" --json | jq -r '"\(.state) \(.worker) \(.reason)"'; }

# Make the worker that takes jobs now one that turns jobs over: 12 short jobs just ended
# there, one after another (enough to bring the mean gap between its job ends down from the
# longest it counts, a heartbeat, to a few hundred ms).
turn_over() { assert_exit 0 cohort submit --wait -a 1-12 -- true; }

# On WORKER, the only one taking jobs: run a job of SECS seconds and stage job NAME behind
# it (submitted with the extra options); sets BLOCKER and STAGED to their ids.
stage_behind() {
    local worker=$1 secs=$2 name=$3
    shift 3
    turn_over
    BLOCKER=$(cohort submit -- "${job[@]}" "$secs" "blocker-$name" "$record" "$marks")
    STAGED=$(cohort submit "$@" -- "${job[@]}" 0 "$name" "$record" "$marks")
    wait_state "$BLOCKER" running 10
    assert_eq "pending $worker" "$(brief "$STAGED" | cut -d' ' -f1-2)" "job $name, staged"
}

step "a staged job is shown pending, on its worker, and the pool counts it so"
turn_over
first=$(cohort submit -- "${job[@]}" 1.5 first "$record" "$marks")
second=$(cohort submit -- "${job[@]}" 1 second "$record" "$marks")
third=$(cohort submit -- "${job[@]}" 0.5 third "$record" "$marks")
wait_state "$first" running 10
read -r state worker reason <<<"$(brief "$second")"
assert_eq "pending w1" "$state $worker" "the second job (staged)"
[[ "$reason" == staged* ]] || fail "the staged job's reason is '$reason'"
read -r state worker reason <<<"$(brief "$third")"
assert_eq pending "$state" "the third job (queued: one staged job per worker)"
[[ "$reason" != staged* ]] || fail "the third job is staged too: $reason"
assert_eq "1 2" "$(cohort status --json | jq -r '"\(.jobs.running) \(.jobs.pending)"')" \
    "running and pending in cohort status"
assert_eq "1 1" "$(cohort workers --json | jq -r '.[0] | "\(.running) \(.cpus_used)"')" \
    "w1's running jobs and cpus used"
listed=$(cohort jobs --state pending --json | jq -r '[.[].id] | sort | join(" ")')
assert_eq "$second $third" "$listed" "jobs listed as pending"
listed=$(cohort jobs --state running --json | jq -r '[.[].id] | join(" ")')
assert_eq "$first" "$listed" "jobs listed as running"

step "each starts on w1 when the cpu frees, never beside another, in its first attempt"
assert_exit 0 cohort wait "$first" "$second" "$third" --timeout 30
overlaps=$(sort -n "$record" | awk 'NR > 1 && $1 < end { print "overlap: " $0 } { end = $2 }')
[[ -z "$overlaps" ]] || fail "the 1-cpu worker ran two jobs at once: $overlaps"
for id in "$first" "$second" "$third"; do
    assert_eq "completed 1 w1" "$(cohort show "$id" --json |
        jq -r '"\(.state) \(.attempts) \(.worker)"')" "job $id"
done

step "a staged job is taken back when another worker frees, and runs there at no cost"
# no retries: a move that spent one would fail the job
stage_behind w1 8 moved --retries 0
long=$BLOCKER moved=$STAGED
start_worker w2 --cpus 1
wait_state "$moved" completed 10
assert_eq running "$(job_field "$long" state)" "the long job, when the moved one ended"
assert_eq "w2 2" "$(cohort show "$moved" --json | jq -r '"\(.worker) \(.attempts)"')" \
    "worker and attempts of the moved job"
given_back=$(cohort show "$moved" --json | jq -r '.history[0].reason')
[[ "$given_back" == *"gave it back before it started"* ]] ||
    fail "the first attempt does not say it was given back: $given_back"
assert_eq 1 "$(grep -c '^moved$' "$marks")" "runs of the moved job"

step "a staged job cancelled before it starts never runs"
assert_exit 0 cohort drain w2
stage_behind w1 2 doomed
assert_exit 0 cohort cancel "$STAGED"
wait_state "$STAGED" cancelled 10
assert_exit 0 cohort wait "$BLOCKER" --timeout 30
sleep 0.5
assert_eq 0 "$(grep -c '^doomed$' "$marks" || true)" "runs of the cancelled staged job"
assert_exit 0 cohort wait "$long" --timeout 30

step "staged jobs of a drained worker go back to the queue and run elsewhere"
assert_exit 0 cohort resume w2
assert_exit 0 cohort drain w1
stage_behind w2 4 drained
assert_exit 0 cohort resume w1
assert_exit 0 cohort drain w2
wait_state "$STAGED" completed 10
assert_eq w1 "$(job_field "$STAGED" worker)" "where the drained worker's staged job ran"
assert_eq running "$(job_field "$BLOCKER" state)" "the drained worker's running job"
assert_exit 0 cohort wait "$BLOCKER" --timeout 30

step "staged jobs survive a scheduler restart and run once"
stage_behind w1 3 kept
signal_daemon scheduler KILL
restart_scheduler
wait_workers_up 1 20
assert_exit 0 cohort wait "$BLOCKER" "$STAGED" --timeout 30
assert_eq 1 "$(grep -c '^kept$' "$marks")" "runs of the job staged across the restart"
assert_eq 1 "$(grep -c '^blocker-kept$' "$marks")" "runs of the job running across the restart"
assert_eq completed "$(job_field "$STAGED" state)" "the job staged across the restart"

step "a worker that stops gives its staged jobs back at once, and they run elsewhere"
stage_behind w1 2 handed
signal_daemon w1 TERM # waits for w1 to end: its running job finishes within the grace
assert_eq completed "$(job_field "$BLOCKER" state)" "the stopped worker's running job"
read -r state worker reason <<<"$(brief "$STAGED")"
assert_eq pending "$state" "the job w1 gave back"
[[ "$reason" == *"w1 gave it back before it started"* ]] || fail "its reason is '$reason'"
assert_eq 0 "$(grep -c '^handed$' "$marks" || true)" "runs of the job given back, so far"
assert_exit 0 cohort resume w2
assert_exit 0 cohort wait "$STAGED" --timeout 30
assert_eq w2 "$(job_field "$STAGED" worker)" "where the job given back ran"
assert_eq 1 "$(grep -c '^handed$' "$marks")" "runs of the job given back"
