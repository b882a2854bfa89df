#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# with-postgres.sh CMD [ARGS...]
#
# Starts a throwaway PostgreSQL 15 cluster in a temporary directory on a free loopback
# port, runs CMD with VIGIL_TEST_PG_URL pointing at an empty database, then stops the
# server and deletes the directory: on success, on failure, and on Ctrl-C or SIGTERM.
# Exits with CMD's exit code. Works as root (the server runs as `postgres`) or as an
# ordinary user.
set -euo pipefail

pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [[ -z "$pgbin" || ! -x "$pgbin/initdb" ]]; then
    echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
    exit 2
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-pg.XXXXXX")
runas=()
if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$workdir"
    runas=(runuser -u postgres --)
fi
pgdata="$workdir/data"
pgsock="$workdir/sock"
"${runas[@]}" mkdir -p "$pgsock"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -f "$pgdata/postmaster.pid" ]]; then
        "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${runas[@]}" "$pgbin/initdb" -D "$pgdata" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
    || { cat "$workdir/initdb.log" >&2; exit 2; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=0
for _ in $(seq 1 20); do
    port=$(( 20000 + RANDOM % 40000 ))
    port_in_use "$port" && continue
    if "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$workdir/server.log" -w -t 30 \
        -o "-p $port -k $pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        started=1
        break
    fi
done
if [[ $started -ne 1 ]]; then
    echo "with-postgres: could not start PostgreSQL; server log:" >&2
    cat "$workdir/server.log" >&2 || true
    exit 2
fi

"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres vigil_test
export VIGIL_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/vigil_test"
echo "with-postgres: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($VIGIL_TEST_PG_URL)"

set +e
"$@"
rc=$?
set -e
exit $rc
