#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and for trying several hubs: initdb into a temporary
# directory (as the `postgres` user when run as root — initdb refuses root), pg_ctl start on a
# loopback port with its socket in that directory, a `commandhub` role and database. Stopped
# and removed when this script exits.
#
#   Scripts/postgres.sh                      # prints the URL, serves until Ctrl-C
#   Scripts/postgres.sh -- COMMAND ARGS…     # runs COMMAND with COMMANDHUB_TEST_POSTGRES_URL set,
#                                            # then stops the server; exits with COMMAND's status
#
# Options (environment): POSTGRES_PORT (default: a free port), POSTGRES_FSYNC=on to keep fsync
# (off by default: tests only — never for data you keep).
set -euo pipefail

bindir=""
if command -v pg_config >/dev/null 2>&1; then bindir=$(pg_config --bindir); fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/initdb" ] && bindir=$candidate; done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "Scripts/postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 69
fi

port=${POSTGRES_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/commandhub-postgres.XXXXXX)
chmod 755 "$dir"
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi

cleanup() {
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >/dev/null
fsync=${POSTGRES_FSYNC:-off}
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=$fsync -c synchronous_commit=$fsync -c full_page_writes=$fsync -c max_connections=300" \
  >/dev/null
as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE commandhub LOGIN PASSWORD 'commandhub' SUPERUSER" \
  -c "CREATE DATABASE commandhub OWNER commandhub" >/dev/null

url="postgres://commandhub:commandhub@127.0.0.1:$port/commandhub"
export COMMANDHUB_TEST_POSTGRES_URL=$url
export COMMANDHUB_TEST_POSTGRES_DIR=$dir
export COMMANDHUB_TEST_POSTGRES_BIN=$bindir

if [ "${1:-}" = "--" ]; then
  shift
  status=0
  "$@" || status=$?
  exit "$status"
fi
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $url (data in $dir/data, fsync=$fsync); Ctrl-C stops it"
while true; do sleep 3600; done
