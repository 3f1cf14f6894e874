#!/usr/bin/env bash
# run_fuzzer.sh — fuzz one target with libFuzzer for a bounded time; fails if it finds anything.
#
# Usage: run_fuzzer.sh TARGET SECONDS WORK_DIR SEED_DIR...
#   TARGET    fuzz_decode, fuzz_config or fuzz_parse (the source is tests/fuzz/TARGET.c)
#   WORK_DIR  holds the fuzzer when built here, a copy of the seeds that the fuzzer adds the
#             inputs it finds to (the seed dirs are never written), fuzz.log, and a reproducer
#             (crash-*, leak-*, oom-*, timeout-*) for anything found
# Environment:
#   COHORT_SRC        the checkout (default: two levels above this script)
#   COHORT_FUZZER     a libFuzzer binary of TARGET already built (a clang build tree); when
#                     empty, this script builds one with clang, or prints SKIP and succeeds
#                     when clang cannot build libFuzzer programs
#   COHORT_VERSION    the version compiled in (default 0.0.0)
#   CLANG             the compiler (default clang)
#   COHORT_FUZZ_ARGS  more libFuzzer flags, e.g. "-jobs=2" or "-only_ascii=1"
set -euo pipefail

if (($# < 4)); then
    echo "usage: $0 TARGET SECONDS WORK_DIR SEED_DIR..." >&2
    exit 2
fi
TARGET=$1 SECONDS_TO_FUZZ=$2 WORK=$3
shift 3
SEEDS=("$@")
SRC=${COHORT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLANG=${CLANG:-clang}
LIBS=(libzmq libuv msgpack inih)

mkdir -p "$WORK"
rm -rf "$WORK/corpus" "$WORK"/crash-* "$WORK"/leak-* "$WORK"/oom-* "$WORK"/timeout-* \
    "$WORK/fuzz.log"

# Build TARGET into $WORK with clang, compiling the shared sources in for coverage.
build_fuzzer() {
    local probe=$WORK/probe
    if ! command -v "$CLANG" >/dev/null; then
        echo "SKIP: $CLANG not found (install clang and libclang-rt-dev to fuzz)"
        return 1
    fi
    if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
        "$CLANG" -x c -fsanitize=fuzzer - -o "$probe" 2>/dev/null; then
        echo "SKIP: $CLANG cannot link libFuzzer programs (install libclang-rt-dev to fuzz)"
        return 1
    fi
    rm -f "$probe"
    echo "run_fuzzer: building $TARGET with $("$CLANG" --version | head -n1)"
    # shellcheck disable=SC2046 # pkg-config prints several words on purpose
    "$CLANG" -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -fno-omit-frame-pointer -I "$SRC/shared" -I "$SRC/client-lib/include" \
        -DCOHORT_VERSION="\"${COHORT_VERSION:-0.0.0}\"" $(pkg-config --cflags "${LIBS[@]}") \
        "$SRC/tests/fuzz/$TARGET.c" "$SRC"/shared/*.c \
        $(pkg-config --libs "${LIBS[@]}") -o "$WORK/$TARGET"
}

FUZZER=${COHORT_FUZZER:-}
if [[ -z "$FUZZER" ]]; then
    build_fuzzer || exit 0 # SKIP was printed; a failed compile stops the script (set -e)
    FUZZER=$WORK/$TARGET
fi

mkdir -p "$WORK/corpus"
for dir in "${SEEDS[@]}"; do
    if [[ ! -d "$dir" ]]; then
        echo "run_fuzzer: no seed directory $dir" >&2
        exit 1
    fi
    find "$dir" -maxdepth 1 -type f -exec cp {} "$WORK/corpus/" \;
done

# The sanitizers' settings are this script's own, whatever the caller exported.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:detect_stack_use_after_return=1:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "run_fuzzer: $TARGET for ${SECONDS_TO_FUZZ}s on $(find "$WORK/corpus" -type f | wc -l) seeds"
rc=0
# shellcheck disable=SC2086 # COHORT_FUZZ_ARGS is a list of flags
nice -n 10 "$FUZZER" -max_total_time="$SECONDS_TO_FUZZ" -rss_limit_mb=512 -malloc_limit_mb=64 \
    -max_len=65536 -timeout=10 -print_final_stats=1 -artifact_prefix="$WORK/" \
    ${COHORT_FUZZ_ARGS:-} "$WORK/corpus" >"$WORK/fuzz.log" 2>&1 || rc=$?

found=$(find "$WORK" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \
    -o -name 'timeout-*' \) | sort)
if ((rc != 0)) || [[ -n "$found" ]]; then
    tail -n 80 "$WORK/fuzz.log"
    echo "run_fuzzer: $TARGET FAILED (exit $rc); reproducers:"
    echo "${found:-  (none written; see $WORK/fuzz.log)}"
    echo "replay one with: $FUZZER FILE"
    exit 1
fi
grep -E '^(stat::|Done|INFO: Running with|#[0-9]+ *DONE)' "$WORK/fuzz.log" || true
echo "run_fuzzer: $TARGET found nothing in ${SECONDS_TO_FUZZ}s ($(find "$WORK/corpus" -type f | wc -l) inputs in $WORK/corpus)"
