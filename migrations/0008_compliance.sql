-- 0008 compliance
--
-- Insurance & compliance (seed section 7).
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- insurance_policies
-- =============================================================================

-- INSURANCE POLICIES
CREATE TABLE insurance_policies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),

    -- Policy Details
    policy_type VARCHAR(50) NOT NULL,
    -- 'liability', 'workers_comp', 'professional', 'property', 'vehicle'
    policy_number VARCHAR(100) NOT NULL,
    insurer_name VARCHAR(255) NOT NULL,

    -- Coverage
    coverage_amount DECIMAL(15, 2),
    deductible DECIMAL(10, 2),
    coverage_description TEXT,

    -- Dates
    effective_date DATE NOT NULL,
    expiry_date DATE NOT NULL,

    -- Contact
    insurer_contact_name VARCHAR(255),
    insurer_contact_phone VARCHAR(50),
    insurer_contact_email VARCHAR(255),

    -- Document
    certificate_document_id UUID REFERENCES documents(id),

    -- Status
    status VARCHAR(50) DEFAULT 'active',
    -- 'active', 'expired', 'cancelled', 'pending_renewal'

    -- Reminders
    reminder_sent_30 BOOLEAN DEFAULT false,
    reminder_sent_7 BOOLEAN DEFAULT false,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_insurance_org ON insurance_policies(organization_id);
CREATE INDEX idx_insurance_type ON insurance_policies(policy_type);
CREATE INDEX idx_insurance_expiry ON insurance_policies(expiry_date);
CREATE INDEX idx_insurance_status ON insurance_policies(status);

ALTER TABLE insurance_policies
    ADD CONSTRAINT insurance_policies_policy_type_check CHECK (policy_type IN (
        'liability', 'workers_comp', 'professional', 'property', 'vehicle')),
    ADD CONSTRAINT insurance_policies_status_check CHECK (status IN (
        'active', 'expired', 'cancelled', 'pending_renewal')),
    ADD CONSTRAINT insurance_policies_coverage_amount_check CHECK (coverage_amount >= 0),
    ADD CONSTRAINT insurance_policies_deductible_check CHECK (deductible >= 0);

CREATE TRIGGER insurance_policies_set_updated_at
    BEFORE UPDATE ON insurance_policies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE insurance_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE insurance_policies FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY insurance_org_isolation ON insurance_policies
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON insurance_policies TO sitesync_app;
GRANT ALL ON insurance_policies TO sitesync_service;

-- =============================================================================
-- compliance_requirements
-- =============================================================================

-- COMPLIANCE REQUIREMENTS (by jurisdiction)
CREATE TABLE compliance_requirements (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Scope
    jurisdiction_country VARCHAR(100) NOT NULL,
    jurisdiction_state VARCHAR(100),
    jurisdiction_city VARCHAR(100),

    -- What it applies to
    equipment_type VARCHAR(50) NOT NULL,  -- 'elevator', 'escalator', 'hvac'
    requirement_type VARCHAR(50) NOT NULL,
    -- 'inspection', 'certification', 'test', 'report'

    -- Details
    name VARCHAR(255) NOT NULL,
    description TEXT,

    -- Frequency
    frequency_type VARCHAR(50),  -- 'annual', 'semi_annual', 'monthly', 'one_time'
    frequency_months INTEGER,

    -- Regulatory Reference
    regulation_code VARCHAR(100),
    regulation_name VARCHAR(255),
    regulation_url VARCHAR(500),

    -- Active
    is_active BOOLEAN DEFAULT true,
    effective_date DATE,
    sunset_date DATE,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_compliance_jurisdiction ON compliance_requirements(jurisdiction_country, jurisdiction_state);
CREATE INDEX idx_compliance_equipment ON compliance_requirements(equipment_type);
CREATE INDEX idx_compliance_type ON compliance_requirements(requirement_type);

ALTER TABLE compliance_requirements
    ADD CONSTRAINT compliance_requirements_equipment_type_check CHECK (equipment_type IN (
        'elevator', 'escalator', 'hvac')),
    ADD CONSTRAINT compliance_requirements_requirement_type_check CHECK (requirement_type IN (
        'inspection', 'certification', 'test', 'report')),
    ADD CONSTRAINT compliance_requirements_frequency_type_check CHECK (frequency_type IN (
        'annual', 'semi_annual', 'monthly', 'one_time')),
    ADD CONSTRAINT compliance_requirements_frequency_months_check CHECK (frequency_months > 0);

CREATE TRIGGER compliance_requirements_set_updated_at
    BEFORE UPDATE ON compliance_requirements
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE compliance_requirements ENABLE ROW LEVEL SECURITY;
ALTER TABLE compliance_requirements FORCE ROW LEVEL SECURITY;
-- Reference data (regulations by jurisdiction): readable by everyone, written
-- only by the service role. There are deliberately no write policies, and
-- sitesync_app only has SELECT.
CREATE POLICY compliance_requirements_select ON compliance_requirements FOR SELECT
    USING (true);

REVOKE ALL ON compliance_requirements FROM sitesync_app;
GRANT SELECT ON compliance_requirements TO sitesync_app;
GRANT ALL ON compliance_requirements TO sitesync_service;

-- =============================================================================
-- compliance_tracking
-- =============================================================================

-- COMPLIANCE TRACKING (per equipment)
CREATE TABLE compliance_tracking (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    elevator_id UUID NOT NULL REFERENCES elevators(id),
    requirement_id UUID NOT NULL REFERENCES compliance_requirements(id),

    -- Status
    status VARCHAR(50) DEFAULT 'pending',
    -- 'compliant', 'pending', 'overdue', 'failed', 'exempt'

    -- Last Completion
    last_completed_at TIMESTAMPTZ,
    last_completed_by UUID REFERENCES users(id),
    last_work_order_id UUID REFERENCES work_orders(id),
    last_result VARCHAR(50),  -- 'passed', 'failed', 'conditional'

    -- Next Due
    next_due_date DATE NOT NULL,

    -- Certificate
    certificate_number VARCHAR(100),
    certificate_document_id UUID REFERENCES documents(id),
    certificate_expiry DATE,

    -- Notes
    notes TEXT,
    exemption_reason TEXT,

    -- Reminders
    reminder_sent_30 BOOLEAN DEFAULT false,
    reminder_sent_7 BOOLEAN DEFAULT false,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_compliance_track_org ON compliance_tracking(organization_id);
CREATE INDEX idx_compliance_track_elevator ON compliance_tracking(elevator_id);
CREATE INDEX idx_compliance_track_status ON compliance_tracking(status);
CREATE INDEX idx_compliance_track_due ON compliance_tracking(next_due_date);

ALTER TABLE compliance_tracking
    ADD CONSTRAINT compliance_tracking_status_check CHECK (status IN (
        'compliant', 'pending', 'overdue', 'failed', 'exempt')),
    ADD CONSTRAINT compliance_tracking_last_result_check CHECK (last_result IN (
        'passed', 'failed', 'conditional'));

CREATE TRIGGER compliance_tracking_set_updated_at
    BEFORE UPDATE ON compliance_tracking
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE compliance_tracking ENABLE ROW LEVEL SECURITY;
ALTER TABLE compliance_tracking FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY compliance_track_org_isolation ON compliance_tracking
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON compliance_tracking TO sitesync_app;
GRANT ALL ON compliance_tracking TO sitesync_service;
