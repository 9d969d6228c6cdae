-- 0002 core
--
-- Core entities (seed section 1): organisations, users, profiles, sites,
-- elevators, contractors, work orders (+ work order numbering).
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- organizations
-- =============================================================================

-- ORGANIZATIONS (Multi-tenant Root)
CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Identity
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) UNIQUE NOT NULL,
    logo_url VARCHAR(500),

    -- Type
    organization_type VARCHAR(50) NOT NULL DEFAULT 'service_company',
    -- 'service_company', 'building_owner', 'manufacturer', 'supplier',
    -- 'insurance', 'trade_school', 'regulatory_body', 'individual'

    -- Contact
    contact_email VARCHAR(255),
    contact_phone VARCHAR(50),
    website_url VARCHAR(500),

    -- Address
    address_line1 VARCHAR(255),
    address_line2 VARCHAR(255),
    city VARCHAR(100),
    state VARCHAR(100),
    postal_code VARCHAR(20),
    country VARCHAR(100) DEFAULT 'Australia',

    -- Business Details
    abn VARCHAR(20),  -- Australian Business Number
    acn VARCHAR(20),  -- Australian Company Number

    -- Subscription
    subscription_tier VARCHAR(50) DEFAULT 'free',
    -- 'free', 'pro', 'expert', 'enterprise'
    subscription_started_at TIMESTAMPTZ,
    subscription_ends_at TIMESTAMPTZ,
    trial_ends_at TIMESTAMPTZ,

    -- Settings
    settings JSONB DEFAULT '{}',
    -- {
    --   "timezone": "Australia/Sydney",
    --   "date_format": "DD/MM/YYYY",
    --   "currency": "AUD",
    --   "language": "en-AU",
    --   "ai_enabled": true,
    --   "features": ["marketplace", "forums", "training"]
    -- }

    -- Verification
    is_verified BOOLEAN DEFAULT false,
    verified_at TIMESTAMPTZ,
    verified_by UUID,

    -- Metadata
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_org_slug ON organizations(slug);
CREATE INDEX idx_org_type ON organizations(organization_type);
CREATE INDEX idx_org_country ON organizations(country);

ALTER TABLE organizations
    ADD CONSTRAINT organizations_organization_type_check CHECK (organization_type IN (
        'service_company', 'building_owner', 'manufacturer', 'supplier',
        'insurance', 'trade_school', 'regulatory_body', 'individual')),
    ADD CONSTRAINT organizations_subscription_tier_check CHECK (subscription_tier IN (
        'free', 'pro', 'expert', 'enterprise'));

CREATE TRIGGER organizations_set_updated_at
    BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
-- The tenant root: a request sees and writes only its own organisation.
-- Registration inserts the new organisation with app.current_org already set to
-- the new (client-generated) id; listing or creating other organisations is
-- cross-tenant work for sitesync_service.
CREATE POLICY organizations_own ON organizations
    USING (id = app_current_org())
    WITH CHECK (id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON organizations TO sitesync_app;
GRANT ALL ON organizations TO sitesync_service;

-- =============================================================================
-- users
-- =============================================================================

-- USERS
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id) ON DELETE SET NULL,

    -- Authentication
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(255),
    email_verified BOOLEAN DEFAULT false,
    email_verified_at TIMESTAMPTZ,

    -- Profile
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    display_name VARCHAR(255),
    phone VARCHAR(50),
    avatar_url VARCHAR(500),
    bio TEXT,

    -- User Type
    user_type VARCHAR(50) NOT NULL DEFAULT 'standard',
    -- 'standard', 'technician', 'manager', 'admin', 'system'

    -- Role & Permissions (within organization)
    role VARCHAR(50) DEFAULT 'user',
    -- 'owner', 'admin', 'manager', 'user', 'technician', 'readonly', 'guest'
    permissions TEXT[] DEFAULT '{}',

    -- Location
    city VARCHAR(100),
    state VARCHAR(100),
    country VARCHAR(100) DEFAULT 'Australia',
    timezone VARCHAR(50) DEFAULT 'Australia/Sydney',

    -- Status
    is_active BOOLEAN DEFAULT true,
    last_login_at TIMESTAMPTZ,
    last_activity_at TIMESTAMPTZ,

    -- Notification Preferences
    notification_preferences JSONB DEFAULT '{
        "email": {"marketing": true, "updates": true, "jobs": true},
        "push": {"jobs": true, "messages": true, "alerts": true},
        "sms": {"emergency": true}
    }',

    -- Privacy
    privacy_settings JSONB DEFAULT '{
        "profile_visibility": "public",
        "show_email": false,
        "show_phone": false,
        "open_to_opportunities": false
    }',

    -- Metadata
    preferences JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_user_email ON users(email);
CREATE INDEX idx_user_org ON users(organization_id);
CREATE INDEX idx_user_type ON users(user_type);
CREATE INDEX idx_user_active ON users(is_active) WHERE is_active = true;

ALTER TABLE users
    ADD CONSTRAINT users_user_type_check CHECK (user_type IN (
        'standard', 'technician', 'manager', 'admin', 'system')),
    ADD CONSTRAINT users_role_check CHECK (role IN (
        'owner', 'admin', 'manager', 'user', 'technician', 'readonly', 'guest'));

-- schema-note 12: emails compare case-insensitively. The seed's UNIQUE(email)
-- and idx_user_email stay; this index is what actually stops Bob@x / bob@x.
CREATE UNIQUE INDEX idx_users_email_lower_unique ON users (lower(email));

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
-- These policies must never call app_current_role()/app_is_org_admin(): those
-- read users and would recurse.
-- Own row, plus colleagues in the current organisation.
CREATE POLICY users_select ON users FOR SELECT
    USING (id = app_current_user() OR organization_id = app_current_org());
-- New members join the current organisation; a platform user without an
-- organisation may only create their own row (and with no organisation).
CREATE POLICY users_insert ON users FOR INSERT
    WITH CHECK (organization_id = app_current_org()
                OR (id = app_current_user() AND organization_id IS NULL));
-- Edit yourself or colleagues; the row may not be moved to another
-- organisation (only to none, and only by the user themselves).
CREATE POLICY users_update ON users FOR UPDATE
    USING (id = app_current_user() OR organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org()
                OR (id = app_current_user() AND organization_id IS NULL));
-- Only the organisation removes its members (soft delete is preferred).
CREATE POLICY users_delete ON users FOR DELETE
    USING (organization_id = app_current_org());

-- ---------------------------------------------------------------------------
-- Context helpers that need users (see 0001 for app_current_org/user).
-- SECURITY INVOKER: they read users under the caller's RLS, where the caller's
-- own row and their organisation's rows are visible.
-- ---------------------------------------------------------------------------
CREATE FUNCTION app_current_role() RETURNS text
    LANGUAGE sql STABLE
AS $$
    SELECT u.role::text
    FROM public.users u
    WHERE u.id = public.app_current_user()
      AND u.organization_id = public.app_current_org()
      AND u.is_active
      AND u.deleted_at IS NULL
$$;

COMMENT ON FUNCTION app_current_role() IS
    'Role of the current user within the current organisation; NULL when not an active member';

CREATE FUNCTION app_is_org_admin() RETURNS boolean
    LANGUAGE sql STABLE
AS $$ SELECT coalesce(public.app_current_role() IN ('owner', 'admin'), false) $$;

COMMENT ON FUNCTION app_is_org_admin() IS
    'True when the current user is an active owner/admin of the current organisation';

CREATE FUNCTION app_user_in_current_org(p_user_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.users u
        WHERE u.id = p_user_id
          AND u.organization_id = public.app_current_org()
    )
$$;

COMMENT ON FUNCTION app_user_in_current_org(uuid) IS
    'True when the given user belongs to the current organisation';

GRANT EXECUTE ON FUNCTION app_current_role(), app_is_org_admin(), app_user_in_current_org(uuid)
    TO sitesync_app, sitesync_service;

GRANT SELECT, INSERT, UPDATE, DELETE ON users TO sitesync_app;
GRANT ALL ON users TO sitesync_service;

-- =============================================================================
-- technician_profiles
-- =============================================================================

-- TECHNICIAN PROFILES (Platform-wide, portable reputation)
CREATE TABLE technician_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID UNIQUE NOT NULL REFERENCES users(id) ON DELETE CASCADE,

    -- Display
    headline VARCHAR(255),  -- "Master Elevator Technician | KONE Specialist"
    summary TEXT,

    -- Experience
    years_experience INTEGER,
    career_start_date DATE,
    primary_trade VARCHAR(100),  -- 'elevators', 'hvac', 'electrical', etc.

    -- Specializations
    specializations TEXT[],  -- ['KONE', 'Otis', 'door_systems', 'modernization']
    manufacturer_expertise TEXT[],
    equipment_types TEXT[],

    -- Metrics (computed from verified work)
    expertise_score INTEGER DEFAULT 0,  -- 0-100
    expertise_percentile INTEGER,  -- Top X%
    total_jobs_completed INTEGER DEFAULT 0,
    first_time_fix_rate DECIMAL(5,2),
    average_resolution_time_minutes INTEGER,
    buildings_served INTEGER DEFAULT 0,

    -- Contributions
    contributions_count INTEGER DEFAULT 0,
    technicians_helped INTEGER DEFAULT 0,
    estimated_hours_saved DECIMAL(10,2) DEFAULT 0,

    -- Badges (JSON array of badge objects)
    badges JSONB DEFAULT '[]',
    -- [{"id": "first_100", "name": "First 100", "awarded_at": "..."}]

    -- Career Level
    career_level VARCHAR(50) DEFAULT 'apprentice',
    -- 'apprentice', 'rising_star', 'trusted_expert', 'master', 'legend'

    -- Availability
    availability_status VARCHAR(50) DEFAULT 'employed',
    -- 'employed', 'open_to_opportunities', 'actively_looking', 'not_available'
    preferred_job_types TEXT[],  -- ['full_time', 'contract', 'project']
    preferred_locations TEXT[],
    willing_to_relocate BOOLEAN DEFAULT false,

    -- Privacy
    profile_visibility VARCHAR(50) DEFAULT 'public',
    -- 'public', 'employers_only', 'connections_only', 'private'
    show_current_employer BOOLEAN DEFAULT true,
    anonymous_contributions BOOLEAN DEFAULT false,

    -- Verification
    is_verified BOOLEAN DEFAULT false,
    verification_level VARCHAR(50) DEFAULT 'basic',
    -- 'basic', 'identity', 'background_check', 'full'

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_tech_profile_user ON technician_profiles(user_id);
CREATE INDEX idx_tech_profile_score ON technician_profiles(expertise_score DESC);
CREATE INDEX idx_tech_profile_trade ON technician_profiles(primary_trade);
CREATE INDEX idx_tech_profile_availability ON technician_profiles(availability_status);
CREATE INDEX idx_tech_profile_specs ON technician_profiles USING GIN(specializations);

ALTER TABLE technician_profiles
    ADD CONSTRAINT technician_profiles_career_level_check CHECK (career_level IN (
        'apprentice', 'rising_star', 'trusted_expert', 'master', 'legend')),
    ADD CONSTRAINT technician_profiles_availability_status_check CHECK (availability_status IN (
        'employed', 'open_to_opportunities', 'actively_looking', 'not_available')),
    ADD CONSTRAINT technician_profiles_profile_visibility_check CHECK (profile_visibility IN (
        'public', 'employers_only', 'connections_only', 'private')),
    ADD CONSTRAINT technician_profiles_verification_level_check CHECK (verification_level IN (
        'basic', 'identity', 'background_check', 'full')),
    ADD CONSTRAINT technician_profiles_expertise_score_check CHECK (expertise_score BETWEEN 0 AND 100),
    ADD CONSTRAINT technician_profiles_expertise_percentile_check CHECK (expertise_percentile BETWEEN 0 AND 100),
    ADD CONSTRAINT technician_profiles_first_time_fix_rate_check CHECK (first_time_fix_rate BETWEEN 0 AND 100);

CREATE TRIGGER technician_profiles_set_updated_at
    BEFORE UPDATE ON technician_profiles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE technician_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE technician_profiles FORCE ROW LEVEL SECURITY;
-- Portable reputation: visible per the profile's own privacy setting.
-- 'employers_only' means any request made on behalf of an organisation;
-- 'connections_only' has no connections table yet, so it behaves like private
-- outside the own organisation.
CREATE POLICY technician_profiles_select ON technician_profiles FOR SELECT
    USING (user_id = app_current_user()
           OR profile_visibility = 'public'
           OR (profile_visibility = 'employers_only' AND app_current_org() IS NOT NULL)
           OR app_user_in_current_org(user_id));
-- Only the technician writes their own profile (computed metrics are written
-- by workers as sitesync_service).
CREATE POLICY technician_profiles_insert ON technician_profiles FOR INSERT
    WITH CHECK (user_id = app_current_user());
CREATE POLICY technician_profiles_update ON technician_profiles FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY technician_profiles_delete ON technician_profiles FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON technician_profiles TO sitesync_app;
GRANT ALL ON technician_profiles TO sitesync_service;

-- =============================================================================
-- manager_profiles
-- =============================================================================

-- BUILDING MANAGER PROFILES
CREATE TABLE manager_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID UNIQUE NOT NULL REFERENCES users(id) ON DELETE CASCADE,

    -- Role
    manager_type VARCHAR(50) NOT NULL,
    -- 'facility_manager', 'building_manager', 'strata_manager',
    -- 'asset_manager', 'property_manager', 'operations_manager'

    -- Experience
    years_experience INTEGER,
    portfolio_size INTEGER,  -- Number of buildings/properties
    total_sqm_managed DECIMAL(12,2),

    -- Specializations
    property_types TEXT[],  -- ['commercial', 'residential', 'industrial']
    certifications TEXT[],

    -- Metrics
    buildings_managed INTEGER DEFAULT 0,
    average_building_health_score DECIMAL(5,2),

    -- Career
    availability_status VARCHAR(50) DEFAULT 'employed',
    preferred_property_types TEXT[],
    preferred_locations TEXT[],

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_manager_profile_user ON manager_profiles(user_id);
CREATE INDEX idx_manager_profile_type ON manager_profiles(manager_type);

ALTER TABLE manager_profiles
    ADD CONSTRAINT manager_profiles_manager_type_check CHECK (manager_type IN (
        'facility_manager', 'building_manager', 'strata_manager',
        'asset_manager', 'property_manager', 'operations_manager')),
    -- No list next to this column in the seed; it is the same career field as
    -- technician_profiles.availability_status, so it takes the same values.
    ADD CONSTRAINT manager_profiles_availability_status_check CHECK (availability_status IN (
        'employed', 'open_to_opportunities', 'actively_looking', 'not_available'));

CREATE TRIGGER manager_profiles_set_updated_at
    BEFORE UPDATE ON manager_profiles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE manager_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE manager_profiles FORCE ROW LEVEL SECURITY;
-- Own profile, or a member of my organisation.
CREATE POLICY manager_profiles_select ON manager_profiles FOR SELECT
    USING (user_id = app_current_user() OR app_user_in_current_org(user_id));
-- Only the manager writes their own profile.
CREATE POLICY manager_profiles_insert ON manager_profiles FOR INSERT
    WITH CHECK (user_id = app_current_user());
CREATE POLICY manager_profiles_update ON manager_profiles FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY manager_profiles_delete ON manager_profiles FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON manager_profiles TO sitesync_app;
GRANT ALL ON manager_profiles TO sitesync_service;

-- =============================================================================
-- employment_history
-- =============================================================================

-- EMPLOYMENT HISTORY (for profiles)
CREATE TABLE employment_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,

    -- Employer
    organization_id UUID REFERENCES organizations(id),
    company_name VARCHAR(255) NOT NULL,  -- Fallback if not on platform

    -- Position
    title VARCHAR(255) NOT NULL,
    description TEXT,

    -- Duration
    start_date DATE NOT NULL,
    end_date DATE,  -- NULL = current
    is_current BOOLEAN DEFAULT false,

    -- Details
    location VARCHAR(255),
    employment_type VARCHAR(50),  -- 'full_time', 'part_time', 'contract'

    -- Verification
    is_verified BOOLEAN DEFAULT false,
    verified_by_org BOOLEAN DEFAULT false,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_employment_user ON employment_history(user_id);
CREATE INDEX idx_employment_org ON employment_history(organization_id);
CREATE INDEX idx_employment_current ON employment_history(is_current) WHERE is_current = true;

ALTER TABLE employment_history
    ADD CONSTRAINT employment_history_employment_type_check CHECK (employment_type IN (
        'full_time', 'part_time', 'contract'));

CREATE TRIGGER employment_history_set_updated_at
    BEFORE UPDATE ON employment_history
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE employment_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE employment_history FORCE ROW LEVEL SECURITY;
-- Own history, a colleague's, or entries that name my organisation as employer.
CREATE POLICY employment_history_select ON employment_history FOR SELECT
    USING (user_id = app_current_user()
           OR app_user_in_current_org(user_id)
           OR organization_id = app_current_org());
-- A user writes only their own history.
CREATE POLICY employment_history_insert ON employment_history FOR INSERT
    WITH CHECK (user_id = app_current_user());
CREATE POLICY employment_history_update ON employment_history FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY employment_history_delete ON employment_history FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON employment_history TO sitesync_app;
GRANT ALL ON employment_history TO sitesync_service;

-- =============================================================================
-- sites
-- =============================================================================

-- SITES (Buildings/Locations)
CREATE TABLE sites (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,

    -- Identity
    name VARCHAR(255) NOT NULL,
    code VARCHAR(50),  -- Short code like "COL-123"

    -- Type
    site_type VARCHAR(50) DEFAULT 'commercial',
    -- 'commercial', 'residential', 'mixed', 'industrial', 'healthcare',
    -- 'education', 'retail', 'hospitality', 'government'

    -- Address
    address_line1 VARCHAR(255),
    address_line2 VARCHAR(255),
    city VARCHAR(100),
    state VARCHAR(100),
    postal_code VARCHAR(20),
    country VARCHAR(100) DEFAULT 'Australia',

    -- Geolocation
    latitude DECIMAL(10, 8),
    longitude DECIMAL(11, 8),

    -- Building Details
    floors_count INTEGER,
    year_built INTEGER,
    total_area_sqm DECIMAL(12, 2),
    occupancy_count INTEGER,

    -- Contacts
    primary_contact_name VARCHAR(255),
    primary_contact_phone VARCHAR(50),
    primary_contact_email VARCHAR(255),
    emergency_contact_name VARCHAR(255),
    emergency_contact_phone VARCHAR(50),

    -- Access
    access_instructions TEXT,
    access_codes JSONB DEFAULT '{}',  -- Encrypted in application
    after_hours_access TEXT,
    key_holder_info JSONB DEFAULT '[]',

    -- Health Score (computed)
    health_score INTEGER,  -- 0-100
    health_score_updated_at TIMESTAMPTZ,
    health_score_components JSONB DEFAULT '{}',

    -- Timezone
    timezone VARCHAR(50) DEFAULT 'Australia/Sydney',

    -- Settings
    settings JSONB DEFAULT '{}',

    -- Metadata
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_sites_org ON sites(organization_id);
CREATE INDEX idx_sites_code ON sites(organization_id, code);
CREATE INDEX idx_sites_type ON sites(site_type);
CREATE INDEX idx_sites_city ON sites(city, state);
CREATE INDEX idx_sites_health ON sites(health_score);
CREATE INDEX idx_sites_location ON sites USING GIST (
    point(longitude, latitude)
) WHERE latitude IS NOT NULL;

ALTER TABLE sites
    ADD CONSTRAINT sites_site_type_check CHECK (site_type IN (
        'commercial', 'residential', 'mixed', 'industrial', 'healthcare',
        'education', 'retail', 'hospitality', 'government')),
    ADD CONSTRAINT sites_health_score_check CHECK (health_score BETWEEN 0 AND 100);

CREATE TRIGGER sites_set_updated_at
    BEFORE UPDATE ON sites
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
-- Organisation-scoped. USING doubles as WITH CHECK, so a row can be neither
-- written into nor moved to another organisation.
CREATE POLICY sites_org_isolation ON sites
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON sites TO sitesync_app;
GRANT ALL ON sites TO sitesync_service;

-- =============================================================================
-- elevators
-- =============================================================================

-- ELEVATOR STATUS ENUM
CREATE TYPE elevator_status AS ENUM (
    'operational',
    'degraded',
    'out_of_service',
    'maintenance',
    'decommissioned'
);

-- ELEVATORS (Assets)
CREATE TABLE elevators (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    site_id UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,

    -- Identification
    unit_number VARCHAR(50) NOT NULL,
    serial_number VARCHAR(100),
    registration_number VARCHAR(100),
    asset_tag VARCHAR(100),

    -- Equipment Details
    manufacturer VARCHAR(100),
    model VARCHAR(100),
    controller_type VARCHAR(100),
    drive_type VARCHAR(100),
    machine_type VARCHAR(100),

    -- Specifications
    capacity_kg INTEGER,
    capacity_persons INTEGER,
    speed_mps DECIMAL(4, 2),
    floors_served INTEGER,
    stops INTEGER,
    travel_height_m DECIMAL(6, 2),
    door_type VARCHAR(50),
    door_width_mm INTEGER,
    car_dimensions JSONB,

    -- Dates
    installation_date DATE,
    modernization_date DATE,
    last_major_service DATE,

    -- Status
    status elevator_status DEFAULT 'operational',
    status_changed_at TIMESTAMPTZ DEFAULT NOW(),
    status_reason TEXT,

    -- Compliance
    last_inspection_date DATE,
    last_inspection_result VARCHAR(50),
    next_inspection_due DATE,
    inspection_certificate_number VARCHAR(100),

    -- Health (computed)
    health_score INTEGER,
    health_score_updated_at TIMESTAMPTZ,

    -- AI/Knowledge Links
    v2_document_ids INTEGER[],
    known_quirks TEXT[],

    -- Specifications (flexible)
    specifications JSONB DEFAULT '{}',

    -- Metadata
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ,

    UNIQUE(organization_id, site_id, unit_number)
);

CREATE INDEX idx_elevators_org ON elevators(organization_id);
CREATE INDEX idx_elevators_site ON elevators(site_id);
CREATE INDEX idx_elevators_manufacturer ON elevators(manufacturer);
CREATE INDEX idx_elevators_status ON elevators(status);
CREATE INDEX idx_elevators_inspection ON elevators(next_inspection_due);

ALTER TABLE elevators
    ADD CONSTRAINT elevators_health_score_check CHECK (health_score BETWEEN 0 AND 100);

CREATE TRIGGER elevators_set_updated_at
    BEFORE UPDATE ON elevators
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE elevators ENABLE ROW LEVEL SECURITY;
ALTER TABLE elevators FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY elevators_org_isolation ON elevators
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON elevators TO sitesync_app;
GRANT ALL ON elevators TO sitesync_service;

-- =============================================================================
-- contractors
-- =============================================================================

-- CONTRACTORS
CREATE TABLE contractors (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,

    -- Link to user if on platform
    user_id UUID REFERENCES users(id),

    -- Type
    contractor_type VARCHAR(50) NOT NULL,
    -- 'employee', 'subcontractor', 'vendor', 'company'

    -- Company Info (if company)
    company_name VARCHAR(255),
    company_abn VARCHAR(20),
    company_license VARCHAR(100),

    -- Individual Info
    contact_name VARCHAR(255) NOT NULL,
    email VARCHAR(255),
    phone VARCHAR(50),

    -- Address
    address_line1 VARCHAR(255),
    city VARCHAR(100),
    state VARCHAR(100),
    postal_code VARCHAR(20),

    -- Professional
    license_number VARCHAR(100),
    license_expiry DATE,
    insurance_policy VARCHAR(100),
    insurance_expiry DATE,

    -- Specializations
    specializations TEXT[],
    trade_types TEXT[],
    manufacturer_certifications TEXT[],

    -- Rates
    hourly_rate DECIMAL(10, 2),
    callout_fee DECIMAL(10, 2),
    emergency_rate_multiplier DECIMAL(3, 2) DEFAULT 1.5,

    -- Status
    is_active BOOLEAN DEFAULT true,
    is_preferred BOOLEAN DEFAULT false,

    -- Performance (computed)
    rating DECIMAL(3, 2),
    total_jobs_completed INTEGER DEFAULT 0,
    first_time_fix_rate DECIMAL(5, 2),
    average_response_time_minutes INTEGER,

    -- Metadata
    metadata JSONB DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_contractors_org ON contractors(organization_id);
CREATE INDEX idx_contractors_user ON contractors(user_id);
CREATE INDEX idx_contractors_active ON contractors(is_active) WHERE is_active = true;
CREATE INDEX idx_contractors_specs ON contractors USING GIN(specializations);

ALTER TABLE contractors
    ADD CONSTRAINT contractors_contractor_type_check CHECK (contractor_type IN (
        'employee', 'subcontractor', 'vendor', 'company')),
    -- computed average of 1..5 ratings
    ADD CONSTRAINT contractors_rating_check CHECK (rating BETWEEN 0 AND 5),
    ADD CONSTRAINT contractors_hourly_rate_check CHECK (hourly_rate >= 0),
    ADD CONSTRAINT contractors_callout_fee_check CHECK (callout_fee >= 0);

CREATE TRIGGER contractors_set_updated_at
    BEFORE UPDATE ON contractors
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE contractors ENABLE ROW LEVEL SECURITY;
ALTER TABLE contractors FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY contractors_org_isolation ON contractors
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON contractors TO sitesync_app;
GRANT ALL ON contractors TO sitesync_service;

-- =============================================================================
-- work_orders
-- =============================================================================

-- WORK ORDER ENUMS
CREATE TYPE work_order_status AS ENUM (
    'draft', 'pending', 'scheduled', 'in_progress',
    'on_hold', 'completed', 'cancelled', 'invoiced'
);

CREATE TYPE work_order_priority AS ENUM (
    'emergency', 'high', 'medium', 'low', 'scheduled'
);

CREATE TYPE work_order_type AS ENUM (
    'breakdown', 'preventive', 'inspection', 'installation',
    'modernization', 'callback', 'audit'
);

-- WORK ORDERS
CREATE TABLE work_orders (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    elevator_id UUID NOT NULL REFERENCES elevators(id),
    site_id UUID NOT NULL REFERENCES sites(id),

    -- Identification
    work_order_number VARCHAR(50) NOT NULL,

    -- Classification
    type work_order_type NOT NULL,
    priority work_order_priority DEFAULT 'medium',
    status work_order_status DEFAULT 'draft',

    -- Description
    title VARCHAR(255) NOT NULL,
    description TEXT,

    -- Fault Information
    fault_code VARCHAR(50),
    reported_symptoms TEXT[],
    affected_floors INTEGER[],

    -- Timing
    reported_at TIMESTAMPTZ DEFAULT NOW(),
    scheduled_start TIMESTAMPTZ,
    scheduled_end TIMESTAMPTZ,
    actual_start TIMESTAMPTZ,
    actual_end TIMESTAMPTZ,
    due_date TIMESTAMPTZ,

    -- Assignment
    assigned_contractor_id UUID REFERENCES contractors(id),
    assigned_at TIMESTAMPTZ,
    assigned_by UUID REFERENCES users(id),

    -- Reporter
    reported_by_name VARCHAR(255),
    reported_by_phone VARCHAR(50),
    reported_by_email VARCHAR(255),
    reporter_user_id UUID REFERENCES users(id),

    -- AI Diagnosis
    ai_diagnosis_id UUID,
    ai_suggested_causes TEXT[],
    ai_suggested_parts TEXT[],
    ai_confidence DECIMAL(3, 2),
    ai_diagnosis_at TIMESTAMPTZ,

    -- Resolution
    resolution_notes TEXT,
    root_cause TEXT,
    resolution_type VARCHAR(50),

    -- Costs
    parts_cost DECIMAL(10, 2) DEFAULT 0,
    labor_cost DECIMAL(10, 2) DEFAULT 0,
    total_cost DECIMAL(10, 2) DEFAULT 0,

    -- Follow-up
    requires_followup BOOLEAN DEFAULT false,
    followup_notes TEXT,
    parent_work_order_id UUID REFERENCES work_orders(id),

    -- Custom Fields
    custom_fields JSONB DEFAULT '{}',

    -- Metadata
    created_by UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    completed_at TIMESTAMPTZ,

    UNIQUE(organization_id, work_order_number)
);

CREATE INDEX idx_work_orders_org ON work_orders(organization_id);
CREATE INDEX idx_work_orders_elevator ON work_orders(elevator_id);
CREATE INDEX idx_work_orders_site ON work_orders(site_id);
CREATE INDEX idx_work_orders_status ON work_orders(status);
CREATE INDEX idx_work_orders_priority ON work_orders(priority);
CREATE INDEX idx_work_orders_contractor ON work_orders(assigned_contractor_id);
CREATE INDEX idx_work_orders_dates ON work_orders(scheduled_start, due_date);

ALTER TABLE work_orders
    ADD CONSTRAINT work_orders_parts_cost_check CHECK (parts_cost >= 0),
    ADD CONSTRAINT work_orders_labor_cost_check CHECK (labor_cost >= 0),
    ADD CONSTRAINT work_orders_total_cost_check CHECK (total_cost >= 0),
    ADD CONSTRAINT work_orders_ai_confidence_check CHECK (ai_confidence BETWEEN 0 AND 1);

-- ---------------------------------------------------------------------------
-- Work order numbering (schema-note 13): WO-000001, WO-000002, ... per
-- organisation, without races. The upsert takes a row lock on the
-- organisation's counter, so concurrent inserts serialise on it and each gets
-- the next number; a rolled-back insert rolls its number back too.
-- ---------------------------------------------------------------------------
CREATE TABLE work_order_counters (
    organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL
);

COMMENT ON TABLE work_order_counters IS
    'Last work order number issued per organisation; written only by the work_orders numbering trigger';

ALTER TABLE work_order_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE work_order_counters FORCE ROW LEVEL SECURITY;
-- Organisation-scoped. sitesync_app has no privileges on this table at all;
-- the trigger below runs as sitesync_service.
CREATE POLICY work_order_counters_org_isolation ON work_order_counters
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());
REVOKE ALL ON work_order_counters FROM sitesync_app;
GRANT ALL ON work_order_counters TO sitesync_service;

CREATE FUNCTION work_orders_assign_number() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF NEW.work_order_number IS NULL THEN
        INSERT INTO work_order_counters AS c (organization_id, last_number)
        VALUES (NEW.organization_id, 1)
        ON CONFLICT (organization_id)
            DO UPDATE SET last_number = c.last_number + 1
        RETURNING c.last_number INTO n;
        NEW.work_order_number := 'WO-' || lpad(n::text, 6, '0');
    ELSIF NEW.work_order_number ~ '^WO-[0-9]{1,15}$' THEN
        -- An explicit number in our own format (imports): move the counter
        -- past it so a later generated number cannot collide with it.
        n := substr(NEW.work_order_number, 4)::bigint;
        INSERT INTO work_order_counters AS c (organization_id, last_number)
        VALUES (NEW.organization_id, n)
        ON CONFLICT (organization_id)
            DO UPDATE SET last_number = greatest(c.last_number, EXCLUDED.last_number);
    END IF;
    RETURN NEW;
END
$$;

ALTER FUNCTION work_orders_assign_number() OWNER TO sitesync_service;

-- NOT NULL on work_order_number stays: BEFORE triggers run before the
-- constraint is checked, so an insert that omits the number still passes.
CREATE TRIGGER work_orders_assign_number
    BEFORE INSERT ON work_orders
    FOR EACH ROW EXECUTE FUNCTION work_orders_assign_number();

-- total_cost is always parts_cost + labor_cost (kept as a plain column so the
-- seed's definition and default stay).
CREATE FUNCTION work_orders_set_total_cost() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.total_cost := coalesce(NEW.parts_cost, 0) + coalesce(NEW.labor_cost, 0);
    RETURN NEW;
END
$$;

CREATE TRIGGER work_orders_set_total_cost
    BEFORE INSERT OR UPDATE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION work_orders_set_total_cost();

CREATE TRIGGER work_orders_set_updated_at
    BEFORE UPDATE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE work_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE work_orders FORCE ROW LEVEL SECURITY;
-- Organisation-scoped (write into / move to another organisation rejected).
CREATE POLICY work_orders_org_isolation ON work_orders
    USING (organization_id = app_current_org())
    WITH CHECK (organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON work_orders TO sitesync_app;
GRANT ALL ON work_orders TO sitesync_service;
