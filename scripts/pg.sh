#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite unless one already answers.
# Prints the database URL to use. The cluster lives under $PGROOT (default /tmp/turath-pg).
set -euo pipefail
PORT=${TURATH_PG_PORT:-54329}
PGROOT=${PGROOT:-/tmp/turath-pg}
BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BINDIR" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
URL="postgres://turath:turath@127.0.0.1:${PORT}/turath"
if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then echo "$URL"; exit 0; fi
RUN=""
if [ "$(id -u)" -eq 0 ]; then RUN="runuser -u postgres --"; fi
mkdir -p "$PGROOT"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGROOT"
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
  $RUN "$BINDIR/initdb" -D "$PGROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# Durability is not needed for a test cluster: fsync off makes migrations and fixtures fast.
# shared_buffers: PostgreSQL's default (128 MB) is sized for tiny machines; its documentation
# suggests about a quarter of the memory of a dedicated server. 1 GB holds the search rows of a
# million-record register (benchmarks/README.md) and is still small on a 24 GB machine.
$RUN "$BINDIR/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
  -o "-p $PORT -k $PGROOT -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=${TURATH_PG_SHARED_BUFFERS:-1GB}" start >/dev/null
"$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtAc "SELECT 1 FROM pg_roles WHERE rolname='turath'" | grep -q 1 \
  || "$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE turath LOGIN SUPERUSER PASSWORD 'turath'"
"$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='turath'" | grep -q 1 \
  || "$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE turath OWNER turath"
echo "$URL"
