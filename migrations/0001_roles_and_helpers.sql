-- 0001 roles and helpers
--
-- Extensions, the three database roles, the request-context helpers that every
-- RLS policy uses, the updated_at trigger function and the default privileges
-- for everything later migrations create.
--
-- Runs as sitesync_owner inside one transaction (the runner adds BEGIN/COMMIT).

-- ---------------------------------------------------------------------------
-- Extensions (pre-created by a superuser in setup; these are no-ops then)
-- ---------------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";   -- UUID generation
CREATE EXTENSION IF NOT EXISTS pgcrypto;      -- gen_random_uuid(), digests
CREATE EXTENSION IF NOT EXISTS pg_trgm;       -- trigram similarity search
CREATE EXTENSION IF NOT EXISTS vector;        -- pgvector embeddings (HNSW)
CREATE EXTENSION IF NOT EXISTS btree_gist;    -- GiST indexes on scalar types

-- ---------------------------------------------------------------------------
-- Roles (schema-note 5: CREATE ROLE is cluster-wide and not idempotent).
-- The superuser bootstrap script creates them with passwords/LOGIN. These
-- guards only document them and make a fresh cluster work; they never alter an
-- existing role.
--   sitesync_app      serves every request; NOSUPERUSER NOBYPASSRLS, so RLS
--                     applies to it (schema-note 6).
--   sitesync_service  cross-tenant system work (workers, hub fan-out, auth
--                     look-ups before a context exists); BYPASSRLS.
--   sitesync_owner    owns the schema and runs migrations; tables use FORCE
--                     ROW LEVEL SECURITY so even it is filtered.
-- ---------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitesync_app') THEN
        CREATE ROLE sitesync_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitesync_service') THEN
        CREATE ROLE sitesync_service NOLOGIN NOSUPERUSER BYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sitesync_owner') THEN
        CREATE ROLE sitesync_owner NOLOGIN NOSUPERUSER CREATEDB;
    END IF;
END
$$;

-- Refuse to build a schema whose isolation would be silently void: if the
-- request role could bypass RLS, every policy below would be decoration.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles
               WHERE rolname = 'sitesync_app' AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'sitesync_app must be NOSUPERUSER NOBYPASSRLS (RLS would not apply)';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Schema privileges
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO sitesync_app, sitesync_service;
-- sitesync_service owns the SECURITY DEFINER counter/numbering trigger
-- functions (it is BYPASSRLS); ALTER FUNCTION ... OWNER TO requires the new
-- owner to have CREATE on the schema.
GRANT CREATE ON SCHEMA public TO sitesync_service;

-- Objects that later migrations create (as sitesync_owner) get the same
-- grants as the ones created here. Tables that need less (audit_events,
-- compliance_requirements, work_order_counters) revoke next to their table.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sitesync_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON TABLES TO sitesync_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO sitesync_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON SEQUENCES TO sitesync_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO sitesync_app, sitesync_service;

-- ---------------------------------------------------------------------------
-- Request context (schema-notes 7, 8)
--
-- The API sets both in the request's own transaction:
--   SELECT set_config('app.current_org',  $org,  true),
--          set_config('app.current_user', $user, true);
-- A missing setting, or one reset to '', yields NULL, and NULL compares equal
-- to nothing: no context means no rows, never an error.
-- Plain STABLE SQL without SET clauses so the planner can inline them and use
-- indexes on organization_id / user_id.
-- ---------------------------------------------------------------------------
CREATE FUNCTION app_current_org() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.current_org', true), '')::uuid $$;

COMMENT ON FUNCTION app_current_org() IS
    'Organisation of the current request (transaction-local app.current_org), NULL when unset';

CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.current_user', true), '')::uuid $$;

COMMENT ON FUNCTION app_current_user() IS
    'User of the current request (transaction-local app.current_user), NULL when unset';

-- app_current_role(), app_is_org_admin() and app_user_in_current_org() read
-- the users table, so they are defined in 0002 right after it.

-- ---------------------------------------------------------------------------
-- updated_at maintenance (schema-note 14)
--
-- clock_timestamp() rather than now(): a row inserted and updated in the same
-- transaction still shows updated_at > created_at.
-- ---------------------------------------------------------------------------
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION set_updated_at() IS
    'BEFORE UPDATE trigger: stamps updated_at on every table that has one';

GRANT EXECUTE ON FUNCTION app_current_org(), app_current_user(), set_updated_at()
    TO sitesync_app, sitesync_service;
