#!/bin/sh
# PostgreSQL init script (runs once, on an empty data volume): one database per service,
# each owned by its own login role, so a service can reach only its own data.
# MIRPS_DATABASES lists the services; <SERVICE>_DB_PASSWORD holds each role's password.
set -eu

for service in ${MIRPS_DATABASES:-pledges practices events results}; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "create-databases: $variable is not set" >&2
    exit 1
  fi
  echo "create-databases: role and database '$service'"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       --set=service="$service" --set=password="$password" <<'SQL'
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
\connect :"service"
ALTER SCHEMA public OWNER TO :"service";
SQL
done
