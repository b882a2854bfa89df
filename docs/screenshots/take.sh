#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# docs/screenshots/take.sh [BUILD_DIR]: starts vigil under Xvfb on a fresh SQLite file with a
# demo fleet, lets it run for a while (agents flap, die, recover; workflows run), then takes a
# screenshot of every view by pressing its shortcut, and of a run's timeline window.
# Needs xvfb-run, imagemagick (import) and xdotool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
work=$(mktemp -d /tmp/vigil-shots.XXXXXX)
trap 'kill $vigil 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work XDG_RUNTIME_DIR=$work/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
warmup=${WARMUP:-150}

if [[ -z "${INSIDE_XVFB:-}" ]]; then
    INSIDE_XVFB=1 exec xvfb-run -a -s "-screen 0 1440x900x24" "$0" "$@"
fi

"$build/app/vigil" --db "sqlite://$work/vigil.db" --listen 127.0.0.1:0 --demo 40 >"$work/vigil.log" 2>&1 &
vigil=$!
sleep "$warmup"
window=$(xdotool search --sync --name '^Vigil$' | head -1)
xdotool windowsize "$window" 1440 900 windowmove "$window" 0 0
shot() {
    sleep 3
    import -window root "$here/$1.png"
    echo "took $1.png"
}
view() { # $1: shortcut number, $2: file name
    xdotool windowfocus --sync "$window" key --clearmodifiers "ctrl+$1"
    shot "$2"
}
view 1 overview
view 2 fleet
xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+alt+2
shot fleet-table
xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+alt+1
view 3 runs
view 4 workflows
view 5 signals
view 6 incidents
# A run's timeline: the first row of the runs view, opened with Enter.
xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+3
sleep 1
xdotool mousemove --window "$window" 500 140 click 1 key Return
sleep 2
run=$(xdotool search --name '^Run ' | head -1 || true)
if [[ -n "$run" ]]; then
    xdotool windowsize "$run" 1440 900 windowmove "$run" 0 0 windowraise "$run"
    shot run-timeline
    xdotool windowunmap "$run" || true
fi
# An agent's detail: the first tile of the fleet view.
xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+2
sleep 1
xdotool mousemove --window "$window" 300 110 click --repeat 2 1
sleep 2
agent=$(xdotool search --name '^Agent ' | head -1 || true)
if [[ -n "$agent" ]]; then
    xdotool windowsize "$agent" 1440 900 windowmove "$agent" 0 0 windowraise "$agent"
    shot agent-detail
fi
