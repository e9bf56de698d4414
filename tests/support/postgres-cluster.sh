#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the PostgreSQL store.
#
#   postgres-cluster.sh start DIR   make DIR (must not exist or be empty), run
#                                   initdb and start the server on a free port
#                                   of 127.0.0.1; writes the server's URL
#                                   (postgresql://ldb@127.0.0.1:PORT) to DIR/url
#                                   and stdout
#   postgres-cluster.sh stop DIR    stop that server and remove DIR
#
# The server's files (data/, its log and its unix socket) live in a folder of
# their own directly under /tmp, named in DIR/cluster: a unix socket path may
# not exceed 107 bytes (a deep build folder would), and as root the server's
# user must reach the folder (a CI clone under a 0700 mktemp folder is not).
# The cluster also has a role "ldb_password" (password "ldb-test-password")
# that must log in with a password (scram-sha-256); every other role is trusted.
#
# Uses Debian's server binaries (postgresql-15: /usr/lib/postgresql/15/bin;
# $LDB_PG_BINDIR overrides). The cluster trusts local logins (a test cluster
# that lives as long as the tests, listening on 127.0.0.1 only), and its
# superuser is "ldb". fsync is off: the data dies with the cluster anyway.
#
# initdb and postgres refuse to run as root. As root, the cluster runs as the
# unprivileged user `postgres` that Debian's postgresql-common creates (or
# $LDB_PG_USER), through runuser; DIR is then owned by that user.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: postgres-cluster.sh start|stop DIR" >&2
  exit 2
fi

bindir=${LDB_PG_BINDIR:-}
if [[ -z "$bindir" ]]; then
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$candidate/initdb" ]]; then bindir=$candidate; break; fi
  done
fi
if [[ "$command" == start && ( -z "$bindir" || ! -x "$bindir/initdb" ) ]]; then
  echo "postgres-cluster.sh: no PostgreSQL server binaries (initdb) found in /usr/lib/postgresql/*/bin" >&2
  echo "hint: install them with scripts/install-deps.sh (Debian's postgresql), or set LDB_PG_BINDIR" >&2
  exit 3
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "${LDB_PG_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    home=$(mktemp -d /tmp/ldb-pg.XXXXXX)
    echo "$home" >"$dir/cluster"
    if [[ $(id -u) -eq 0 ]]; then
      user=${LDB_PG_USER:-postgres}
      if ! id "$user" >/dev/null 2>&1; then
        echo "postgres-cluster.sh: running as root needs the unprivileged user '$user' (Debian's postgresql creates it)" >&2
        exit 3
      fi
      chown "$user" "$home"
    fi
    as_owner "$bindir/initdb" -D "$home/data" -U ldb --auth=trust --encoding=UTF8 --no-locale --no-sync \
      >"$home/initdb.log" 2>&1 || { cat "$home/initdb.log" >&2; exit 1; }
    # One role logs in only with its password (tests of a refused login).
    { echo "host all ldb_password 127.0.0.1/32 scram-sha-256"; cat "$home/data/pg_hba.conf"; } >"$home/hba.new"
    as_owner cp "$home/hba.new" "$home/data/pg_hba.conf"
    # Another process may take the free port between the check and the
    # server's bind: try a few.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 30 \
          -o "-p $port -k $home -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
          start >/dev/null 2>&1; then
        as_owner "$bindir/psql" -q -h "$home" -p "$port" -U ldb -d postgres \
          -c "CREATE ROLE ldb_password LOGIN PASSWORD 'ldb-test-password'" >/dev/null
        echo "postgresql://ldb@127.0.0.1:$port" | tee "$dir/url"
        exit 0
      fi
    done
    echo "postgres-cluster.sh: the server did not start; its log:" >&2
    cat "$home/server.log" >&2 || true
    exit 1
    ;;
  stop)
    home=$(cat "$dir/cluster" 2>/dev/null || true)
    if [[ -n "$home" && -d "$home/data" && -x "$bindir/pg_ctl" ]]; then
      as_owner "$bindir/pg_ctl" -D "$home/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ "$home" == /tmp/ldb-pg.* ]]; then rm -rf "$home"; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
