#!/usr/bin/env bash
# install-deps.sh — install the Debian 12 packages Cohort needs to build and test.
#
# Idempotent: asks dpkg which packages are missing and runs apt-get only when some are.
# Needs root; uses sudo when run as another user.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config
    libzmq3-dev libuv1-dev libmsgpack-dev libsqlite3-dev libinih-dev libcmocka-dev
    jq procps iproute2
    clang libclang-rt-dev
)

# Print the packages of PACKAGES that dpkg does not report as installed.
missing_packages() {
    local pkg status
    for pkg in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ "$status" == "install ok installed" ]] || echo "$pkg"
    done
}

main() {
    local missing as_root=()
    mapfile -t missing < <(missing_packages)
    if ((${#missing[@]} == 0)); then
        echo "install-deps: all ${#PACKAGES[@]} packages present"
        return 0
    fi
    if ((EUID != 0)); then
        command -v sudo >/dev/null || {
            echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
            return 1
        }
        as_root=(sudo)
    fi
    echo "install-deps: installing ${missing[*]}"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "${missing[@]}"
}

main "$@"
