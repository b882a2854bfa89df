#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# install-deps.sh [build|test|bench]
#
# Installs the Debian 12 packages Vigil needs for that purpose, and nothing when they are
# all there already (so it is cheap to call before every build). Everything comes from
# Debian's own archive. Two packages are listed explicitly because Debian forgets them:
# libqt6opengl6-dev (Qt6Charts' CMake config needs Qt6OpenGL) and qt6-websockets-dev
# (Qt6HttpServer's CMake config needs Qt6WebSockets).
set -euo pipefail

purpose=${1:-build}

build_packages=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6sql6-sqlite libqt6sql6-psql libsqlite3-dev
    qt6-httpserver-dev qt6-websockets-dev qcoro-qt6-dev nlohmann-json3-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    libgl-dev fonts-dejavu-core tzdata
)
test_packages=(postgresql xvfb xauth x11-apps imagemagick openssl)
bench_packages=(wrk)

packages=("${build_packages[@]}")
case "$purpose" in
    build) ;;
    run) packages+=(xvfb xauth) ;;
    test) packages+=("${test_packages[@]}") ;;
    bench) packages+=("${test_packages[@]}" "${bench_packages[@]}") ;;
    *) echo "usage: $0 [build|run|test|bench]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ "$status" == installed ]] || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages for '$purpose' are installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
