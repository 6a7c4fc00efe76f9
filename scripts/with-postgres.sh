#!/usr/bin/env bash
# Run a command with BUILDSPEAK_TEST_DATABASE_URL pointing at a real PostgreSQL, so the
# test suite's database tests run there as well as on SQLite:
#
#     bash scripts/with-postgres.sh .venv/bin/pytest -q
#
# - BUILDSPEAK_TEST_DATABASE_URL already set: the command runs against that server.
# - Otherwise a throw-away cluster is started: PostgreSQL's server binaries are found
#   under /usr/lib/postgresql/*/bin (or on PATH), installed with apt-get when missing and
#   running as root; the cluster lives in a `mktemp -d` folder, trusts local logins,
#   listens on 127.0.0.1 only, on a free port, and is stopped and deleted on exit.
#   As root it runs as the `postgres` system user, because initdb refuses root.
# - No PostgreSQL to be had: with CI=true that is an error (exit 1); otherwise the
#   script says so in one line and exits 0, since the suite already ran on SQLite.
#
# Exits with the command's own status.

set -euo pipefail

note() {
    echo "with-postgres: $*" >&2
}

if [[ $# -eq 0 ]]; then
    echo "usage: bash scripts/with-postgres.sh COMMAND [ARGS...]" >&2
    exit 2
fi

if [[ -n "${BUILDSPEAK_TEST_DATABASE_URL:-}" ]]; then
    exec "$@"
fi

unavailable() {
    if [[ "${CI:-}" == "true" ]]; then
        note "PostgreSQL is required when CI=true but is not available: $1"
        exit 1
    fi
    echo "PostgreSQL not available ($1); ran the suite on SQLite only"
    exit 0
}

is_root() {
    [[ "$(id -u)" -eq 0 ]]
}

# Prints the folder holding initdb and pg_ctl, newest version first; fails when there is none.
server_bindir() {
    local dir
    while read -r dir; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

install_postgres() {
    export DEBIAN_FRONTEND=noninteractive
    note "installing PostgreSQL with apt-get"
    apt-get install -y -q postgresql >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; }
}

find_or_install() {
    if bindir="$(server_bindir)"; then
        return 0
    fi
    if ! is_root; then
        unavailable "no initdb/pg_ctl found, and installing PostgreSQL needs root"
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        unavailable "no initdb/pg_ctl found, and no apt-get to install PostgreSQL with"
    fi
    install_postgres || unavailable "apt-get install postgresql failed"
    bindir="$(server_bindir)" || unavailable "PostgreSQL installed, but no initdb/pg_ctl found"
}

# Runs a server command in the cluster's folder, as `postgres` when we are root.
as_server_user() {
    if is_root; then
        (cd "$workdir" && runuser -u postgres -- "$@")
    else
        (cd "$workdir" && "$@")
    fi
}

free_port() {
    local python
    python="$(command -v python3 || command -v python || true)"
    [[ -n "$python" ]] || python=".venv/bin/python"
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
    if [[ -n "${started:-}" ]]; then
        as_server_user "$bindir/pg_ctl" -D "$workdir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
}

start_cluster() {
    if is_root; then
        id -u postgres >/dev/null 2>&1 || unavailable "running as root and there is no 'postgres' user to run the server"
        command -v runuser >/dev/null 2>&1 || unavailable "running as root and runuser is missing"
    fi
    workdir="$(mktemp -d "${TMPDIR:-/tmp}/buildspeak-pg.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if is_root; then
        chown postgres: "$workdir"
    fi
    if ! as_server_user "$bindir/initdb" -D "$workdir/data" -U postgres --auth=trust --encoding=UTF8 \
        --no-locale --no-sync >"$workdir/initdb.log" 2>&1; then
        unavailable "initdb failed: $(tail -n 2 "$workdir/initdb.log" | tr '\n' ' ')"
    fi
    port="$(free_port)" || unavailable "no python to pick a free port with"
    local options="-c listen_addresses=127.0.0.1 -p $port -k '$workdir'"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if ! as_server_user "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -o "$options" \
        -w -t 60 start >/dev/null 2>&1; then
        unavailable "the server did not start: $(tail -n 2 "$workdir/server.log" 2>/dev/null | tr '\n' ' ')"
    fi
    started=1
    wait_until_ready
}

wait_until_ready() {
    local attempt
    for attempt in $(seq 1 60); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres 2>/dev/null; then
            return 0
        fi
        sleep 0.5
    done
    unavailable "the server on port $port did not accept connections after 30 s (attempts: $attempt)"
}

bindir=""
workdir=""
port=""
started=""
find_or_install
start_cluster
note "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (throw-away cluster in $workdir)"

set +e
BUILDSPEAK_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres" "$@"
status=$?
set -e
exit "$status"
