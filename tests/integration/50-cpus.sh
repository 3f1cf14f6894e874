#!/usr/bin/env bash
# 50-cpus.sh — a worker's cpus are never overcommitted, and are used in parallel.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 2
wait_workers_up 1

record=$TEST_DIR/intervals
# Each job records "start_ns end_ns cpus" around a short sleep.
job=(sh -c 's=$(date +%s%N); sleep 0.3; echo "$s $(date +%s%N) $1" >>"$2"' sh)

step "6 jobs of 2 cpus and 6 of 1 cpu, interleaved"
ids=()
for ((i = 0; i < 6; i++)); do
    ids+=("$(cohort submit -c 2 -- "${job[@]}" 2 "$record")")
    ids+=("$(cohort submit -c 1 -- "${job[@]}" 1 "$record")")
done
assert_exit 0 cohort wait "${ids[@]}" --timeout 60
assert_eq 12 "$(wc -l <"$record")" "intervals recorded"

step "no interval of a 2-cpu job overlaps another job"
overlaps=$(awk '{ s[NR] = $1; e[NR] = $2; c[NR] = $3 }
    END {
        for (i = 1; i <= NR; i++)
            for (j = 1; j <= NR; j++)
                if (i != j && c[i] == 2 && s[i] < e[j] && s[j] < e[i])
                    print "job " i " (2 cpus) overlaps job " j " (" c[j] " cpus)"
    }' "$record")
[[ -z "$overlaps" ]] || fail "cpus overcommitted: $overlaps"

step "1-cpu jobs ran in parallel"
pairs=$(awk '{ s[NR] = $1; e[NR] = $2; c[NR] = $3 }
    END {
        n = 0
        for (i = 1; i <= NR; i++)
            for (j = i + 1; j <= NR; j++)
                if (c[i] == 1 && c[j] == 1 && s[i] < e[j] && s[j] < e[i])
                    n++
        print n
    }' "$record")
((pairs >= 1)) || fail "no two 1-cpu jobs overlapped: $(cat "$record")"

step "a job asking more cpus than any worker has stays pending with a reason"
big=$(cohort submit -c 64 -- true)
sleep 1
assert_eq pending "$(job_field "$big" state)" "state of the 64-cpu job"
[[ -n "$(job_field "$big" reason)" ]] || fail "the 64-cpu job is pending without a reason"
step "reason: $(job_field "$big" reason)"
assert_eq 0 "$(cohort status --json | jq .cpus.used)" "cpus used when idle"
assert_exit 0 cohort cancel "$big"
