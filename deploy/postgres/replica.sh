#!/usr/bin/env bash
# The streaming replica: on an empty volume, a base backup of the primary (pg_basebackup -R
# writes standby.signal and the connection to the primary); then a hot standby that follows it.
# Promote it by hand when the primary is lost: docs/deploy.md, "Backup and restore".
set -euo pipefail
PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1):$PATH"
: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=postgres-primary}"
: "${REPLICATION_USER:?}" "${REPLICATION_PASSWORD:?}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -q -h "$PRIMARY_HOST" -p 5432; do sleep 1; done
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h "$PRIMARY_HOST" -p 5432 \
        -U "$REPLICATION_USER" -D "$PGDATA" -R -X stream -c fast
    chmod 700 "$PGDATA"
    echo "[replica] cloned the primary into $PGDATA"
fi
exec postgres -D "$PGDATA" \
    -c listen_addresses='*' \
    -c unix_socket_directories=/tmp \
    -c hot_standby=on \
    -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
