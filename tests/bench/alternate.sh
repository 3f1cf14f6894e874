#!/usr/bin/env bash
# alternate.sh — run the same benchmarks on two builds in turn, to compare them on a noisy host.
#
# Usage: tests/bench/alternate.sh BUILD_A BUILD_B ROUNDS BENCHMARK...
# Each round runs run_benchmarks.sh BENCHMARK... with COHORT_BIN=BUILD_A, then with
# COHORT_BIN=BUILD_B (in the other order on even rounds, so neither build always goes
# first), and prints every figure line prefixed with `round=N build=DIR`. Sizes come from
# the environment as for run_benchmarks.sh. Compare builds within a round, and read each
# round's host_stolen line before trusting it: a round the host took CPU from says little.
set -euo pipefail

if (($# < 4)) || [[ ! "$3" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 BUILD_A BUILD_B ROUNDS BENCHMARK..." >&2
    exit 2
fi
builds=("$1" "$2")
rounds=$3
shift 3
for build in "${builds[@]}"; do
    [[ -x "$build/tests/bench/bench_submit" ]] || {
        echo "$0: $build has no built benchmarks (tests/bench/bench_submit)" >&2
        exit 2
    }
done

runner="$(dirname "${BASH_SOURCE[0]}")/run_benchmarks.sh"
for ((round = 1; round <= rounds; round++)); do
    order=(0 1)
    ((round % 2)) || order=(1 0)
    for i in "${order[@]}"; do
        COHORT_BIN=${builds[$i]} bash "$runner" "$@" |
            sed -n "/^\[/!s|^|round=$round build=${builds[$i]} |p"
    done
done
