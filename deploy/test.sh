#!/usr/bin/env bash
# test.sh — build Cohort and run every test; then again under ASan+UBSan.
#
# COHORT_SANITIZE_RUN=0 skips the sanitizer build. Extra arguments go to every ctest run
# (for example -R integration).
set -euo pipefail

CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$CHECKOUT"
JOBS=$(nproc)
CTEST_ARGS=("$@")
SUITE_START=$SECONDS

# Run one phase (a command) and print how long it took; stop the script if it fails.
phase() {
    local name=$1 started=$SECONDS rc=0
    shift
    printf '\n==> %s\n' "$name"
    "$@" || rc=$?
    printf '==> %s: %s in %ds\n' "$name" "$([[ $rc == 0 ]] && echo ok || echo "FAILED ($rc)")" \
        $((SECONDS - started))
    ((rc == 0)) || exit "$rc"
}

# Configure and build one build dir: build_tree DIR [cmake args...].
build_tree() {
    local dir=$1
    shift
    cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j"$JOBS"
}

# Integration tests use ephemeral ports and their own temp dirs, so they run in parallel.
run_tests() {
    ctest --test-dir "$1" --output-on-failure -j"$JOBS" "${CTEST_ARGS[@]}"
}

phase "install-deps" bash deploy/install-deps.sh
phase "build (build/)" build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
phase "tests (build/)" run_tests build

# Give the rest of the run the settings of a user who has a grid of their own: a key pair
# and a scheduler key in ~/.config/cohort, and a scheduler that cannot be reached. Tests
# must set up what they need and pass on a fresh machine and in a lived-in account alike.
lived_in_user() {
    local config public_key
    config=$(mktemp -d /tmp/cohort-ci-config-XXXXXX) || return
    # shellcheck disable=SC2064 # the path is fixed now
    trap "rm -rf '$config'" EXIT
    public_key=$(XDG_CONFIG_HOME=$config build/client-lib/cohort keygen) || return
    echo "$public_key" >"$config/cohort/server.pub" || return
    export XDG_CONFIG_HOME=$config COHORT_SCHEDULER=tcp://192.0.2.1:7700
}

if [[ "${COHORT_SANITIZE_RUN:-1}" != 0 ]]; then
    phase "settings of a lived-in account" lived_in_user
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    phase "build with ASan+UBSan (build-asan/)" build_tree build-asan \
        -DCMAKE_BUILD_TYPE=Debug -DCOHORT_SANITIZE=ON -DCOHORT_FUZZ_SECONDS=0
    phase "tests (build-asan/)" run_tests build-asan
fi
printf '\nall phases passed in %ds\n' $((SECONDS - SUITE_START))
