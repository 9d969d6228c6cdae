-- 0007 training
--
-- Training & certification (seed section 6).
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- courses
-- =============================================================================

-- COURSES
CREATE TABLE courses (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_org_id UUID REFERENCES organizations(id),  -- NULL = SiteSync

    -- Basic Info
    title VARCHAR(255) NOT NULL,
    slug VARCHAR(255) NOT NULL,
    description TEXT,

    -- Classification
    course_type VARCHAR(50),
    -- 'certification', 'training', 'safety', 'onboarding', 'skill'
    trade VARCHAR(50),
    manufacturer VARCHAR(100),  -- If manufacturer-specific

    -- Level
    difficulty_level VARCHAR(50),  -- 'beginner', 'intermediate', 'advanced'
    estimated_duration_hours DECIMAL(5, 2),

    -- Requirements
    prerequisites TEXT[],

    -- Certification
    provides_certification BOOLEAN DEFAULT false,
    certification_name VARCHAR(255),
    certification_valid_months INTEGER,

    -- Pricing
    is_free BOOLEAN DEFAULT true,
    price DECIMAL(10, 2),

    -- Status
    is_published BOOLEAN DEFAULT false,

    -- Stats
    enrollment_count INTEGER DEFAULT 0,
    completion_count INTEGER DEFAULT 0,
    average_rating DECIMAL(3, 2),

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_course_provider ON courses(provider_org_id);
CREATE INDEX idx_course_type ON courses(course_type);
CREATE INDEX idx_course_trade ON courses(trade);
CREATE INDEX idx_course_manufacturer ON courses(manufacturer);

ALTER TABLE courses
    ADD CONSTRAINT courses_course_type_check CHECK (course_type IN (
        'certification', 'training', 'safety', 'onboarding', 'skill')),
    ADD CONSTRAINT courses_difficulty_level_check CHECK (difficulty_level IN (
        'beginner', 'intermediate', 'advanced')),
    ADD CONSTRAINT courses_price_check CHECK (price >= 0),
    -- computed average of 1..5 ratings
    ADD CONSTRAINT courses_average_rating_check CHECK (average_rating BETWEEN 0 AND 5);

CREATE TRIGGER courses_set_updated_at
    BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE courses FORCE ROW LEVEL SECURITY;
-- Published courses are visible to every signed-in user; the provider
-- organisation also sees its drafts.
CREATE POLICY courses_select ON courses FOR SELECT
    USING ((is_published AND app_current_user() IS NOT NULL)
           OR provider_org_id = app_current_org());
-- Only the provider organisation writes (provider NULL = SiteSync's own
-- courses, managed by the service role); cannot move to another provider.
CREATE POLICY courses_insert ON courses FOR INSERT
    WITH CHECK (provider_org_id = app_current_org());
CREATE POLICY courses_update ON courses FOR UPDATE
    USING (provider_org_id = app_current_org())
    WITH CHECK (provider_org_id = app_current_org());
CREATE POLICY courses_delete ON courses FOR DELETE
    USING (provider_org_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON courses TO sitesync_app;
GRANT ALL ON courses TO sitesync_service;

-- =============================================================================
-- course_modules
-- =============================================================================

-- COURSE MODULES
CREATE TABLE course_modules (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id UUID NOT NULL REFERENCES courses(id) ON DELETE CASCADE,

    -- Basic Info
    title VARCHAR(255) NOT NULL,
    description TEXT,

    -- Order
    sequence_order INTEGER NOT NULL,

    -- Content
    content_type VARCHAR(50),  -- 'video', 'text', 'quiz', 'practical'
    content_url VARCHAR(500),
    content_html TEXT,

    -- Duration
    estimated_duration_minutes INTEGER,

    -- Requirements
    is_required BOOLEAN DEFAULT true,
    passing_score INTEGER,  -- For quizzes

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_module_course ON course_modules(course_id);

ALTER TABLE course_modules
    ADD CONSTRAINT course_modules_content_type_check CHECK (content_type IN (
        'video', 'text', 'quiz', 'practical')),
    ADD CONSTRAINT course_modules_passing_score_check CHECK (passing_score BETWEEN 0 AND 100);

CREATE TRIGGER course_modules_set_updated_at
    BEFORE UPDATE ON course_modules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE course_modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_modules FORCE ROW LEVEL SECURITY;
-- A module is visible when its course is (courses' RLS applies in the EXISTS).
CREATE POLICY course_modules_select ON course_modules FOR SELECT
    USING (EXISTS (SELECT 1 FROM courses c WHERE c.id = course_modules.course_id));
-- Only the course's provider organisation writes modules.
CREATE POLICY course_modules_insert ON course_modules FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM courses c
                        WHERE c.id = course_modules.course_id
                          AND c.provider_org_id = app_current_org()));
CREATE POLICY course_modules_update ON course_modules FOR UPDATE
    USING (EXISTS (SELECT 1 FROM courses c
                   WHERE c.id = course_modules.course_id
                     AND c.provider_org_id = app_current_org()))
    WITH CHECK (EXISTS (SELECT 1 FROM courses c
                        WHERE c.id = course_modules.course_id
                          AND c.provider_org_id = app_current_org()));
CREATE POLICY course_modules_delete ON course_modules FOR DELETE
    USING (EXISTS (SELECT 1 FROM courses c
                   WHERE c.id = course_modules.course_id
                     AND c.provider_org_id = app_current_org()));

GRANT SELECT, INSERT, UPDATE, DELETE ON course_modules TO sitesync_app;
GRANT ALL ON course_modules TO sitesync_service;

-- =============================================================================
-- course_enrollments
-- =============================================================================

-- COURSE ENROLLMENTS
CREATE TABLE course_enrollments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id UUID NOT NULL REFERENCES courses(id),
    user_id UUID NOT NULL REFERENCES users(id),

    -- Progress
    status VARCHAR(50) DEFAULT 'enrolled',
    -- 'enrolled', 'in_progress', 'completed', 'failed', 'expired'
    progress_percentage DECIMAL(5, 2) DEFAULT 0,

    -- Completion
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,

    -- Results
    final_score DECIMAL(5, 2),
    passed BOOLEAN,

    -- Certificate
    certificate_issued BOOLEAN DEFAULT false,
    certificate_id UUID,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(course_id, user_id)
);

CREATE INDEX idx_enrollment_course ON course_enrollments(course_id);
CREATE INDEX idx_enrollment_user ON course_enrollments(user_id);
CREATE INDEX idx_enrollment_status ON course_enrollments(status);

ALTER TABLE course_enrollments
    ADD CONSTRAINT course_enrollments_status_check CHECK (status IN (
        'enrolled', 'in_progress', 'completed', 'failed', 'expired')),
    ADD CONSTRAINT course_enrollments_progress_percentage_check CHECK (
        progress_percentage BETWEEN 0 AND 100),
    ADD CONSTRAINT course_enrollments_final_score_check CHECK (final_score BETWEEN 0 AND 100);

CREATE TRIGGER course_enrollments_set_updated_at
    BEFORE UPDATE ON course_enrollments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE course_enrollments ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_enrollments FORCE ROW LEVEL SECURITY;
-- The learner, and the course's provider organisation.
CREATE POLICY course_enrollments_select ON course_enrollments FOR SELECT
    USING (user_id = app_current_user()
           OR EXISTS (SELECT 1 FROM courses c
                      WHERE c.id = course_enrollments.course_id
                        AND c.provider_org_id = app_current_org()));
-- Enrol only yourself, in a course you can see.
CREATE POLICY course_enrollments_insert ON course_enrollments FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM courses c WHERE c.id = course_enrollments.course_id));
-- Learner (progress) or provider (results, certificate).
CREATE POLICY course_enrollments_update ON course_enrollments FOR UPDATE
    USING (user_id = app_current_user()
           OR EXISTS (SELECT 1 FROM courses c
                      WHERE c.id = course_enrollments.course_id
                        AND c.provider_org_id = app_current_org()))
    WITH CHECK (user_id = app_current_user()
                OR EXISTS (SELECT 1 FROM courses c
                           WHERE c.id = course_enrollments.course_id
                             AND c.provider_org_id = app_current_org()));
-- Only the learner removes their enrolment.
CREATE POLICY course_enrollments_delete ON course_enrollments FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON course_enrollments TO sitesync_app;
GRANT ALL ON course_enrollments TO sitesync_service;

-- =============================================================================
-- user_certifications
-- =============================================================================

-- CERTIFICATIONS (User's held certifications)
CREATE TABLE user_certifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id),

    -- Certification Details
    name VARCHAR(255) NOT NULL,
    issuing_authority VARCHAR(255),
    certificate_number VARCHAR(100),

    -- Dates
    issued_date DATE NOT NULL,
    expiry_date DATE,

    -- Source
    course_enrollment_id UUID REFERENCES course_enrollments(id),

    -- Verification
    is_verified BOOLEAN DEFAULT false,
    verified_at TIMESTAMPTZ,
    verification_method VARCHAR(50),

    -- Document
    document_id UUID REFERENCES documents(id),

    -- Reminder
    reminder_sent BOOLEAN DEFAULT false,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_cert_user ON user_certifications(user_id);
CREATE INDEX idx_cert_expiry ON user_certifications(expiry_date);
CREATE INDEX idx_cert_authority ON user_certifications(issuing_authority);

CREATE TRIGGER user_certifications_set_updated_at
    BEFORE UPDATE ON user_certifications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE user_certifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_certifications FORCE ROW LEVEL SECURITY;
-- Own certifications, or a colleague's (the employer tracks its staff's
-- licences and expiry).
CREATE POLICY user_certifications_select ON user_certifications FOR SELECT
    USING (user_id = app_current_user() OR app_user_in_current_org(user_id));
CREATE POLICY user_certifications_insert ON user_certifications FOR INSERT
    WITH CHECK (user_id = app_current_user() OR app_user_in_current_org(user_id));
CREATE POLICY user_certifications_update ON user_certifications FOR UPDATE
    USING (user_id = app_current_user() OR app_user_in_current_org(user_id))
    WITH CHECK (user_id = app_current_user() OR app_user_in_current_org(user_id));
CREATE POLICY user_certifications_delete ON user_certifications FOR DELETE
    USING (user_id = app_current_user() OR app_user_in_current_org(user_id));

GRANT SELECT, INSERT, UPDATE, DELETE ON user_certifications TO sitesync_app;
GRANT ALL ON user_certifications TO sitesync_service;
