-- 0010 analytics
--
-- Analytics & metrics (seed section 9).
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- health_score_history
-- =============================================================================

-- BUILDING HEALTH SCORE HISTORY
CREATE TABLE health_score_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id UUID NOT NULL REFERENCES sites(id),

    -- Score
    score INTEGER NOT NULL,

    -- Components
    equipment_condition_score INTEGER,
    maintenance_compliance_score INTEGER,
    incident_frequency_score INTEGER,
    first_time_fix_score INTEGER,
    predictive_risk_score INTEGER,

    -- Details
    components JSONB,

    -- Recorded
    recorded_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_health_history_site ON health_score_history(site_id);
CREATE INDEX idx_health_history_date ON health_score_history(recorded_at);

-- The seed suggests monthly partitions here but only as a comment; the table
-- is not partitioned (see docs/schema.md).

ALTER TABLE health_score_history
    ADD CONSTRAINT health_score_history_score_check CHECK (score BETWEEN 0 AND 100),
    ADD CONSTRAINT health_score_history_equipment_condition_score_check CHECK (
        equipment_condition_score BETWEEN 0 AND 100),
    ADD CONSTRAINT health_score_history_maintenance_compliance_score_check CHECK (
        maintenance_compliance_score BETWEEN 0 AND 100),
    ADD CONSTRAINT health_score_history_incident_frequency_score_check CHECK (
        incident_frequency_score BETWEEN 0 AND 100),
    ADD CONSTRAINT health_score_history_first_time_fix_score_check CHECK (
        first_time_fix_score BETWEEN 0 AND 100),
    ADD CONSTRAINT health_score_history_predictive_risk_score_check CHECK (
        predictive_risk_score BETWEEN 0 AND 100);

ALTER TABLE health_score_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_score_history FORCE ROW LEVEL SECURITY;
-- Through the site's organisation, for every command (no organization_id
-- column of its own).
CREATE POLICY health_score_history_select ON health_score_history FOR SELECT
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = health_score_history.site_id
                     AND s.organization_id = app_current_org()));
CREATE POLICY health_score_history_insert ON health_score_history FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = health_score_history.site_id
                          AND s.organization_id = app_current_org()));
CREATE POLICY health_score_history_update ON health_score_history FOR UPDATE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = health_score_history.site_id
                     AND s.organization_id = app_current_org()))
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = health_score_history.site_id
                          AND s.organization_id = app_current_org()));
CREATE POLICY health_score_history_delete ON health_score_history FOR DELETE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = health_score_history.site_id
                     AND s.organization_id = app_current_org()));

GRANT SELECT, INSERT, UPDATE, DELETE ON health_score_history TO sitesync_app;
GRANT ALL ON health_score_history TO sitesync_service;

-- =============================================================================
-- technician_metrics_history
-- =============================================================================

-- TECHNICIAN METRICS HISTORY
CREATE TABLE technician_metrics_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    technician_profile_id UUID NOT NULL REFERENCES technician_profiles(id),

    -- Period
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,

    -- Metrics
    jobs_completed INTEGER DEFAULT 0,
    first_time_fix_rate DECIMAL(5, 2),
    average_resolution_time_minutes INTEGER,
    callbacks INTEGER DEFAULT 0,
    contributions_made INTEGER DEFAULT 0,

    -- Expertise
    expertise_score INTEGER,

    -- Recorded
    recorded_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_tech_metrics_profile ON technician_metrics_history(technician_profile_id);
CREATE INDEX idx_tech_metrics_period ON technician_metrics_history(period_start, period_end);

ALTER TABLE technician_metrics_history
    ADD CONSTRAINT technician_metrics_history_expertise_score_check CHECK (expertise_score BETWEEN 0 AND 100),
    ADD CONSTRAINT technician_metrics_history_first_time_fix_rate_check CHECK (
        first_time_fix_rate BETWEEN 0 AND 100),
    ADD CONSTRAINT technician_metrics_history_period_check CHECK (period_end >= period_start);

ALTER TABLE technician_metrics_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE technician_metrics_history FORCE ROW LEVEL SECURITY;
-- Readable by the technician and by their organisation. Read-only for
-- requests: the history is computed by workers (sitesync_service), and a
-- technician must not be able to write their own reputation.
CREATE POLICY technician_metrics_history_select ON technician_metrics_history FOR SELECT
    USING (EXISTS (SELECT 1 FROM technician_profiles p
                   WHERE p.id = technician_metrics_history.technician_profile_id
                     AND (p.user_id = app_current_user()
                          OR app_user_in_current_org(p.user_id))));

GRANT SELECT, INSERT, UPDATE, DELETE ON technician_metrics_history TO sitesync_app;
GRANT ALL ON technician_metrics_history TO sitesync_service;
