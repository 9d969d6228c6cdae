-- 0005 jobs
--
-- Job marketplace (seed section 4): job listings/applications, contract
-- tenders and bids.
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- job_listings
-- =============================================================================

-- JOB TYPE ENUM
CREATE TYPE job_employment_type AS ENUM (
    'full_time', 'part_time', 'contract', 'casual',
    'apprenticeship', 'project', 'emergency_fill'
);

CREATE TYPE job_status AS ENUM (
    'draft', 'active', 'paused', 'filled', 'cancelled', 'expired'
);

-- JOB LISTINGS
CREATE TABLE job_listings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    posted_by UUID NOT NULL REFERENCES users(id),

    -- Basic Info
    title VARCHAR(255) NOT NULL,
    slug VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,

    -- Job Type
    employment_type job_employment_type NOT NULL,
    trade VARCHAR(50) NOT NULL,  -- 'elevators', 'hvac', etc.

    -- Requirements
    required_experience_years INTEGER,
    required_certifications TEXT[],
    required_skills TEXT[],
    required_manufacturer_experience TEXT[],

    -- Preferred (nice to have)
    preferred_certifications TEXT[],
    preferred_skills TEXT[],

    -- Location
    location_type VARCHAR(50),  -- 'on_site', 'hybrid', 'remote', 'travel'
    address_city VARCHAR(100),
    address_state VARCHAR(100),
    address_country VARCHAR(100) DEFAULT 'Australia',

    -- Compensation
    salary_min DECIMAL(10, 2),
    salary_max DECIMAL(10, 2),
    salary_type VARCHAR(20),  -- 'hourly', 'annual', 'project'
    salary_currency VARCHAR(3) DEFAULT 'AUD',
    show_salary BOOLEAN DEFAULT true,
    benefits TEXT[],

    -- Details
    start_date DATE,
    end_date DATE,  -- For contracts
    hours_per_week INTEGER,

    -- Status
    status job_status DEFAULT 'draft',

    -- Visibility
    visibility VARCHAR(50) DEFAULT 'public',
    -- 'public', 'platform', 'internal' (org only)

    -- Stats
    view_count INTEGER DEFAULT 0,
    application_count INTEGER DEFAULT 0,

    -- Expiry
    expires_at TIMESTAMPTZ,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    published_at TIMESTAMPTZ
);

CREATE INDEX idx_job_org ON job_listings(organization_id);
CREATE INDEX idx_job_status ON job_listings(status);
CREATE INDEX idx_job_type ON job_listings(employment_type);
CREATE INDEX idx_job_trade ON job_listings(trade);
CREATE INDEX idx_job_location ON job_listings(address_city, address_state);
CREATE INDEX idx_job_skills ON job_listings USING GIN(required_skills);

ALTER TABLE job_listings
    ADD CONSTRAINT job_listings_location_type_check CHECK (location_type IN (
        'on_site', 'hybrid', 'remote', 'travel')),
    ADD CONSTRAINT job_listings_salary_type_check CHECK (salary_type IN (
        'hourly', 'annual', 'project')),
    ADD CONSTRAINT job_listings_visibility_check CHECK (visibility IN (
        'public', 'platform', 'internal')),
    ADD CONSTRAINT job_listings_salary_min_check CHECK (salary_min >= 0),
    ADD CONSTRAINT job_listings_salary_max_check CHECK (salary_max >= 0);

CREATE TRIGGER job_listings_set_updated_at
    BEFORE UPDATE ON job_listings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE job_listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_listings FORCE ROW LEVEL SECURITY;
-- The posting organisation sees all its listings; other signed-in users see
-- active listings that are not internal.
CREATE POLICY job_listings_select ON job_listings FOR SELECT
    USING (organization_id = app_current_org()
           OR (status = 'active'
               AND visibility IN ('public', 'platform')
               AND app_current_user() IS NOT NULL));
-- Only the posting organisation writes; a listing cannot move to another one.
CREATE POLICY job_listings_insert ON job_listings FOR INSERT
    WITH CHECK (organization_id = app_current_org());
CREATE POLICY job_listings_update ON job_listings FOR UPDATE
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());
CREATE POLICY job_listings_delete ON job_listings FOR DELETE
    USING (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON job_listings TO sitesync_app;
GRANT ALL ON job_listings TO sitesync_service;

-- =============================================================================
-- job_applications
-- =============================================================================

-- APPLICATION STATUS ENUM
CREATE TYPE application_status AS ENUM (
    'submitted', 'viewed', 'shortlisted', 'interviewing',
    'offered', 'hired', 'rejected', 'withdrawn'
);

-- JOB APPLICATIONS
CREATE TABLE job_applications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    job_listing_id UUID NOT NULL REFERENCES job_listings(id),
    applicant_id UUID NOT NULL REFERENCES users(id),

    -- Application Content
    cover_letter TEXT,
    resume_document_id UUID REFERENCES documents(id),

    -- Status
    status application_status DEFAULT 'submitted',

    -- Match Score (AI-calculated)
    match_score DECIMAL(5, 2),
    match_details JSONB,

    -- Internal Notes (employer side)
    employer_notes TEXT,
    employer_rating INTEGER,  -- 1-5

    -- Interview Scheduling
    interview_scheduled_at TIMESTAMPTZ,
    interview_location TEXT,
    interview_notes TEXT,

    -- Offer
    offer_made_at TIMESTAMPTZ,
    offer_details JSONB,
    offer_response VARCHAR(50),  -- 'accepted', 'rejected', 'negotiating'

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(job_listing_id, applicant_id)
);

CREATE INDEX idx_application_job ON job_applications(job_listing_id);
CREATE INDEX idx_application_applicant ON job_applications(applicant_id);
CREATE INDEX idx_application_status ON job_applications(status);

ALTER TABLE job_applications
    ADD CONSTRAINT job_applications_offer_response_check CHECK (offer_response IN (
        'accepted', 'rejected', 'negotiating')),
    ADD CONSTRAINT job_applications_employer_rating_check CHECK (employer_rating BETWEEN 1 AND 5),
    ADD CONSTRAINT job_applications_match_score_check CHECK (match_score BETWEEN 0 AND 100);

-- Counter (schema-note 15): job_listings.application_count = number of
-- applications. Applicants may not update the listing under RLS, hence
-- SECURITY DEFINER as sitesync_service; atomic +/-1 under the row lock.
CREATE FUNCTION job_applications_maintain_count() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE job_listings SET application_count = application_count - 1
         WHERE id = OLD.job_listing_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE job_listings SET application_count = application_count + 1
         WHERE id = NEW.job_listing_id;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION job_applications_maintain_count() OWNER TO sitesync_service;

CREATE TRIGGER job_applications_maintain_count
    AFTER INSERT OR DELETE ON job_applications
    FOR EACH ROW EXECUTE FUNCTION job_applications_maintain_count();

CREATE TRIGGER job_applications_maintain_count_on_update
    AFTER UPDATE OF job_listing_id ON job_applications
    FOR EACH ROW
    WHEN (OLD.job_listing_id IS DISTINCT FROM NEW.job_listing_id)
    EXECUTE FUNCTION job_applications_maintain_count();

CREATE TRIGGER job_applications_set_updated_at
    BEFORE UPDATE ON job_applications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE job_applications ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_applications FORCE ROW LEVEL SECURITY;
-- The applicant, and the organisation that posted the job (the EXISTS runs
-- under job_listings' RLS, so it only matches my organisation's listings).
CREATE POLICY job_applications_select ON job_applications FOR SELECT
    USING (applicant_id = app_current_user()
           OR EXISTS (SELECT 1 FROM job_listings j
                      WHERE j.id = job_listing_id
                        AND j.organization_id = app_current_org()));
-- Apply only as yourself, to a listing you can see.
CREATE POLICY job_applications_insert ON job_applications FOR INSERT
    WITH CHECK (applicant_id = app_current_user()
                AND EXISTS (SELECT 1 FROM job_listings j WHERE j.id = job_listing_id));
-- Applicant (withdraw, respond to offer) or employer (status, notes, offer).
CREATE POLICY job_applications_update ON job_applications FOR UPDATE
    USING (applicant_id = app_current_user()
           OR EXISTS (SELECT 1 FROM job_listings j
                      WHERE j.id = job_listing_id
                        AND j.organization_id = app_current_org()))
    WITH CHECK (applicant_id = app_current_user()
                OR EXISTS (SELECT 1 FROM job_listings j
                           WHERE j.id = job_listing_id
                             AND j.organization_id = app_current_org()));
-- Only the applicant deletes their application.
CREATE POLICY job_applications_delete ON job_applications FOR DELETE
    USING (applicant_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON job_applications TO sitesync_app;
GRANT ALL ON job_applications TO sitesync_service;

-- =============================================================================
-- contract_listings
-- =============================================================================

-- CONTRACT LISTINGS (Building service contracts, tenders)
CREATE TABLE contract_listings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    site_id UUID REFERENCES sites(id),
    posted_by UUID NOT NULL REFERENCES users(id),

    -- Basic Info
    title VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,

    -- Type
    contract_type VARCHAR(50) NOT NULL,
    -- 'maintenance', 'project', 'tender', 'rfp', 'rfq'
    trade VARCHAR(50) NOT NULL,

    -- Scope
    equipment_count INTEGER,
    sites_count INTEGER,

    -- Requirements
    requirements TEXT[],
    required_certifications TEXT[],
    insurance_requirements TEXT,

    -- Timeline
    contract_start_date DATE,
    contract_end_date DATE,
    contract_duration_months INTEGER,
    bid_deadline TIMESTAMPTZ,

    -- Budget
    budget_range_min DECIMAL(12, 2),
    budget_range_max DECIMAL(12, 2),
    budget_type VARCHAR(20),  -- 'fixed', 'hourly', 'annual'

    -- Status
    status VARCHAR(50) DEFAULT 'open',
    -- 'draft', 'open', 'closed', 'awarded', 'cancelled'

    -- Award
    awarded_to_org_id UUID REFERENCES organizations(id),
    awarded_at TIMESTAMPTZ,
    award_amount DECIMAL(12, 2),

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_contract_org ON contract_listings(organization_id);
CREATE INDEX idx_contract_site ON contract_listings(site_id);
CREATE INDEX idx_contract_status ON contract_listings(status);
CREATE INDEX idx_contract_trade ON contract_listings(trade);

ALTER TABLE contract_listings
    ADD CONSTRAINT contract_listings_contract_type_check CHECK (contract_type IN (
        'maintenance', 'project', 'tender', 'rfp', 'rfq')),
    ADD CONSTRAINT contract_listings_budget_type_check CHECK (budget_type IN (
        'fixed', 'hourly', 'annual')),
    ADD CONSTRAINT contract_listings_status_check CHECK (status IN (
        'draft', 'open', 'closed', 'awarded', 'cancelled'));

CREATE TRIGGER contract_listings_set_updated_at
    BEFORE UPDATE ON contract_listings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE contract_listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_listings FORCE ROW LEVEL SECURITY;
-- The posting organisation sees all its tenders; open ones are visible to
-- every signed-in user so they can bid.
CREATE POLICY contract_listings_select ON contract_listings FOR SELECT
    USING (organization_id = app_current_org()
           OR (status = 'open' AND app_current_user() IS NOT NULL));
-- Only the posting organisation writes; cannot move to another organisation.
CREATE POLICY contract_listings_insert ON contract_listings FOR INSERT
    WITH CHECK (organization_id = app_current_org());
CREATE POLICY contract_listings_update ON contract_listings FOR UPDATE
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());
CREATE POLICY contract_listings_delete ON contract_listings FOR DELETE
    USING (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON contract_listings TO sitesync_app;
GRANT ALL ON contract_listings TO sitesync_service;

-- =============================================================================
-- contract_bids
-- =============================================================================

-- CONTRACT BIDS
CREATE TABLE contract_bids (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_listing_id UUID NOT NULL REFERENCES contract_listings(id),
    bidder_org_id UUID NOT NULL REFERENCES organizations(id),
    submitted_by UUID NOT NULL REFERENCES users(id),

    -- Proposal
    proposal_summary TEXT NOT NULL,
    proposal_document_id UUID REFERENCES documents(id),

    -- Pricing
    bid_amount DECIMAL(12, 2) NOT NULL,
    pricing_breakdown JSONB,

    -- Status
    status VARCHAR(50) DEFAULT 'submitted',
    -- 'draft', 'submitted', 'shortlisted', 'winner', 'rejected'

    -- Evaluation
    evaluation_score DECIMAL(5, 2),
    evaluation_notes TEXT,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(contract_listing_id, bidder_org_id)
);

CREATE INDEX idx_bid_contract ON contract_bids(contract_listing_id);
CREATE INDEX idx_bid_bidder ON contract_bids(bidder_org_id);

ALTER TABLE contract_bids
    ADD CONSTRAINT contract_bids_status_check CHECK (status IN (
        'draft', 'submitted', 'shortlisted', 'winner', 'rejected')),
    ADD CONSTRAINT contract_bids_bid_amount_check CHECK (bid_amount >= 0);

CREATE TRIGGER contract_bids_set_updated_at
    BEFORE UPDATE ON contract_bids
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE contract_bids ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_bids FORCE ROW LEVEL SECURITY;
-- A bid is seen by the bidding organisation and by the organisation that
-- posted the tender, never by competing bidders.
CREATE POLICY contract_bids_select ON contract_bids FOR SELECT
    USING (bidder_org_id = app_current_org()
           OR EXISTS (SELECT 1 FROM contract_listings c
                      WHERE c.id = contract_listing_id
                        AND c.organization_id = app_current_org()));
-- Bid for your current organisation, as yourself, on a tender you can see.
CREATE POLICY contract_bids_insert ON contract_bids FOR INSERT
    WITH CHECK (bidder_org_id = app_current_org()
                AND submitted_by = app_current_user()
                AND EXISTS (SELECT 1 FROM contract_listings c WHERE c.id = contract_listing_id));
-- Bidder edits its bid, the tender's organisation evaluates it.
CREATE POLICY contract_bids_update ON contract_bids FOR UPDATE
    USING (bidder_org_id = app_current_org()
           OR EXISTS (SELECT 1 FROM contract_listings c
                      WHERE c.id = contract_listing_id
                        AND c.organization_id = app_current_org()))
    WITH CHECK (bidder_org_id = app_current_org()
                OR EXISTS (SELECT 1 FROM contract_listings c
                           WHERE c.id = contract_listing_id
                             AND c.organization_id = app_current_org()));
-- Only the bidder withdraws (deletes) its bid.
CREATE POLICY contract_bids_delete ON contract_bids FOR DELETE
    USING (bidder_org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON contract_bids TO sitesync_app;
GRANT ALL ON contract_bids TO sitesync_service;
