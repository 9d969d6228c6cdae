-- 0011 audit security
--
-- Audit & security (seed section 10): partitioned audit trail, audit chain
-- heads, API keys, sessions.
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- audit_events
-- =============================================================================

-- AUDIT EVENT TYPES
CREATE TYPE audit_event_type AS ENUM (
    -- Work orders
    'work_order_created', 'work_order_updated', 'work_order_assigned',
    'work_order_started', 'work_order_completed', 'work_order_cancelled',
    -- Assets
    'elevator_created', 'elevator_updated', 'elevator_status_changed',
    -- Inspections
    'inspection_scheduled', 'inspection_completed', 'inspection_failed',
    -- Inventory
    'part_used', 'stock_adjusted', 'stock_transferred',
    -- Labor
    'labor_logged',
    -- AI
    'diagnosis_requested', 'diagnosis_completed',
    -- Documents
    'document_uploaded', 'document_linked', 'document_accessed',
    -- Users
    'user_login', 'user_logout', 'user_created', 'user_updated',
    -- Security
    'permission_changed', 'password_changed', 'mfa_enabled',
    -- Settings
    'settings_changed',
    -- Knowledge
    'contribution_created', 'contribution_approved',
    -- Forum
    'thread_created', 'post_created',
    -- Jobs
    'job_posted', 'application_submitted',
    -- Other
    'user_action'
);

-- AUDIT EVENTS
CREATE TABLE audit_events (
    -- PRIMARY KEY (id, created_at) below: a partitioned table's key must
    -- include the partition column (schema-note 2).
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id),

    -- Event
    event_type audit_event_type NOT NULL,

    -- What
    entity_type VARCHAR(50) NOT NULL,
    entity_id UUID NOT NULL,

    -- Who
    actor_id UUID NOT NULL,
    actor_type VARCHAR(50) DEFAULT 'user',
    actor_email VARCHAR(255),

    -- What happened
    event_data JSONB NOT NULL,
    previous_state JSONB,
    new_state JSONB,

    -- Context
    ip_address INET,
    user_agent TEXT,
    request_id VARCHAR(100),

    -- Integrity
    previous_hash VARCHAR(64),
    hash VARCHAR(64) NOT NULL,

    -- Timestamp
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

-- Create monthly partitions (the seed's two; bounds pinned to UTC so they do
-- not depend on the migrating session's TimeZone and meet the UTC months of
-- ensure_audit_partitions() exactly)
CREATE TABLE audit_events_2024_12 PARTITION OF audit_events
    FOR VALUES FROM ('2024-12-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
CREATE TABLE audit_events_2025_01 PARTITION OF audit_events
    FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2025-02-01 00:00:00+00');
-- Later months: ensure_audit_partitions() below, plus a DEFAULT partition.

CREATE INDEX idx_audit_org ON audit_events(organization_id);
CREATE INDEX idx_audit_entity ON audit_events(entity_type, entity_id);
CREATE INDEX idx_audit_actor ON audit_events(actor_id);
CREATE INDEX idx_audit_type ON audit_events(event_type);
CREATE INDEX idx_audit_created ON audit_events(created_at);

-- schema-note 3: rows for a month without its own partition land here instead
-- of failing (an audit record must never be lost). ensure_audit_partitions()
-- moves them out when their month's partition is created.
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;

-- Creates the monthly partitions audit_events_YYYY_MM (UTC months) from the
-- current month through months_ahead months later. Idempotent: existing
-- partitions are skipped. If the DEFAULT partition already holds rows of a
-- month being created, it is detached, the month's rows are moved into the
-- new partition, and it is re-attached - all inside the caller's transaction.
-- Runs as the table owner (partition DDL needs ownership); direct access to a
-- partition is not subject to the parent's policies, so the move sees every
-- row. Called below for the current month + 3, and monthly by the upkeep
-- worker as sitesync_service.
CREATE FUNCTION ensure_audit_partitions(months_ahead integer DEFAULT 3) RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    month_start date;
    lo timestamptz;
    hi timestamptz;
    part text;
    created integer := 0;
BEGIN
    IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead;
    END IF;

    -- One caller at a time (a worker on each node may run this).
    PERFORM pg_advisory_xact_lock(hashtext('sitesync.ensure_audit_partitions'));

    FOR i IN 0..months_ahead LOOP
        month_start := (first_month + make_interval(months => i))::date;
        part := 'audit_events_' || to_char(month_start, 'YYYY_MM');
        CONTINUE WHEN to_regclass('public.' || quote_ident(part)) IS NOT NULL;

        lo := month_start::timestamp AT TIME ZONE 'UTC';
        hi := (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';

        IF EXISTS (SELECT 1 FROM audit_events_default
                   WHERE created_at >= lo AND created_at < hi) THEN
            ALTER TABLE audit_events DETACH PARTITION audit_events_default;
            EXECUTE format('CREATE TABLE public.%I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                           part, lo, hi);
            EXECUTE format('INSERT INTO public.%I SELECT * FROM audit_events_default'
                           ' WHERE created_at >= %L AND created_at < %L', part, lo, hi);
            DELETE FROM audit_events_default WHERE created_at >= lo AND created_at < hi;
            ALTER TABLE audit_events ATTACH PARTITION audit_events_default DEFAULT;
        ELSE
            EXECUTE format('CREATE TABLE public.%I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                           part, lo, hi);
        END IF;

        -- Requests reach audit rows only through the parent and its policies.
        EXECUTE format('REVOKE ALL ON public.%I FROM sitesync_app', part);
        EXECUTE format('GRANT ALL ON public.%I TO sitesync_service', part);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;

COMMENT ON FUNCTION ensure_audit_partitions(integer) IS
    'Creates monthly audit_events partitions (UTC) from the current month through months_ahead; returns how many were created';

REVOKE ALL ON FUNCTION ensure_audit_partitions(integer) FROM PUBLIC, sitesync_app;
GRANT EXECUTE ON FUNCTION ensure_audit_partitions(integer) TO sitesync_service;

SELECT ensure_audit_partitions(3);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
-- Only the parent has policies; a query on the parent applies them to every
-- partition. sitesync_app has no privileges on the partitions themselves.
-- Read your organisation's trail.
CREATE POLICY audit_events_select ON audit_events FOR SELECT
    USING (organization_id = app_current_org());
-- Append for your organisation, or an organisation-less event (login,
-- platform actions) attributed to yourself. No UPDATE/DELETE policies and no
-- such grants: the trail is append-only (tamper-evident).
CREATE POLICY audit_events_insert ON audit_events FOR INSERT
    WITH CHECK (organization_id = app_current_org()
                OR (organization_id IS NULL AND actor_id = app_current_user()));

REVOKE ALL ON audit_events FROM sitesync_app;
GRANT SELECT, INSERT ON audit_events TO sitesync_app;
GRANT ALL ON audit_events TO sitesync_service;
REVOKE ALL ON audit_events_2024_12, audit_events_2025_01, audit_events_default FROM sitesync_app;
GRANT ALL ON audit_events_2024_12, audit_events_2025_01, audit_events_default TO sitesync_service;

-- =============================================================================
-- audit_chain_heads (added; not in the seed)
-- =============================================================================

-- AUDIT CHAIN HEADS (not in the seed)
-- The head of each organisation's audit hash chain: audit_events.previous_hash
-- of the next event is last_hash. Lock the head (SELECT ... FOR UPDATE) in the
-- transaction that appends the event, so concurrent appends form one chain.
CREATE TABLE audit_chain_heads (
    organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    last_hash VARCHAR(64) NOT NULL,
    last_event_id UUID,
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE TRIGGER audit_chain_heads_set_updated_at
    BEFORE UPDATE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY audit_chain_heads_org_isolation ON audit_chain_heads
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON audit_chain_heads TO sitesync_app;
GRANT ALL ON audit_chain_heads TO sitesync_service;

-- =============================================================================
-- api_keys
-- =============================================================================

-- API KEYS
CREATE TABLE api_keys (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    created_by UUID NOT NULL REFERENCES users(id),

    -- Key
    key_prefix VARCHAR(10) NOT NULL,  -- First 10 chars for identification
    key_hash VARCHAR(255) NOT NULL,   -- Hashed full key

    -- Metadata
    name VARCHAR(255) NOT NULL,
    description TEXT,

    -- Permissions
    scopes TEXT[] DEFAULT '{}',

    -- Limits
    rate_limit_per_hour INTEGER DEFAULT 1000,

    -- Status
    is_active BOOLEAN DEFAULT true,
    last_used_at TIMESTAMPTZ,

    -- Expiry
    expires_at TIMESTAMPTZ,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    revoked_at TIMESTAMPTZ
);

CREATE INDEX idx_api_key_org ON api_keys(organization_id);
CREATE INDEX idx_api_key_prefix ON api_keys(key_prefix);

ALTER TABLE api_keys
    ADD CONSTRAINT api_keys_rate_limit_per_hour_check CHECK (rate_limit_per_hour > 0);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
-- Keys of the current organisation, managed by whoever created them or by an
-- organisation admin; a key cannot be created for or moved to another
-- organisation. Authenticating a presented key (look-up by key_prefix before
-- any context exists) is done by the service role.
CREATE POLICY api_keys_owner_or_admin ON api_keys
    USING (organization_id = app_current_org()
           AND (created_by = app_current_user() OR (SELECT app_is_org_admin())))
    WITH CHECK (organization_id = app_current_org()
                AND (created_by = app_current_user() OR (SELECT app_is_org_admin())));

GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO sitesync_app;
GRANT ALL ON api_keys TO sitesync_service;

-- =============================================================================
-- user_sessions
-- =============================================================================

-- USER SESSIONS
CREATE TABLE user_sessions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id),

    -- Session
    session_token_hash VARCHAR(255) NOT NULL,
    refresh_token_hash VARCHAR(255),

    -- Device
    device_type VARCHAR(50),
    device_name VARCHAR(255),
    browser VARCHAR(100),
    os VARCHAR(100),

    -- Location
    ip_address INET,
    location_city VARCHAR(100),
    location_country VARCHAR(100),

    -- Status
    is_active BOOLEAN DEFAULT true,

    -- Timestamps
    created_at TIMESTAMPTZ DEFAULT NOW(),
    last_activity_at TIMESTAMPTZ DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE INDEX idx_session_user ON user_sessions(user_id);
CREATE INDEX idx_session_token ON user_sessions(session_token_hash);
CREATE INDEX idx_session_active ON user_sessions(user_id, is_active) WHERE is_active = true;

ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
-- Your own sessions; an organisation admin also sees and revokes colleagues'
-- sessions. Token look-ups at authentication time use the service role.
CREATE POLICY user_sessions_owner_or_admin ON user_sessions
    USING (user_id = app_current_user()
           OR (app_user_in_current_org(user_id) AND (SELECT app_is_org_admin())))
    WITH CHECK (user_id = app_current_user()
                OR (app_user_in_current_org(user_id) AND (SELECT app_is_org_admin())));

GRANT SELECT, INSERT, UPDATE, DELETE ON user_sessions TO sitesync_app;
GRANT ALL ON user_sessions TO sitesync_service;
