#!/usr/bin/env bash
# The PostgreSQL primary: on an empty volume, initdb with the application's user and database
# and a replication role for the standby; then the server, with WAL kept for streaming.
# Runs as the postgres user in the official image (postgres:16) or any Debian PostgreSQL.
set -euo pipefail
PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1):$PATH"
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}" "${POSTGRES_DB:?}"
: "${REPLICATION_USER:?}" "${REPLICATION_PASSWORD:?}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    cat >>"$PGDATA/pg_hba.conf" <<HBA
host replication $REPLICATION_USER all scram-sha-256
host all all all scram-sha-256
HBA
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
    psql -h /tmp -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -q \
        -v db="$POSTGRES_DB" -v ruser="$REPLICATION_USER" -v rpass="$REPLICATION_PASSWORD" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') WHERE :'db' <> 'postgres' \gexec
CREATE ROLE :"ruser" WITH REPLICATION LOGIN PASSWORD :'rpass';
SQL
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "[primary] initialised $PGDATA"
fi
exec postgres -D "$PGDATA" \
    -c listen_addresses='*' \
    -c unix_socket_directories=/tmp \
    -c wal_level=replica \
    -c max_wal_senders=10 \
    -c wal_keep_size=1GB \
    -c hot_standby=on \
    -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
