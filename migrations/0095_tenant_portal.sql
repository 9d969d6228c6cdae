-- 0095 tenant portal (docs/tenant-portal.md)
--
-- A tenant's portal user is a users row with the role 'tenant' and no organisation: every
-- organisation-scoped policy (app.current_org) shows it nothing, and what it may see comes
-- from tenants.portal_user_id alone. Portal access needs the tenant to be active and its
-- portal enabled; turning either off takes every row away at once (0052 ends the sockets).
--
-- Here: the role; staff inviting (inserting) and seeing the portal users of their own
-- tenants; the portal conditions in the tenants/service_requests policies; a guard that
-- limits what a portal user may write to a service request, whatever the API does; the
-- portal user's audit events joining the site organisation's trail; the elevators of a
-- tenant's site as the portal may see them; indexes for the new look-ups.

-- ---------------------------------------------------------------------------
-- The role
-- ---------------------------------------------------------------------------

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users
    ADD CONSTRAINT users_role_check CHECK (role IN (
        'owner', 'admin', 'manager', 'user', 'technician', 'readonly', 'guest', 'tenant')),
    -- A portal user never belongs to an organisation: with one, app.current_org would be
    -- set for its requests and every organisation policy would admit it.
    ADD CONSTRAINT users_tenant_role_without_org CHECK (role <> 'tenant' OR organization_id IS NULL);

CREATE INDEX idx_tenant_portal_user ON tenants(portal_user_id) WHERE portal_user_id IS NOT NULL;
CREATE INDEX idx_service_req_work_order ON service_requests(assigned_work_order_id)
    WHERE assigned_work_order_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- tenants and service_requests: the portal user's access needs an enabled portal on an
-- active tenant (staff access is unchanged)
-- ---------------------------------------------------------------------------

DROP POLICY tenants_select ON tenants;
CREATE POLICY tenants_select ON tenants FOR SELECT
    USING ((portal_user_id = app_current_user() AND portal_enabled AND is_active)
           OR EXISTS (SELECT 1 FROM sites s
                      WHERE s.id = tenants.site_id
                        AND s.organization_id = app_current_org()));

DROP POLICY service_requests_select ON service_requests;
DROP POLICY service_requests_insert ON service_requests;
DROP POLICY service_requests_update ON service_requests;

-- The tenants subquery runs under tenants_select, which already requires the enabled portal
-- of an active tenant; the site must also be the tenant's.
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

-- ---------------------------------------------------------------------------
-- What a portal user may write to a service request, in the database itself: it opens a
-- request (open, normal priority, nothing assessed, assigned or resolved) and, once it is
-- resolved or closed, rates it. Everything else is the site organisation's staff's.
-- The rating is given once, by anyone (a later change is refused too).
-- ---------------------------------------------------------------------------

CREATE FUNCTION service_requests_portal_guard() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    portal boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.satisfaction_rating IS NOT NULL
       AND (NEW.satisfaction_rating IS DISTINCT FROM OLD.satisfaction_rating
            OR NEW.feedback_text IS DISTINCT FROM OLD.feedback_text) THEN
        RAISE EXCEPTION 'service request % has already been rated', OLD.id
            USING ERRCODE = '23514';
    END IF;
    -- Only the tenant's portal user acting as such is limited here: staff of the site's
    -- organisation, system work (no acting user) and anyone else RLS lets through are not.
    SELECT app_current_user() IS NOT NULL
       AND EXISTS (SELECT 1 FROM tenants t
                    WHERE t.id IN (NEW.tenant_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.tenant_id END)
                      AND t.portal_user_id = app_current_user())
       AND NOT EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = NEW.site_id AND s.organization_id = app_current_org())
      INTO portal;
    IF NOT portal THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status IS DISTINCT FROM 'open' OR NEW.priority IS DISTINCT FROM 'normal'
           OR NEW.assigned_work_order_id IS NOT NULL OR NEW.resolution_notes IS NOT NULL
           OR NEW.resolved_at IS NOT NULL OR NEW.satisfaction_rating IS NOT NULL
           OR NEW.feedback_text IS NOT NULL THEN
            RAISE EXCEPTION 'a tenant opens a request; its assessment and resolution are the site''s'
                USING ERRCODE = '42501';
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.site_id, NEW.tenant_id, NEW.request_type, NEW.subject, NEW.description,
        NEW.elevator_id, NEW.priority, NEW.status, NEW.assigned_work_order_id,
        NEW.resolution_notes, NEW.resolved_at, NEW.created_at)
       IS DISTINCT FROM
       (OLD.site_id, OLD.tenant_id, OLD.request_type, OLD.subject, OLD.description,
        OLD.elevator_id, OLD.priority, OLD.status, OLD.assigned_work_order_id,
        OLD.resolution_notes, OLD.resolved_at, OLD.created_at)
       OR OLD.status NOT IN ('resolved', 'closed')
       OR NEW.satisfaction_rating IS NULL THEN
        RAISE EXCEPTION 'a tenant may only rate its request once it is resolved'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION service_requests_portal_guard() IS
    'BEFORE trigger: a tenant portal user opens requests and rates resolved ones, nothing else; a rating is given once';

CREATE TRIGGER service_requests_portal_guard
    BEFORE INSERT OR UPDATE ON service_requests
    FOR EACH ROW EXECUTE FUNCTION service_requests_portal_guard();

-- ---------------------------------------------------------------------------
-- Portal users as the site organisation sees them
-- ---------------------------------------------------------------------------

-- Staff invite a tenant contact: a users row with no organisation, the tenant role and no
-- password (the invitation sets it). app_current_role() reads users under users_select,
-- which calls no function, so this INSERT policy does not recurse. The row is invisible to
-- the inviter until a tenant of theirs names it (below): insert it without RETURNING.
CREATE POLICY users_insert_tenant_portal ON users FOR INSERT
    WITH CHECK (organization_id IS NULL
                AND role = 'tenant'
                AND password_hash IS NULL
                AND app_current_role() IS NOT NULL);

-- Staff see the portal users of their own tenants (to show and re-invite them). tenants
-- and sites policies read no users rows, so this does not recurse either.
CREATE POLICY users_select_tenant_portal ON users FOR SELECT
    USING (EXISTS (SELECT 1 FROM tenants t
                     JOIN sites s ON s.id = t.site_id
                    WHERE t.portal_user_id = users.id
                      AND s.organization_id = app_current_org()));

-- ---------------------------------------------------------------------------
-- Helpers for portal users, who can see neither sites nor elevators. SECURITY DEFINER
-- (owned by the BYPASSRLS service role), so each checks the caller's access itself.
-- ---------------------------------------------------------------------------

-- The organisation of a site the caller works for, or has an enabled tenant portal at;
-- NULL otherwise. A portal user's actions are audited in that organisation's trail.
CREATE FUNCTION app_site_organization(p_site_id uuid) RETURNS uuid
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT s.organization_id FROM sites s
     WHERE s.id = p_site_id
       AND (s.organization_id = app_current_org()
            OR EXISTS (SELECT 1 FROM tenants t
                        WHERE t.site_id = s.id
                          AND t.portal_user_id = app_current_user()
                          AND t.portal_enabled AND t.is_active))
$$;

-- True when the caller has an enabled portal at one of the organisation's sites.
CREATE FUNCTION app_is_portal_user_of(p_organization_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM tenants t JOIN sites s ON s.id = t.site_id
                    WHERE s.organization_id = p_organization_id
                      AND t.portal_user_id = app_current_user()
                      AND t.portal_enabled AND t.is_active)
$$;

-- The lifts of a tenant's site, as much of them as a tenant may know (to name one in a
-- request): for the tenant's portal user and the site organisation's staff.
CREATE FUNCTION tenant_site_elevators(p_tenant_id uuid)
    RETURNS TABLE (id uuid, unit_number text, status text)
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT e.id, e.unit_number::text, e.status::text
      FROM tenants t JOIN elevators e ON e.site_id = t.site_id
     WHERE t.id = p_tenant_id
       AND e.deleted_at IS NULL
       AND ((t.portal_user_id = app_current_user() AND t.portal_enabled AND t.is_active)
            OR EXISTS (SELECT 1 FROM sites s
                        WHERE s.id = t.site_id AND s.organization_id = app_current_org()))
     ORDER BY e.unit_number, e.id
$$;

ALTER FUNCTION app_site_organization(uuid) OWNER TO sitesync_service;
ALTER FUNCTION app_is_portal_user_of(uuid) OWNER TO sitesync_service;
ALTER FUNCTION tenant_site_elevators(uuid) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION app_site_organization(uuid), app_is_portal_user_of(uuid),
    tenant_site_elevators(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_site_organization(uuid), app_is_portal_user_of(uuid),
    tenant_site_elevators(uuid) TO sitesync_app, sitesync_service;

-- A portal user's own actions (a request opened, a rating) join the trail of the
-- organisation whose site it is, as that user.
CREATE POLICY audit_events_insert_tenant_portal ON audit_events FOR INSERT
    WITH CHECK (actor_id = app_current_user() AND app_is_portal_user_of(organization_id));

-- A request is always some tenant's (staff open one on a tenant's behalf); its site is the
-- tenant's (the API takes it from the tenant, and the policies above require it).
ALTER TABLE service_requests ALTER COLUMN tenant_id SET NOT NULL;
