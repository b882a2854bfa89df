#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The README's two commands:
#   installer/dev.sh run   installs what is missing, builds, launches the dashboard on the
#                          embedded SQLite default
#   installer/dev.sh test  installs what is missing, builds, runs every test suite (SQLite
#                          and a throwaway PostgreSQL), prints each suite's counts
# Both are idempotent: on a prepared machine they skip the installs and rebuild only what
# changed (Ninja + ccache).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
command=${1:-}
shift || true

export CCACHE_BASEDIR="$here"
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Debug info carries the build directory; without this a fresh clone never hits the cache.
export CCACHE_NOHASHDIR=1
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/vigil-runtime.XXXXXX)}
chmod 700 "$XDG_RUNTIME_DIR" 2>/dev/null || true

build() {
    cmake --preset default >/dev/null
    cmake --build --preset default
}

case "$command" in
run)
    installer/install-deps.sh run
    build
    # With no options of the user's, a demo fleet so a newcomer sees the dashboard alive.
    [[ $# -eq 0 ]] && set -- --demo 40
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
        echo "dev.sh: no display; running the dashboard under Xvfb (use ssh -X or a desktop session to see it)"
        exec xvfb-run -a -s "-screen 0 1440x900x24" build/app/vigil "$@"
    fi
    exec build/app/vigil "$@"
    ;;
test)
    installer/install-deps.sh test
    build
    export QT_QPA_PLATFORM=offscreen
    status=0
    installer/with-postgres.sh ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
    log=build/Testing/Temporary/LastTest.log
    if [[ -f "$log" ]]; then
        echo
        echo "Per-suite counts (Qt Test):"
        awk '/^[0-9]+\/[0-9]+ Test: /{name=$3} /^Totals: /{printf "  %-28s %s\n", name, $0}' "$log"
    fi
    exit $status
    ;;
*)
    echo "usage: installer/dev.sh run [vigil options] | test [ctest options]" >&2
    exit 2
    ;;
esac
