#!/usr/bin/env bash
# run_benchmarks.sh — start local grids on 127.0.0.1 and print one line per benchmark figure.
#
# Usage: COHORT_BIN=BUILD_DIR tests/bench/run_benchmarks.sh [submit|e2e|latency|sim|poll|deep|spool|all]...
# Sizes (environment, defaults are the issue's): SUBMIT_SINGLE=10000 SUBMIT_BULK=10000
# E2E_JOBS=10000 LATENCY_JOBS=1000 SIM_WORKERS=1000 SIM_JOBS=100000 IDLE_SECS=10
# DEEP_JOBS=1000000 DEEP_SAMPLE=10000 DEEP_RUNS=5 POLL_RUNS=2 SPOOL_ATTEMPTS=20000
# E2E_WORKER_CPUS="1 host 8" (the cpus each of the two e2e workers offers, one grid per
# value; `host` is the worker's default, all of this machine's) E2E_STAGE_JOBS=4 (the
# scheduler's --stage-jobs, one grid per value and cpus value: "0 2" compares e2e without
# and with staged jobs in one run). `spool` times a worker's spool work alone, on no grid.
# Figures go to stdout as `name key=value...`, and after each benchmark the CPU time the
# host's other guests took from this machine meanwhile (`host_stolen`); progress lines
# start with '['. Each benchmark gets a fresh scheduler and state dir.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

BENCH_BIN=$COHORT_BIN/tests/bench
SIM_BIN=$COHORT_BIN/tests/cohort-sim-workers
CLK_TCK=$(getconf CLK_TCK)
SUBMIT_SINGLE=${SUBMIT_SINGLE:-10000}
SUBMIT_BULK=${SUBMIT_BULK:-10000}
E2E_JOBS=${E2E_JOBS:-10000}
LATENCY_JOBS=${LATENCY_JOBS:-1000}
SIM_WORKERS=${SIM_WORKERS:-1000}
SIM_JOBS=${SIM_JOBS:-100000}
IDLE_SECS=${IDLE_SECS:-10}
DEEP_JOBS=${DEEP_JOBS:-1000000}
DEEP_SAMPLE=${DEEP_SAMPLE:-10000}
DEEP_RUNS=${DEEP_RUNS:-5}
POLL_RUNS=${POLL_RUNS:-2}
SPOOL_ATTEMPTS=${SPOOL_ATTEMPTS:-20000}
E2E_WORKER_CPUS=${E2E_WORKER_CPUS:-1 host 8}
E2E_STAGE_JOBS=${E2E_STAGE_JOBS:-4}
ulimit -n "$(ulimit -Hn)" # a thousand worker connections need descriptors

# Stop every daemon still running and start a scheduler on an empty state dir (arguments
# go to the scheduler).
fresh_grid() {
    local name
    for name in "${DAEMON_ORDER[@]}"; do
        [[ -n "${DAEMON_ENDED[$name]:-}" ]] || signal_daemon "$name" TERM
    done
    rm -rf "$SCHEDULER_STATE"
    # BENCH_INSECURE=1: plaintext, to measure what CURVE costs
    if [[ "${BENCH_INSECURE:-0}" == 1 ]]; then
        start_scheduler "$@" --insecure
    else
        start_scheduler "$@"
    fi
}

# Nanoseconds on the monotonic-ish wall clock, for timing commands from the shell.
now_ns() { date +%s%N; }

# CPU seconds (user+system) the process PID has used, times 100 (an integer).
cpu_centis() {
    local stat fields
    stat=$(<"/proc/$1/stat")
    read -r -a fields <<<"${stat##*) }"
    # fields[11] and fields[12] are utime and stime (fields 14 and 15 of stat)
    echo $(((fields[11] + fields[12]) * 100 / CLK_TCK))
}

# Resident memory of PID in MiB.
rss_mib() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

# Milliseconds one CLI command takes (its output discarded): ms_of COMMAND ARGS...
ms_of() {
    local started=$(now_ns)
    "$@" >/dev/null
    echo $((($(now_ns) - started) / 1000000))
}

# Run simulated workers in the foreground until they complete JOBS, print their dispatch
# figure named LABEL, and set RATE to its jobs/s: sim_run LABEL WORKERS CPUS JOBS [SIM_FLAG].
sim_run() {
    local line
    line=$("$SIM_BIN" ${5:+"$5"} -w "$2" -c "$3" -j "$4" -t 300 -p "sim$RANDOM" \
        "$COHORT_SCHEDULER" | sed -n "s/^sim_dispatch/$1/p")
    [[ -n "$line" ]] || fail "the simulated workers printed no figure"
    echo "$line"
    RATE=${line##*jobs_per_s=}
}

# A over B with three decimals (0 when B is 0): ratio A B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }

# The middle one of the integers given (of an even count, the higher of the two middle
# ones): median N...
median() { printf '%s\n' "$@" | sort -n | sed -n "$(($# / 2 + 1))p"; }

bench_submit() {
    fresh_grid
    "$BENCH_BIN/bench_submit" "$COHORT_SCHEDULER" "$SUBMIT_SINGLE"
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$SUBMIT_BULK"
    # the million-job bulk submit is measured by bench_deep
}

# Two real workers, on a fresh grid for each value of E2E_WORKER_CPUS and E2E_STAGE_JOBS;
# the figures of each grid are prefixed by the cpus its workers offer and the jobs each may
# have staged. bench_e2e is told the daemons' pids, to print the CPU each part of the grid
# spent per job (steadier from run to run than the rates) and what that bounds.
bench_e2e() {
    local cpus stage
    local -a offer
    for cpus in $E2E_WORKER_CPUS; do
        for stage in $E2E_STAGE_JOBS; do
            offer=()
            [[ "$cpus" == host ]] || offer=(--cpus "$cpus")
            fresh_grid --stage-jobs "$stage"
            start_worker w1 "${offer[@]}"
            start_worker w2 "${offer[@]}"
            wait_workers_up 2
            BENCH_SCHEDULER_PID=$(daemon_pid scheduler) \
                BENCH_WORKER_PIDS="$(daemon_pid w1) $(daemon_pid w2)" \
                "$BENCH_BIN/bench_e2e" "$COHORT_SCHEDULER" "$E2E_JOBS" |
                sed "s/^\(e2e_[a-z]*\) /\1 worker_cpus=$cpus stage_jobs=$stage /"
        done
    done
}

# A worker's spool work per attempt, timed alone on a spool in the test dir (no grid).
bench_spool() {
    "$BENCH_BIN/bench_spool" "$TEST_DIR/spool-bench" "$SPOOL_ATTEMPTS"
}

bench_latency() {
    fresh_grid
    start_worker w1 --cpus 2
    wait_workers_up 1
    "$BENCH_BIN/bench_latency" "$COHORT_SCHEDULER" "$LATENCY_JOBS"
}

bench_sim() {
    local pid before after log=$TEST_DIR/logs/sim.log
    fresh_grid
    spawn_daemon sim "$SIM_BIN" -w "$SIM_WORKERS" -c 4 -t $((IDLE_SECS + 120)) "$COHORT_SCHEDULER"
    wait_for "$SIM_WORKERS simulated workers welcomed" 120 grep -q '^sim_register' "$log"
    grep '^sim_register' "$log"
    sleep 2 # let registration settle before sampling idle cost
    pid=$(daemon_pid scheduler)
    before=$(cpu_centis "$pid")
    sleep "$IDLE_SECS"
    after=$(cpu_centis "$pid")
    printf 'sim_idle workers=%d seconds=%d scheduler_cpu_pct=%d.%02d\n' "$SIM_WORKERS" \
        "$IDLE_SECS" $(((after - before) / IDLE_SECS)) $(((after - before) * 100 / IDLE_SECS % 100))
    signal_daemon sim TERM
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$SIM_JOBS" >/dev/null
    sim_run sim_dispatch 50 8 "$SIM_JOBS"
    # the same with a JOB_STARTED before each result, as for jobs that outlive a worker's tick
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$SIM_JOBS" >/dev/null
    sim_run sim_dispatch_with_started 50 8 "$SIM_JOBS" -s
}

# Dispatch+complete rate of SIM_JOBS jobs on 50 simulated workers x 8 cpus on a fresh grid,
# with a client listing jobs (the default `cohort jobs` listing) in a tight loop when the
# label is poll_busy: poll_run LABEL. Prints the run's figure (and the poller's), and sets
# RATE to its jobs/s.
poll_run() {
    local poller
    fresh_grid
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$SIM_JOBS" >/dev/null
    [[ "$1" != poll_busy ]] || spawn_daemon poller "$BENCH_BIN/bench_poll" "$COHORT_SCHEDULER" 600
    sim_run "$1" 50 8 "$SIM_JOBS"
    if [[ "$1" == poll_busy ]]; then
        signal_daemon poller TERM
        poller=$(sed -n 's/^poll_queries //p' "$TEST_DIR/logs/poller.log" | tail -n 1)
        [[ -n "$poller" ]] || fail "the poller printed no figure"
        echo "poll_queries $poller"
    fi
}

# The dispatch+complete rate without and with a polling client, POLL_RUNS times each in
# turn (the machine is noisy); the best rate of each and their ratio.
bench_poll() {
    local run quiet=0 polled=0
    for ((run = 1; run <= POLL_RUNS; run++)); do
        poll_run poll_quiet
        ((RATE > quiet)) && quiet=$RATE
        poll_run poll_busy
        ((RATE > polled)) && polled=$RATE
    done
    printf 'poll_effect jobs=%d quiet_jobs_per_s=%d polled_jobs_per_s=%d ratio=%s\n' \
        "$SIM_JOBS" "$quiet" "$polled" "$(ratio "$polled" "$quiet")"
}

# Dispatch+complete DEEP_SAMPLE jobs on 10 simulated workers x 8 cpus and print the figure
# as LABEL; its rate is added to the array RATES: deep_sample LABEL.
deep_sample() {
    sim_run "$1" 10 8 "$DEEP_SAMPLE"
    RATES+=("$RATE")
}

bench_deep() {
    local pid started run shallow deep
    # one user queues the million and the samples on top: above the default per-user cap
    fresh_grid --max-pending-per-user $((DEEP_JOBS + (DEEP_RUNS + 1) * DEEP_SAMPLE))
    pid=$(daemon_pid scheduler)
    # a sample takes a fraction of a second, and one in a few comes out far above or below
    # the others: DEEP_RUNS of each, and the median of each compared
    RATES=()
    for ((run = 1; run <= DEEP_RUNS; run++)); do
        "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$DEEP_SAMPLE" shallow
        deep_sample deep_dispatch_shallow
    done
    shallow=$(median "${RATES[@]}")
    step "queueing $DEEP_JOBS jobs"
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$DEEP_JOBS"
    # the checkpoint of the million's WAL runs once the submission is answered: the next
    # request waits for it, measured here, so that the samples below see the queue alone
    printf 'deep_checkpoint pending=%d next_status_ms=%d\n' "$DEEP_JOBS" "$(ms_of cohort status)"
    printf 'deep_rss pending=%d scheduler_rss_mib=%d\n' "$DEEP_JOBS" "$(rss_mib "$pid")"
    "$BENCH_BIN/bench_bulk" "$COHORT_SCHEDULER" "$DEEP_SAMPLE" deep
    printf 'deep_queries pending=%d status_ms=%d jobs_limit_100_ms=%d\n' "$DEEP_JOBS" \
        "$(ms_of cohort status)" "$(ms_of cohort jobs --limit 100)"
    RATES=()
    for ((run = 1; run <= DEEP_RUNS; run++)); do
        deep_sample deep_dispatch_deep
    done
    deep=$(median "${RATES[@]}")
    printf 'deep_dispatch_effect pending=%d shallow_jobs_per_s=%d deep_jobs_per_s=%d ratio=%s\n' \
        "$DEEP_JOBS" "$shallow" "$deep" "$(ratio "$deep" "$shallow")"
    signal_daemon scheduler KILL 2>/dev/null
    spawn_daemon scheduler "$SCHEDULER_BIN" --listen "$COHORT_SCHEDULER" \
        --state-dir "$SCHEDULER_STATE"
    started=$(now_ns)
    wait_for "the restarted scheduler to answer" 120 cohort status
    printf 'deep_restart pending=%d seconds_to_serving=%s rss_mib=%d\n' "$DEEP_JOBS" \
        "$(awk -v ns=$(($(now_ns) - started)) 'BEGIN { printf "%.3f", ns / 1e9 }')" \
        "$(rss_mib "$(daemon_pid scheduler)")"
}

# CPU time, in centiseconds of all cores, the hypervisor gave to other guests while this
# machine wanted it (the steal column of /proc/stat): how busy the host was.
stolen_centis() {
    local fields
    read -r -a fields </proc/stat
    echo $((fields[8] * 100 / CLK_TCK))
}

benchmarks=("$@")
((${#benchmarks[@]})) || benchmarks=(all)
[[ "${benchmarks[*]}" != all ]] || benchmarks=(submit e2e latency sim poll deep spool)
for name in "${benchmarks[@]}"; do
    case "$name" in
    submit | e2e | latency | sim | poll | deep | spool)
        stolen=$(stolen_centis) started=$(now_ns)
        "bench_$name"
        printf 'host_stolen benchmark=%s seconds=%d cpu_seconds_stolen=%s\n' "$name" \
            $((($(now_ns) - started) / 1000000000)) \
            "$(awk -v c=$(($(stolen_centis) - stolen)) 'BEGIN { printf "%.2f", c / 100 }')"
        ;;
    *) fail "unknown benchmark '$name' (submit, e2e, latency, sim, poll, deep, spool or all)" ;;
    esac
done
