#!/usr/bin/env bash
# Prepares a local PostgreSQL for the storage/postgres tests and prints the
# DSN as its last line. Idempotent; run as root (or as a user that may
# `su postgres`). Installs PostgreSQL with apt-get only when it is missing.
#
#   export PLAYERBASE_TEST_POSTGRES=$(bash .ci/pg-setup.sh | tail -n 1)
set -euo pipefail

role=playerbase
password=playerbase
db=playerbase_test
host=127.0.0.1
port=5432

log() { echo "pg-setup: $*" >&2; }

as_postgres() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	else
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	log "installing postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
fi

# Start every cluster that is down (normally just one, e.g. 15/main).
started=0
while read -r version cluster status; do
	[ -n "$version" ] || continue
	if [ "$status" != online ]; then
		log "starting cluster $version/$cluster"
		pg_ctlcluster "$version" "$cluster" start >&2
	fi
	started=1
done < <(pg_lsclusters --no-header 2>/dev/null | awk '{print $1, $2, $4}')
if [ "$started" = 0 ]; then
	version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
	log "creating cluster $version/main"
	pg_createcluster "$version" main --start >&2
fi

# Wait for the server to accept connections.
for _ in $(seq 1 30); do
	if as_postgres psql -qAtX -c 'select 1' >/dev/null 2>&1; then
		break
	fi
	sleep 1
done

psql_q() { as_postgres psql -qAtX -v ON_ERROR_STOP=1 "$@"; }

if [ "$(psql_q -c "select 1 from pg_roles where rolname = '$role'")" != 1 ]; then
	log "creating role $role"
	psql_q -c "create role $role login password '$password'"
else
	# Keep the password known even if someone changed it.
	psql_q -c "alter role $role login password '$password'"
fi

if [ "$(psql_q -c "select 1 from pg_database where datname = '$db'")" != 1 ]; then
	log "creating database $db"
	psql_q -c "create database $db owner $role"
fi

echo "postgres://$role:$password@$host:$port/$db?sslmode=disable"
