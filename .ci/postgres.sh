#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: a temporary directory, a private port on
# 127.0.0.1, its unix socket in that directory, trust authentication, run by an unprivileged
# user (the server refuses to run as root).
#
# Sourced (as .ci/run does):   . .ci/postgres.sh   starts one and exports EARMARK_TEST_PG_URL;
#                              earmark_pg_stop     stops it and removes its directory.
# Run:   .ci/postgres.sh start        prints "URL DIRECTORY" on stdout (exit 1: cannot start)
#        .ci/postgres.sh stop DIR     stops the cluster in DIR and removes DIR
# Where the server cannot start, the tests skip PostgreSQL (and say so).

_earmark_pg_bin() {
    local dir
    if command -v initdb > /dev/null 2>&1 && command -v pg_ctl > /dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

_earmark_pg_install() {
    # Debian's packages, where the binaries are missing and we may install them.
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
        echo "ci: installing PostgreSQL (apt-get install -y postgresql)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql > /dev/null 2>&1 \
            || { apt-get update -q > /dev/null 2>&1 \
                && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql \
                > /dev/null 2>&1; }
    fi
}

# As the unprivileged owner of the cluster when root, else as ourselves.
_earmark_pg_as() {
    local owner=$1
    shift
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

_earmark_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Start a cluster; print "URL DIRECTORY". Messages go to stderr.
earmark_pg_launch() {
    local bin dir owner port
    bin=$(_earmark_pg_bin) || { _earmark_pg_install; bin=$(_earmark_pg_bin); } || return 1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/earmark-pg.XXXXXX") || return 1
    owner=$(id -un)
    if [ "$(id -u)" = 0 ]; then
        owner=nobody
        chown "$owner" "$dir" || return 1
    fi
    chmod 700 "$dir"
    port=$(_earmark_pg_free_port) || return 1
    if ! _earmark_pg_as "$owner" "$bin/initdb" -D "$dir/data" -U earmark --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1; then
        echo "ci: initdb failed: $(tail -n 1 "$dir/initdb.log")" >&2
        rm -rf "$dir"
        return 1
    fi
    if ! _earmark_pg_as "$owner" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start > /dev/null 2>&1; then
        echo "ci: the PostgreSQL server did not start: $(tail -n 1 "$dir/server.log" 2>/dev/null)" >&2
        rm -rf "$dir"
        return 1
    fi
    echo "postgresql://earmark@127.0.0.1:$port/postgres $dir"
}

# Stop the cluster in DIR and remove DIR.
earmark_pg_halt() {
    local dir=$1 bin owner
    [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
    bin=$(_earmark_pg_bin) || return 0
    owner=$(stat -c %U "$dir")
    _earmark_pg_as "$owner" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
    rm -rf "$dir"
}

earmark_pg_stop() {
    earmark_pg_halt "${EARMARK_PG_DIR:-}"
    unset EARMARK_PG_DIR EARMARK_TEST_PG_URL
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: start one for this shell's tests.
    if _earmark_pg_started=$(earmark_pg_launch); then
        export EARMARK_TEST_PG_URL=${_earmark_pg_started% *}
        EARMARK_PG_DIR=${_earmark_pg_started#* }
        echo "ci: PostgreSQL at $EARMARK_TEST_PG_URL" >&2
    else
        echo "ci: PostgreSQL unavailable, its tests skip" >&2
    fi
    unset _earmark_pg_started
else
    set -u
    case "${1:-}" in
        start) earmark_pg_launch ;;
        stop) earmark_pg_halt "${2:-}" ;;
        *)
            echo "usage: $0 start | stop DIRECTORY" >&2
            exit 2
            ;;
    esac
fi
