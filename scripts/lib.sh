# Shared by the scripts/ entry points: install what is missing, configure and build.
# shellcheck shell=bash
set -euo pipefail

PM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PM_ROOT

# Debian packages the build, the tests, the simulators and the benchmarks need.
PM_PACKAGES=(g++ cmake ninja-build pkgconf libcurl4-openssl-dev rapidjson-dev libcli11-dev
             libfmt-dev catch2 libsqlite3-dev python3 sqlite3 clang-format time openssl
             python3-openstackclient python3-octaviaclient
             libmariadb-dev prometheus)

# The tests' throwaway MariaDB server and its client (scripts/mariadb, ctest label mariadb).
PM_PACKAGES+=(mariadb-server mariadb-client)

# What scripts/fuzz needs on top: clang with libFuzzer and the sanitizer runtimes (clang 16:
# bookworm's clang 14 lacks C++20 lambda captures of structured bindings).
PM_FUZZ_PACKAGES=(clang-16 libclang-rt-16-dev)

pm_log() { printf '== %s\n' "$*" >&2; }

# pm_setup [package…]: installs the packages that are missing (default: PM_PACKAGES); does
# nothing (quickly) when all are present.
pm_setup() {
    local packages=("$@")
    [ $# -gt 0 ] || packages=("${PM_PACKAGES[@]}")
    local missing=()
    local pkg
    for pkg in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    pm_log "installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Another apt run (a second script, unattended upgrades) holds the lock: wait for it.
    local lock=(-o DPkg::Lock::Timeout=600)
    "${sudo[@]}" apt-get "${lock[@]}" update -qq
    "${sudo[@]}" apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# pm_build <build dir> [cmake options…]: configures once, then builds incrementally: the targets
# named in PM_BUILD_TARGETS (space-separated) when set, else everything. With PM_BUILD_ONLY=1
# the calling script ends after the build (.ci/run builds the sanitizer and fuzz trees ahead,
# in the background, with `PM_BUILD_ONLY=1 scripts/test --sanitize` and `… scripts/fuzz`).
pm_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        pm_log "configuring $dir"
        cmake -S "$PM_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    fi
    local targets=(all)
    [ -z "${PM_BUILD_TARGETS:-}" ] || read -ra targets <<<"$PM_BUILD_TARGETS"
    pm_log "building $dir: ${targets[*]}"
    cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
    if [ "${PM_BUILD_ONLY:-}" = 1 ]; then
        exit 0
    fi
}

# pm_sim_start <vmmgr6|openstack> <work dir> [simulator options…]: starts a simulator in the
# background on a free port of 127.0.0.1; sets PM_SIM_URL and PM_SIM_PID. pm_sim_stop ends it.
pm_sim_start() {
    local name=$1 dir=$2
    shift 2
    "$PM_ROOT/scripts/sim" "$name" "$@" >"$dir/sim-$name.out" 2>"$dir/sim-$name.err" &
    PM_SIM_PID=$!
    PM_SIM_URL=""
    local _
    for _ in $(seq 1 200); do
        PM_SIM_URL=$(sed -n '1s/^listening on //p' "$dir/sim-$name.out" 2>/dev/null || true)
        [ -n "$PM_SIM_URL" ] && return 0
        if ! kill -0 "$PM_SIM_PID" 2>/dev/null; then
            cat "$dir/sim-$name.err" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "the $name simulator did not start" >&2
    return 1
}

pm_sim_stop() {
    if [ -n "${PM_SIM_PID:-}" ] && kill -0 "$PM_SIM_PID" 2>/dev/null; then
        kill "$PM_SIM_PID"
        wait "$PM_SIM_PID" 2>/dev/null || true
    fi
    PM_SIM_PID=""
}
