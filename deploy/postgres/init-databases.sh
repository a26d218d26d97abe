#!/usr/bin/env bash
# First start of the postgres container only (docker-entrypoint-initdb.d, empty data directory):
# one login role and one database per service. Each role owns its database, so the service's
# migrations can create its tables; neither service can connect to the other's database.
# The image runs this file, or sources it where the execute bit got lost: no `set -u`, which
# would then apply to the image's own entrypoint too.
set -eo pipefail

: "${CONFIG_DB_PASSWORD:?set CONFIG_DB_PASSWORD}"
: "${PORTAL_DB_PASSWORD:?set PORTAL_DB_PASSWORD}"

# The passwords go in as psql variables (:'name' quotes them), never spliced into the SQL text.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set config_password="$CONFIG_DB_PASSWORD" --set portal_password="$PORTAL_DB_PASSWORD" <<'SQL'
CREATE ROLE portalflow_config LOGIN PASSWORD :'config_password';
CREATE DATABASE portalflow_config OWNER portalflow_config;
REVOKE ALL ON DATABASE portalflow_config FROM PUBLIC;

CREATE ROLE portalflow_portal LOGIN PASSWORD :'portal_password';
CREATE DATABASE portalflow_portal OWNER portalflow_portal;
REVOKE ALL ON DATABASE portalflow_portal FROM PUBLIC;
SQL
