#!/usr/bin/env bash
# quickstart.sh — build Cohort, start a local grid, run a demo batch and show the results.
#
# Honours COHORT_PORT (default 7700) and the other variables of deploy/local-grid.sh.
set -euo pipefail

CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$CHECKOUT"

step() { printf '\n==> %s\n' "$*"; }

step "installing missing packages"
bash deploy/install-deps.sh

step "building into build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

step "starting the local grid (a scheduler and two workers)"
if bash deploy/local-grid.sh status >/dev/null 2>&1; then
    echo "the local grid is already running; using it"
else
    bash deploy/local-grid.sh up
fi

export COHORT_SCHEDULER="tcp://127.0.0.1:${COHORT_PORT:-7700}"
export PATH="$CHECKOUT/build/client-lib:$PATH"

step "submitting an array of 20 jobs and one named job"
echo "\$ cohort submit -J demo-array -a 0-19 -- \\"
echo "      sh -c 'echo \"index \$COHORT_ARRAY_INDEX on \$(uname -n)\"'"
submitted=$(cohort submit -J demo-array -a 0-19 -- \
    sh -c 'echo "index $COHORT_ARRAY_INDEX on $(uname -n)"')
mapfile -t array_ids <<<"$submitted"
echo "submitted jobs ${array_ids[0]}..${array_ids[-1]}"
echo "\$ cohort submit -J hello -- sh -c 'echo \"hello from job \$COHORT_JOB_ID\"; uname -sr'"
hello_id=$(cohort submit -J hello -- sh -c 'echo "hello from job $COHORT_JOB_ID"; uname -sr')
echo "submitted job $hello_id"

step "cohort wait ${array_ids[0]}..${array_ids[-1]} $hello_id"
cohort wait "${array_ids[@]}" "$hello_id" --timeout 120
echo "all jobs ended; exit status 0"

step "cohort status"
cohort status
step "cohort jobs --all"
cohort jobs --all
step "cohort logs $hello_id"
cohort logs "$hello_id"
step "cohort logs ${array_ids[7]}"
cohort logs "${array_ids[7]}"

# The grid's settings, if the user changed them, so that 'down' finds the same grid.
grid_env=""
for name in COHORT_GRID_DIR COHORT_BUILD COHORT_PORT; do
    [[ -z "${!name:-}" ]] || grid_env+="$name=${!name} "
done
cat <<EOT

The grid keeps running. To use it from your shell:
    export PATH="$CHECKOUT/build/client-lib:\$PATH"
    export COHORT_SCHEDULER=$COHORT_SCHEDULER
    cohort submit -- echo hello
To stop it:
    ${grid_env}deploy/local-grid.sh down
EOT
