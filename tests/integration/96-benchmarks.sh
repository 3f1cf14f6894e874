#!/usr/bin/env bash
# 96-benchmarks.sh — every benchmark, alone and alternated between builds, prints each figure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Sizes small enough for a few seconds; the figures are checked for presence and shape only
# (timings are never asserted).
export SUBMIT_SINGLE=200 SUBMIT_BULK=500 E2E_JOBS=200 LATENCY_JOBS=50 SIM_WORKERS=20
export SIM_JOBS=2000 IDLE_SECS=1 DEEP_JOBS=5000 DEEP_SAMPLE=500 DEEP_RUNS=3 POLL_RUNS=1
export SPOOL_ATTEMPTS=300
export E2E_WORKER_CPUS="1 host" E2E_STAGE_JOBS="0 4"

step "run_benchmarks.sh all"
assert_exit 0 timeout 240 bash "$COHORT_SRC/tests/bench/run_benchmarks.sh" all
figures=$(grep -v '^\[' <<<"$RUN_OUT")

# figure NAME COUNT KEY...: NAME is printed COUNT times, each time with every KEY=NUMBER.
figure() {
    local name=$1 count=$2 key line
    shift 2
    assert_eq "$count" "$(grep -c "^$name " <<<"$figures" || true)" "lines named $name"
    while read -r line; do
        for key in "$@"; do
            [[ "$line" =~ \ $key=[0-9]+(\.[0-9]+)?(\ |$) ]] ||
                fail "'$line' lacks a number for $key"
        done
    done < <(grep "^$name " <<<"$figures")
}

figure submit_single 1 submits submits_per_s
figure submit_bulk 2 jobs jobs_per_s
# two worker sizes, each without and with staged jobs: 4 grids, 2 submit modes each
figure e2e_grid 8 stage_jobs jobs jobs_per_s
figure e2e_machine 4 stage_jobs processes spawns_per_s cpu_ms_per_spawn
figure e2e_ratio 8 stage_jobs grid_over_machine
figure e2e_cpu 8 scheduler_ms_per_job workers_ms_per_job jobs_ms_per_job client_ms_per_job
figure e2e_bound 8 ratio_with_every_core_busy cores_busy
figure latency_submit_to_start 1 jobs p50_ms p99_ms
figure latency_submit_to_result 1 jobs p50_ms p99_ms
figure sim_register 1 workers seconds
figure sim_idle 1 workers scheduler_cpu_pct
figure sim_dispatch 1 jobs jobs_per_s
figure sim_dispatch_with_started 1 jobs jobs_per_s
figure poll_effect 1 quiet_jobs_per_s polled_jobs_per_s ratio
figure deep_rss 1 pending scheduler_rss_mib
figure deep_queries 1 status_ms jobs_limit_100_ms
figure deep_dispatch_shallow 3 jobs jobs_per_s
figure deep_dispatch_deep 3 jobs jobs_per_s
figure deep_dispatch_effect 1 shallow_jobs_per_s deep_jobs_per_s ratio
figure deep_restart 1 seconds_to_serving
figure spool_cycle 1 attempts prepare_us note_us result_us read_back_us keep_us total_us
figure host_stolen 7 seconds cpu_seconds_stolen

# the jobs the e2e grids ran are real processes: their CPU is counted
while read -r line; do
    [[ "$line" =~ jobs_ms_per_job=0\.000 ]] && fail "no job CPU counted: $line"
done < <(grep '^e2e_cpu ' <<<"$figures")
# the depth comparison takes the middle one of each queue's three samples
middle_rate() { grep "^$1 " <<<"$figures" | sed 's/.*jobs_per_s=//' | sort -n | sed -n 2p; }
compared_rate() { grep '^deep_dispatch_effect ' <<<"$figures" | sed "s/.* $1=\([0-9]*\).*/\1/"; }
assert_eq "$(middle_rate deep_dispatch_shallow)" "$(compared_rate shallow_jobs_per_s)" \
    "the shallow queue's compared rate"
assert_eq "$(middle_rate deep_dispatch_deep)" "$(compared_rate deep_jobs_per_s)" \
    "the deep queue's compared rate"
step "all figures printed"

step "alternate.sh: two builds (the same one twice), two rounds"
assert_exit 0 timeout 120 bash "$COHORT_SRC/tests/bench/alternate.sh" "$COHORT_BIN" \
    "$COHORT_BIN" 2 submit
for round in 1 2; do
    assert_eq 2 "$(grep -c "^round=$round build=$COHORT_BIN submit_single submits=200 " \
        <<<"$RUN_OUT" || true)" "round $round's one-per-call submit lines"
done
assert_eq 0 "$(grep -vc '^round=[12] build=' <<<"$RUN_OUT" || true)" "unprefixed lines"
assert_exit 2 bash "$COHORT_SRC/tests/bench/alternate.sh" "$COHORT_BIN" "$TEST_DIR/none" 1 submit
