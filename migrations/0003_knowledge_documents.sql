-- 0003 knowledge documents
--
-- Knowledge & content (seed section 2): contributions, votes, usage,
-- documents, acknowledgements.
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- knowledge_contributions
-- =============================================================================

-- KNOWLEDGE CONTRIBUTION TYPES
CREATE TYPE contribution_type AS ENUM (
    'solution', 'tip', 'procedure', 'equipment_quirk', 'safety_note'
);

CREATE TYPE contribution_status AS ENUM (
    'draft', 'pending_review', 'approved', 'rejected', 'deprecated'
);

-- KNOWLEDGE CONTRIBUTIONS
CREATE TABLE knowledge_contributions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Author
    author_id UUID NOT NULL REFERENCES users(id),
    author_profile_id UUID REFERENCES technician_profiles(id),
    organization_id UUID REFERENCES organizations(id),

    -- Content
    title VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    content_html TEXT,  -- Rendered markdown
    contribution_type contribution_type NOT NULL,

    -- Context
    equipment_manufacturer VARCHAR(100),
    equipment_model VARCHAR(100),
    equipment_type VARCHAR(100),
    fault_code VARCHAR(50),
    tags TEXT[],

    -- Categorization
    trade VARCHAR(50),  -- 'elevators', 'hvac', etc.
    category VARCHAR(100),
    subcategory VARCHAR(100),

    -- Attribution
    attribution_type VARCHAR(50) DEFAULT 'full',
    -- 'full' (name + company), 'company' (company only), 'anonymous'

    -- Status
    status contribution_status DEFAULT 'pending_review',
    reviewed_at TIMESTAMPTZ,
    reviewed_by UUID REFERENCES users(id),
    rejection_reason TEXT,

    -- Quality Metrics
    upvotes INTEGER DEFAULT 0,
    downvotes INTEGER DEFAULT 0,
    quality_score DECIMAL(5, 2) DEFAULT 0,

    -- Impact Metrics
    times_viewed INTEGER DEFAULT 0,
    times_used INTEGER DEFAULT 0,
    technicians_helped INTEGER DEFAULT 0,
    estimated_hours_saved DECIMAL(10, 2) DEFAULT 0,

    -- AI Enhancement
    ai_enhanced BOOLEAN DEFAULT false,
    ai_summary TEXT,
    ai_keywords TEXT[],

    -- Versioning
    version INTEGER DEFAULT 1,
    parent_id UUID REFERENCES knowledge_contributions(id),

    -- Embedding for semantic search
    embedding vector(1536),

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    published_at TIMESTAMPTZ
);

CREATE INDEX idx_knowledge_author ON knowledge_contributions(author_id);
CREATE INDEX idx_knowledge_status ON knowledge_contributions(status);
CREATE INDEX idx_knowledge_type ON knowledge_contributions(contribution_type);
CREATE INDEX idx_knowledge_equipment ON knowledge_contributions(equipment_manufacturer, equipment_model);
CREATE INDEX idx_knowledge_fault ON knowledge_contributions(fault_code);
CREATE INDEX idx_knowledge_trade ON knowledge_contributions(trade);
CREATE INDEX idx_knowledge_tags ON knowledge_contributions USING GIN(tags);
-- HNSW instead of the seed's ivfflat (schema-note 16): no training data needed.
CREATE INDEX idx_knowledge_embedding ON knowledge_contributions
    USING hnsw (embedding vector_cosine_ops);

ALTER TABLE knowledge_contributions
    ADD CONSTRAINT knowledge_contributions_attribution_type_check CHECK (attribution_type IN (
        'full', 'company', 'anonymous'));

CREATE TRIGGER knowledge_contributions_set_updated_at
    BEFORE UPDATE ON knowledge_contributions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE knowledge_contributions ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_contributions FORCE ROW LEVEL SECURITY;
-- Approved contributions are shared knowledge for every signed-in platform
-- user; drafts and rejected ones stay with their author and organisation.
CREATE POLICY knowledge_contributions_select ON knowledge_contributions FOR SELECT
    USING ((status = 'approved' AND app_current_user() IS NOT NULL)
           OR author_id = app_current_user()
           OR organization_id = app_current_org());
-- You author as yourself, for your current organisation or for none.
CREATE POLICY knowledge_contributions_insert ON knowledge_contributions FOR INSERT
    WITH CHECK (author_id = app_current_user()
                AND (organization_id IS NULL OR organization_id = app_current_org()));
-- The author or the author's organisation edits; the row cannot be moved to
-- another organisation. Platform review (approve/reject) is done by the
-- service role.
CREATE POLICY knowledge_contributions_update ON knowledge_contributions FOR UPDATE
    USING (author_id = app_current_user() OR organization_id = app_current_org())
    WITH CHECK ((author_id = app_current_user() OR organization_id = app_current_org())
                AND (organization_id IS NULL OR organization_id = app_current_org()));
CREATE POLICY knowledge_contributions_delete ON knowledge_contributions FOR DELETE
    USING (author_id = app_current_user() OR organization_id = app_current_org());

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_contributions TO sitesync_app;
GRANT ALL ON knowledge_contributions TO sitesync_service;

-- =============================================================================
-- knowledge_votes
-- =============================================================================

-- KNOWLEDGE VOTES
CREATE TABLE knowledge_votes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    contribution_id UUID NOT NULL REFERENCES knowledge_contributions(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id),

    vote_type VARCHAR(10) NOT NULL,  -- 'up', 'down'

    created_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(contribution_id, user_id)
);

CREATE INDEX idx_knowledge_votes_contribution ON knowledge_votes(contribution_id);

ALTER TABLE knowledge_votes
    ADD CONSTRAINT knowledge_votes_vote_type_check CHECK (vote_type IN ('up', 'down'));

-- Counters (schema-note 15): upvotes/downvotes follow the votes. One atomic
-- UPDATE per change; the contribution's row lock serialises concurrent voters.
-- SECURITY DEFINER as sitesync_service because a voter may not update the
-- contribution under RLS.
CREATE FUNCTION knowledge_votes_maintain_counts() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE knowledge_contributions
           SET upvotes   = upvotes   - (OLD.vote_type = 'up')::int,
               downvotes = downvotes - (OLD.vote_type = 'down')::int
         WHERE id = OLD.contribution_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE knowledge_contributions
           SET upvotes   = upvotes   + (NEW.vote_type = 'up')::int,
               downvotes = downvotes + (NEW.vote_type = 'down')::int
         WHERE id = NEW.contribution_id;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION knowledge_votes_maintain_counts() OWNER TO sitesync_service;

CREATE TRIGGER knowledge_votes_maintain_counts
    AFTER INSERT OR DELETE OR UPDATE OF vote_type, contribution_id ON knowledge_votes
    FOR EACH ROW EXECUTE FUNCTION knowledge_votes_maintain_counts();

ALTER TABLE knowledge_votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_votes FORCE ROW LEVEL SECURITY;
-- Votes are not secret among signed-in users (needed for "you voted" state
-- and tallies); nobody outside the platform reads them.
CREATE POLICY knowledge_votes_select ON knowledge_votes FOR SELECT
    USING (app_current_user() IS NOT NULL);
-- You vote only as yourself, and only on a contribution you can see.
CREATE POLICY knowledge_votes_insert ON knowledge_votes FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM knowledge_contributions k
                            WHERE k.id = contribution_id));
CREATE POLICY knowledge_votes_update ON knowledge_votes FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM knowledge_contributions k
                            WHERE k.id = contribution_id));
CREATE POLICY knowledge_votes_delete ON knowledge_votes FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_votes TO sitesync_app;
GRANT ALL ON knowledge_votes TO sitesync_service;

-- =============================================================================
-- knowledge_usage
-- =============================================================================

-- KNOWLEDGE USAGE (when someone uses a contribution to solve a problem)
CREATE TABLE knowledge_usage (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    contribution_id UUID NOT NULL REFERENCES knowledge_contributions(id),
    user_id UUID NOT NULL REFERENCES users(id),
    work_order_id UUID REFERENCES work_orders(id),

    -- Outcome
    was_helpful BOOLEAN,
    feedback TEXT,
    time_saved_minutes INTEGER,

    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_knowledge_usage_contribution ON knowledge_usage(contribution_id);
CREATE INDEX idx_knowledge_usage_user ON knowledge_usage(user_id);

ALTER TABLE knowledge_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE knowledge_usage FORCE ROW LEVEL SECURITY;
-- Own usage records, or those of colleagues (impact reporting).
CREATE POLICY knowledge_usage_select ON knowledge_usage FOR SELECT
    USING (user_id = app_current_user() OR app_user_in_current_org(user_id));
-- You record only your own usage.
CREATE POLICY knowledge_usage_insert ON knowledge_usage FOR INSERT
    WITH CHECK (user_id = app_current_user());
CREATE POLICY knowledge_usage_update ON knowledge_usage FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY knowledge_usage_delete ON knowledge_usage FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON knowledge_usage TO sitesync_app;
GRANT ALL ON knowledge_usage TO sitesync_service;

-- =============================================================================
-- documents
-- =============================================================================

-- DOCUMENT VISIBILITY
CREATE TYPE document_visibility AS ENUM (
    'public',           -- Anyone can access
    'platform',         -- Any SiteSync user
    'organization',     -- Only this organization
    'role_based',       -- Specific roles within org
    'building',         -- Linked to specific building
    'equipment',        -- Linked to specific equipment
    'private'           -- Owner only
);

-- DOCUMENTS
CREATE TABLE documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id UUID REFERENCES organizations(id),
    uploaded_by UUID NOT NULL REFERENCES users(id),

    -- File Info
    filename VARCHAR(255) NOT NULL,
    original_filename VARCHAR(255) NOT NULL,
    file_type VARCHAR(50) NOT NULL,
    file_size_bytes BIGINT NOT NULL,
    mime_type VARCHAR(100),
    storage_path VARCHAR(500) NOT NULL,
    storage_provider VARCHAR(50) DEFAULT 's3',

    -- Metadata
    title VARCHAR(255),
    description TEXT,

    -- Categorization
    document_type VARCHAR(50),
    -- 'manual', 'wiring_diagram', 'parts_catalog', 'safety_procedure',
    -- 'training', 'certificate', 'report', 'image', 'video', 'other'
    category VARCHAR(100),
    tags TEXT[],

    -- Trade/Equipment Context
    trade VARCHAR(50),
    manufacturer VARCHAR(100),
    equipment_model VARCHAR(100),
    equipment_type VARCHAR(100),

    -- Linking
    site_id UUID REFERENCES sites(id),
    elevator_id UUID REFERENCES elevators(id),
    work_order_id UUID REFERENCES work_orders(id),

    -- Access Control
    visibility document_visibility DEFAULT 'organization',
    allowed_roles TEXT[],  -- For role_based visibility

    -- Distribution Tracking
    requires_acknowledgment BOOLEAN DEFAULT false,
    expiry_date DATE,
    review_date DATE,

    -- AI Processing
    text_extracted BOOLEAN DEFAULT false,
    extracted_text TEXT,
    ai_summary TEXT,
    ai_keywords TEXT[],
    embedding vector(1536),

    -- Version Control
    version INTEGER DEFAULT 1,
    parent_document_id UUID REFERENCES documents(id),
    is_current_version BOOLEAN DEFAULT true,

    -- Stats
    download_count INTEGER DEFAULT 0,
    view_count INTEGER DEFAULT 0,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_documents_org ON documents(organization_id);
CREATE INDEX idx_documents_uploader ON documents(uploaded_by);
CREATE INDEX idx_documents_type ON documents(document_type);
CREATE INDEX idx_documents_visibility ON documents(visibility);
CREATE INDEX idx_documents_site ON documents(site_id);
CREATE INDEX idx_documents_elevator ON documents(elevator_id);
CREATE INDEX idx_documents_manufacturer ON documents(manufacturer);
CREATE INDEX idx_documents_tags ON documents USING GIN(tags);
-- HNSW instead of the seed's ivfflat (schema-note 16): no training data needed.
CREATE INDEX idx_documents_embedding ON documents
    USING hnsw (embedding vector_cosine_ops);

ALTER TABLE documents
    ADD CONSTRAINT documents_document_type_check CHECK (document_type IN (
        'manual', 'wiring_diagram', 'parts_catalog', 'safety_procedure',
        'training', 'certificate', 'report', 'image', 'video', 'other')),
    ADD CONSTRAINT documents_file_size_bytes_check CHECK (file_size_bytes >= 0);

CREATE TRIGGER documents_set_updated_at
    BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
-- Follows the document_visibility enum. 'building' and 'equipment' documents
-- belong to the organisation that owns the site/elevator, so they are
-- organisation-visible; 'private' is the uploader only.
CREATE POLICY documents_select ON documents FOR SELECT
    USING (uploaded_by = app_current_user()
           OR visibility = 'public'
           OR (visibility = 'platform' AND app_current_user() IS NOT NULL)
           OR (visibility IN ('organization', 'building', 'equipment')
               AND organization_id = app_current_org())
           OR (visibility = 'role_based'
               AND organization_id = app_current_org()
               AND (SELECT app_current_role()) = ANY (allowed_roles)));
-- You upload as yourself, for your current organisation or for none.
CREATE POLICY documents_insert ON documents FOR INSERT
    WITH CHECK (uploaded_by = app_current_user()
                AND (organization_id IS NULL OR organization_id = app_current_org()));
-- The uploader or an organisation admin manages a document; it cannot be
-- moved into another organisation.
CREATE POLICY documents_update ON documents FOR UPDATE
    USING (uploaded_by = app_current_user()
           OR (organization_id = app_current_org() AND (SELECT app_is_org_admin())))
    WITH CHECK (organization_id IS NULL OR organization_id = app_current_org());
CREATE POLICY documents_delete ON documents FOR DELETE
    USING (uploaded_by = app_current_user()
           OR (organization_id = app_current_org() AND (SELECT app_is_org_admin())));

GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO sitesync_app;
GRANT ALL ON documents TO sitesync_service;

-- =============================================================================
-- document_acknowledgments
-- =============================================================================

-- DOCUMENT ACKNOWLEDGMENTS (for required reading tracking)
CREATE TABLE document_acknowledgments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id UUID NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id),

    acknowledged_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(document_id, user_id)
);

CREATE INDEX idx_doc_ack_document ON document_acknowledgments(document_id);
CREATE INDEX idx_doc_ack_user ON document_acknowledgments(user_id);

ALTER TABLE document_acknowledgments ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_acknowledgments FORCE ROW LEVEL SECURITY;
-- Own acknowledgements, or any acknowledgement of a document of my
-- organisation (required-reading compliance reports).
CREATE POLICY document_acknowledgments_select ON document_acknowledgments FOR SELECT
    USING (user_id = app_current_user()
           OR EXISTS (SELECT 1 FROM documents d
                      WHERE d.id = document_id
                        AND d.organization_id = app_current_org()));
-- You acknowledge only as yourself, and only a document you can see.
CREATE POLICY document_acknowledgments_insert ON document_acknowledgments FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM documents d WHERE d.id = document_id));
CREATE POLICY document_acknowledgments_update ON document_acknowledgments FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY document_acknowledgments_delete ON document_acknowledgments FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON document_acknowledgments TO sitesync_app;
GRANT ALL ON document_acknowledgments TO sitesync_service;
