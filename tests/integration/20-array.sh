#!/usr/bin/env bash
# 20-array.sh — an array of 100 jobs: each index runs exactly once and is recorded as such.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_scheduler
start_worker w1 --cpus 2
start_worker w2 --cpus 2
wait_workers_up 2

step "submit -a 0-99"
record=$TEST_DIR/indices
mapfile -t ids < <(cohort submit -J arr -a 0-99 -- \
    sh -c 'echo "$COHORT_ARRAY_INDEX $COHORT_JOB_ID" >>"$1"; echo "index $COHORT_ARRAY_INDEX"' \
    sh "$record")
assert_eq 100 "${#ids[@]}" "ids printed"
for ((i = 0; i < 100; i++)); do
    [[ "${ids[i]}" =~ ^[0-9]+$ ]] || fail "submit printed '${ids[i]}', not a job id"
    ((i == 0 || ids[i] > ids[i - 1])) || fail "ids not increasing: ${ids[i - 1]} then ${ids[i]}"
done

step "wait for all 100"
assert_exit 0 cohort wait "${ids[@]}" --timeout 90

step "each index ran once, with its own COHORT_JOB_ID"
assert_eq 100 "$(wc -l <"$record")" "lines recorded"
assert_eq "$(seq 0 99)" "$(cut -d' ' -f1 "$record" | sort -n)" "indices recorded"
while read -r index job_id; do
    assert_eq "${ids[index]}" "$job_id" "COHORT_JOB_ID of index $index"
done <"$record"
assert_eq "index 42" "$(cohort logs "${ids[42]}")" "logs of index 42"

step "jobs --all --json shows them completed with array_index"
listing=$(cohort jobs --all --limit 1000 --json)
assert_eq 100 "$(jq '[.[] | select(.name == "arr" and .state == "completed")] | length' \
    <<<"$listing")" "completed array jobs"
assert_eq "$(seq 0 99 | jq -s -c .)" \
    "$(jq -c '[.[] | select(.name == "arr")] | sort_by(.id) | map(.array_index)' <<<"$listing")" \
    "array_index in id order"
assert_eq 42 "$(job_field "${ids[42]}" array_index)" "show array_index"
