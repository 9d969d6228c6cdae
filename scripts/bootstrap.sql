-- SiteSync database bootstrap — run as a PostgreSQL SUPERUSER with psql.
--
-- Used by:
--   * scripts/setup.sh on bare metal:  runuser -u postgres -- psql -f - < scripts/bootstrap.sql
--   * scripts/setup.sh on docker:      docker compose exec -T postgres psql -U postgres -f -
--   * the postgres container's first start (mounted into /docker-entrypoint-initdb.d/)
--
-- Idempotent: safe to run any number of times. CREATE ROLE / CREATE DATABASE
-- have no IF NOT EXISTS, so they are generated conditionally and run with
-- \gexec; every attribute is then (re)applied with ALTER so drift is fixed.
-- Uses psql meta-commands (\gexec, \c), so it must be run through psql.
--
-- Roles:
--   sitesync_owner    owns the schema and runs migrations (CREATEDB, no superuser)
--   sitesync_app      serves requests; subject to row level security
--   sitesync_service  cross-tenant system work; BYPASSRLS
-- Passwords equal role names: these are local/dev/CI credentials only.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- ---------------------------------------------------------------- roles ----
SELECT 'CREATE ROLE sitesync_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'sitesync_owner')
\gexec
SELECT 'CREATE ROLE sitesync_app'
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'sitesync_app')
\gexec
SELECT 'CREATE ROLE sitesync_service'
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'sitesync_service')
\gexec

ALTER ROLE sitesync_owner WITH
  LOGIN PASSWORD 'sitesync_owner'
  NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;

ALTER ROLE sitesync_app WITH
  LOGIN PASSWORD 'sitesync_app'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;

ALTER ROLE sitesync_service WITH
  LOGIN PASSWORD 'sitesync_service'
  NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS INHERIT;

-- Statement and idle-in-transaction timeouts as role defaults, equal to the app pools'
-- (server/db/pool.ts: 30 s, slonik's 60 s). A direct connection sends its own as startup
-- parameters; through PgBouncer (transaction mode, docs/cluster.md) those are ignored and
-- these apply, so a runaway request query is cut off either way.
ALTER ROLE sitesync_app SET statement_timeout = '30s';
ALTER ROLE sitesync_app SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE sitesync_service SET statement_timeout = '30s';
ALTER ROLE sitesync_service SET idle_in_transaction_session_timeout = '60s';

-- The owner can act as the other two, so migrations can
-- `ALTER FUNCTION ... OWNER TO sitesync_service` (SECURITY DEFINER helpers)
-- and manage grants for both. (Re-granting only raises a NOTICE.)
GRANT sitesync_service TO sitesync_owner;
GRANT sitesync_app TO sitesync_owner;

-- ------------------------------------------------------------ databases ----
SELECT 'CREATE DATABASE sitesync OWNER sitesync_owner TEMPLATE template0 ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'sitesync')
\gexec
SELECT 'CREATE DATABASE sitesync_test OWNER sitesync_owner TEMPLATE template0 ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = 'sitesync_test')
\gexec

ALTER DATABASE sitesync OWNER TO sitesync_owner;
ALTER DATABASE sitesync_test OWNER TO sitesync_owner;

-- ------------------------------------------- extensions + schema, per DB ----
-- Extensions are created by the superuser (vector is not a trusted
-- extension). PG15 no longer lets everyone CREATE in schema public, so the
-- owner gets the schema. sitesync_service also gets CREATE on it: PostgreSQL
-- refuses `ALTER ... OWNER TO sitesync_service` unless the new owner has
-- CREATE on the object's schema.

\c sitesync
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
ALTER SCHEMA public OWNER TO sitesync_owner;
GRANT USAGE, CREATE ON SCHEMA public TO sitesync_owner;
GRANT USAGE, CREATE ON SCHEMA public TO sitesync_service;
GRANT USAGE ON SCHEMA public TO sitesync_app;

\c sitesync_test
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
ALTER SCHEMA public OWNER TO sitesync_owner;
GRANT USAGE, CREATE ON SCHEMA public TO sitesync_owner;
GRANT USAGE, CREATE ON SCHEMA public TO sitesync_service;
GRANT USAGE ON SCHEMA public TO sitesync_app;
