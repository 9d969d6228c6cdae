-- 0009 tenant communication
--
-- Tenant & communication (seed section 8): tenants, service requests,
-- notifications, direct messages.
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- tenants
-- =============================================================================

-- TENANTS (Building occupants)
CREATE TABLE tenants (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id UUID NOT NULL REFERENCES sites(id) ON DELETE CASCADE,

    -- Tenant Info
    name VARCHAR(255) NOT NULL,
    unit_number VARCHAR(50),
    floor VARCHAR(50),

    -- Contact
    primary_contact_name VARCHAR(255),
    primary_contact_email VARCHAR(255),
    primary_contact_phone VARCHAR(50),

    -- Portal Access
    portal_enabled BOOLEAN DEFAULT false,
    portal_user_id UUID REFERENCES users(id),

    -- Status
    is_active BOOLEAN DEFAULT true,
    move_in_date DATE,
    move_out_date DATE,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_tenant_site ON tenants(site_id);
CREATE INDEX idx_tenant_active ON tenants(is_active) WHERE is_active = true;

CREATE TRIGGER tenants_set_updated_at
    BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
-- Staff of the organisation that owns the site, and the tenant's own portal
-- user.
CREATE POLICY tenants_select ON tenants FOR SELECT
    USING (portal_user_id = app_current_user()
           OR EXISTS (SELECT 1 FROM sites s
                      WHERE s.id = tenants.site_id
                        AND s.organization_id = app_current_org()));
-- Only the site's organisation manages tenants; a tenant cannot be moved to
-- another organisation's site.
CREATE POLICY tenants_insert ON tenants FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = tenants.site_id
                          AND s.organization_id = app_current_org()));
CREATE POLICY tenants_update ON tenants FOR UPDATE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = tenants.site_id
                     AND s.organization_id = app_current_org()))
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = tenants.site_id
                          AND s.organization_id = app_current_org()));
CREATE POLICY tenants_delete ON tenants FOR DELETE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = tenants.site_id
                     AND s.organization_id = app_current_org()));

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO sitesync_app;
GRANT ALL ON tenants TO sitesync_service;

-- =============================================================================
-- service_requests
-- =============================================================================

-- TENANT SERVICE REQUESTS
CREATE TABLE service_requests (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    site_id UUID NOT NULL REFERENCES sites(id),
    tenant_id UUID REFERENCES tenants(id),

    -- Request
    request_type VARCHAR(50) NOT NULL,
    -- 'issue_report', 'inquiry', 'move_request', 'access_request'
    subject VARCHAR(255) NOT NULL,
    description TEXT,

    -- Equipment (if applicable)
    elevator_id UUID REFERENCES elevators(id),

    -- Priority (assessed)
    priority VARCHAR(20) DEFAULT 'normal',

    -- Status
    status VARCHAR(50) DEFAULT 'open',
    -- 'open', 'acknowledged', 'in_progress', 'resolved', 'closed'

    -- Assignment
    assigned_work_order_id UUID REFERENCES work_orders(id),

    -- Resolution
    resolution_notes TEXT,
    resolved_at TIMESTAMPTZ,

    -- Feedback
    satisfaction_rating INTEGER,  -- 1-5
    feedback_text TEXT,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_service_req_site ON service_requests(site_id);
CREATE INDEX idx_service_req_tenant ON service_requests(tenant_id);
CREATE INDEX idx_service_req_status ON service_requests(status);

ALTER TABLE service_requests
    ADD CONSTRAINT service_requests_request_type_check CHECK (request_type IN (
        'issue_report', 'inquiry', 'move_request', 'access_request')),
    ADD CONSTRAINT service_requests_priority_check CHECK (priority IN (
        'low', 'normal', 'high', 'urgent')),
    ADD CONSTRAINT service_requests_status_check CHECK (status IN (
        'open', 'acknowledged', 'in_progress', 'resolved', 'closed')),
    ADD CONSTRAINT service_requests_satisfaction_rating_check CHECK (satisfaction_rating BETWEEN 1 AND 5);

CREATE TRIGGER service_requests_set_updated_at
    BEFORE UPDATE ON service_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE service_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_requests FORCE ROW LEVEL SECURITY;
-- Staff of the site's organisation, or the portal user of the tenant that
-- raised it (that tenant must be at the request's site).
CREATE POLICY service_requests_select ON service_requests FOR SELECT
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = service_requests.site_id
                     AND s.organization_id = app_current_org())
           OR EXISTS (SELECT 1 FROM tenants t
                      WHERE t.id = service_requests.tenant_id
                        AND t.site_id = service_requests.site_id
                        AND t.portal_user_id = app_current_user()));
CREATE POLICY service_requests_insert ON service_requests FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = service_requests.site_id
                          AND s.organization_id = app_current_org())
                OR EXISTS (SELECT 1 FROM tenants t
                           WHERE t.id = service_requests.tenant_id
                             AND t.site_id = service_requests.site_id
                             AND t.portal_user_id = app_current_user()));
-- Both sides update (staff: status, assignment; tenant: feedback); neither can
-- move it to a site/tenant outside their reach.
CREATE POLICY service_requests_update ON service_requests FOR UPDATE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = service_requests.site_id
                     AND s.organization_id = app_current_org())
           OR EXISTS (SELECT 1 FROM tenants t
                      WHERE t.id = service_requests.tenant_id
                        AND t.site_id = service_requests.site_id
                        AND t.portal_user_id = app_current_user()))
    WITH CHECK (EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = service_requests.site_id
                          AND s.organization_id = app_current_org())
                OR EXISTS (SELECT 1 FROM tenants t
                           WHERE t.id = service_requests.tenant_id
                             AND t.site_id = service_requests.site_id
                             AND t.portal_user_id = app_current_user()));
-- Only the site's organisation deletes.
CREATE POLICY service_requests_delete ON service_requests FOR DELETE
    USING (EXISTS (SELECT 1 FROM sites s
                   WHERE s.id = service_requests.site_id
                     AND s.organization_id = app_current_org()));

GRANT SELECT, INSERT, UPDATE, DELETE ON service_requests TO sitesync_app;
GRANT ALL ON service_requests TO sitesync_service;

-- =============================================================================
-- notifications
-- =============================================================================

-- NOTIFICATIONS
CREATE TABLE notifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id),

    -- Content
    notification_type VARCHAR(50) NOT NULL,
    title VARCHAR(255) NOT NULL,
    message TEXT,

    -- Linking
    link_type VARCHAR(50),  -- 'work_order', 'job', 'message', etc.
    link_id UUID,
    link_url VARCHAR(500),

    -- Status
    is_read BOOLEAN DEFAULT false,
    read_at TIMESTAMPTZ,

    -- Delivery
    email_sent BOOLEAN DEFAULT false,
    push_sent BOOLEAN DEFAULT false,
    sms_sent BOOLEAN DEFAULT false,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_notification_user ON notifications(user_id);
CREATE INDEX idx_notification_read ON notifications(user_id, is_read) WHERE is_read = false;
CREATE INDEX idx_notification_type ON notifications(notification_type);

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
-- A notification belongs to its recipient alone.
CREATE POLICY notifications_select ON notifications FOR SELECT
    USING (user_id = app_current_user());
-- You may notify yourself or a member of your current organisation (e.g. an
-- assignment). Such an INSERT must not use RETURNING: the row is not visible
-- to the sender.
CREATE POLICY notifications_insert ON notifications FOR INSERT
    WITH CHECK (user_id = app_current_user() OR app_user_in_current_org(user_id));
CREATE POLICY notifications_update ON notifications FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());
CREATE POLICY notifications_delete ON notifications FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON notifications TO sitesync_app;
GRANT ALL ON notifications TO sitesync_service;

-- =============================================================================
-- messages
-- =============================================================================

-- MESSAGES (Direct messaging)
CREATE TABLE messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Participants
    sender_id UUID NOT NULL REFERENCES users(id),
    recipient_id UUID NOT NULL REFERENCES users(id),

    -- Thread
    thread_id UUID,  -- Groups related messages

    -- Content
    subject VARCHAR(255),
    content TEXT NOT NULL,

    -- Attachments
    attachment_document_ids UUID[],

    -- Context
    context_type VARCHAR(50),  -- 'work_order', 'job_application', etc.
    context_id UUID,

    -- Status
    is_read BOOLEAN DEFAULT false,
    read_at TIMESTAMPTZ,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_message_sender ON messages(sender_id);
CREATE INDEX idx_message_recipient ON messages(recipient_id);
CREATE INDEX idx_message_thread ON messages(thread_id);
CREATE INDEX idx_message_unread ON messages(recipient_id, is_read) WHERE is_read = false;

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
-- Direct messages: only the two participants.
CREATE POLICY messages_select ON messages FOR SELECT
    USING (sender_id = app_current_user() OR recipient_id = app_current_user());
-- You send only as yourself.
CREATE POLICY messages_insert ON messages FOR INSERT
    WITH CHECK (sender_id = app_current_user());
-- Recipient marks read, sender edits; it stays between the same people.
CREATE POLICY messages_update ON messages FOR UPDATE
    USING (recipient_id = app_current_user() OR sender_id = app_current_user())
    WITH CHECK (recipient_id = app_current_user() OR sender_id = app_current_user());
-- Only the sender deletes (unsend).
CREATE POLICY messages_delete ON messages FOR DELETE
    USING (sender_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON messages TO sitesync_app;
GRANT ALL ON messages TO sitesync_service;
