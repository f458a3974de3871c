#!/usr/bin/env bash
# Creates the two database roles, once, when the PostgreSQL volume is first
# created (the postgres image runs /docker-entrypoint-initdb.d/*.sh then).
#
#   schoolsocial_owner  owns the schema and every table. Migrations, backups
#                       and restores run as it (DATABASE_MIGRATE_URL).
#   schoolsocial_app    what the web app, worker and beat sign in as
#                       (DATABASE_URL): SELECT, INSERT, UPDATE and DELETE on
#                       the tables and nothing else, so it cannot TRUNCATE,
#                       ALTER or DROP a table nor disable the triggers that
#                       protect the audit trail, evidence, incident actions
#                       and consent records.
#
# For another install, run the SQL below once as a superuser (psql -v
# owner_password=... -v app_password=... -d schoolsocial -f <this SQL>).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="${DB_OWNER_PASSWORD:?Set DB_OWNER_PASSWORD}" \
  -v app_password="${DB_APP_PASSWORD:?Set DB_APP_PASSWORD}" <<'SQL'
CREATE ROLE schoolsocial_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE schoolsocial_app LOGIN PASSWORD :'app_password';
ALTER DATABASE :"DBNAME" OWNER TO schoolsocial_owner;
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO schoolsocial_app;
ALTER SCHEMA public OWNER TO schoolsocial_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO schoolsocial_app;
ALTER DEFAULT PRIVILEGES FOR ROLE schoolsocial_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO schoolsocial_app;
ALTER DEFAULT PRIVILEGES FOR ROLE schoolsocial_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO schoolsocial_app;
SQL
