# cli_lib.sh — sourced by the cohort command's shell tests: a temp dir, the daemons they start
# stopped on exit, and failures counted. Set CLI_TEST before sourcing (names the temp dir).
dir=$(mktemp -d "/tmp/cohort-$CLI_TEST.XXXXXX")
pids=() # daemons to stop on exit
failures=0

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
