#!/usr/bin/env bash
# bench_failover.sh — time from a worker's death to its job running on another worker, per lease.
#
# Usage: COHORT_BIN=BUILD_DIR tests/bench/bench_failover.sh [LEASE...]   (default: 60 5)
# For each lease (seconds; 60 is the scheduler's default, run without --lease): one job runs
# on worker a, worker b stands by; a is SIGKILLed with its job (as by a crash of its
# machine), and the time from the kill to the started_at of the job's second attempt (on b)
# is printed as `failover lease=L seconds=S`. The heartbeat is the default (1 s).
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

LEASES=("$@")
((${#LEASES[@]} > 0)) || LEASES=(60 5)

# ms since the epoch of an RFC 3339 UTC time with milliseconds ("...T11:02:45.123Z").
rfc3339_ms() {
    jq -rn --arg t "$1" '$t | capture("^(?<s>[^.]+)\\.(?<ms>[0-9]{3})Z$") |
        ((.s + "Z") | fromdateiso8601) * 1000 + (.ms | tonumber)'
}

# Measure one failover with lease LEASE seconds; prints the figure.
measure_failover() {
    local lease=$1 lease_args=() id lost killed_at started_at deadline elapsed_ms
    [[ "$lease" =~ ^[0-9]+$ ]] && ((lease >= 2)) || fail "a lease must be whole seconds >= 2"
    ((lease == 60)) || lease_args=(--lease "$lease")
    SCHEDULER_STATE=$TEST_DIR/state-$lease
    start_scheduler "${lease_args[@]}"
    start_worker "a$lease" --cpus 1
    wait_workers_up 1
    id=$(cohort submit -- sleep 3600)
    wait_state "$id" running 20
    start_worker "b$lease" --cpus 1
    wait_workers_up 2
    lost=$(job_field "$id" worker)
    step "lease $lease s: killing $lost, which runs job $id"
    crash_worker_host "$lost"
    killed_at=$(now_ms)
    deadline=$((SECONDS + lease + 60))
    until cohort show "$id" --json | jq -e '.attempts == 2 and .state == "running"' >/dev/null; do
        check_daemons_alive
        ((SECONDS < deadline)) || fail "job $id did not run again within $((lease + 60)) s"
        sleep 0.05
    done
    started_at=$(rfc3339_ms "$(cohort show "$id" --json | jq -r '.history[1].started_at')")
    elapsed_ms=$((started_at - killed_at))
    printf 'failover lease=%d seconds=%d.%03d\n' "$lease" $((elapsed_ms / 1000)) \
        $((elapsed_ms % 1000))
    assert_exit 0 cohort cancel "$id"
    signal_daemon "b$lease" TERM
    signal_daemon scheduler TERM
}

for lease in "${LEASES[@]}"; do
    measure_failover "$lease"
done
