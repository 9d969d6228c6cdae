-- 0110 a session credential in one statement, and whether its user is a tenant portal user
--
-- Every request and every socket handshake checks its access token's session against the
-- database (server/auth/principal.ts). That was a transaction of its own: BEGIN, set_config
-- of the token's organisation and user, the session + user read, COMMIT, and the pool's
-- DISCARD ALL: five round trips. A reconnect storm makes thousands at once, and the
-- realtime hub then asked the database again, in another five-round-trip transaction,
-- whether the user is a tenant portal user before admitting them to their organisation's
-- `org:` topic (docs/benchmarks.md, "Reconnect storm").
--
-- session_credential() does both in one call: it sets the token's RLS context
-- transaction-locally and reads the session, its user and whether any tenant the user can
-- see names them as its portal user (exactly the `org:` admission's former query), all as
-- the caller (SECURITY INVOKER: sitesync_app under RLS, as before). Called as a statement
-- of its own it is its own transaction, so the settings vanish at its end like withTenant's
-- (the same pattern as send_direct_message(), 0109).
CREATE FUNCTION session_credential(p_org text, p_user text, p_session uuid)
RETURNS TABLE (
    session_active boolean,
    revoked_at timestamptz,
    expires_at timestamptz,
    user_active boolean,
    deleted_at timestamptz,
    organization_id uuid,
    role text,
    tenant_portal boolean)
    LANGUAGE plpgsql
    SECURITY INVOKER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.current_org', coalesce(p_org, ''), true),
            set_config('app.current_user', coalesce(p_user, ''), true);
    RETURN QUERY
    SELECT s.is_active, s.revoked_at, s.expires_at,
           u.is_active, u.deleted_at, u.organization_id, u.role::text,
           EXISTS (SELECT 1 FROM tenants t WHERE t.portal_user_id = app_current_user())
      FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = p_session AND s.user_id = app_current_user();
END
$$;

REVOKE ALL ON FUNCTION session_credential(text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_credential(text, text, uuid) TO sitesync_app;

-- The hub now keeps "is a tenant portal user" for the socket's life, like the rest of the
-- principal. 0052 ends a portal user's sockets when they lose portal access; this also ends
-- them when a user gains it (a tenant row created or changed to name them, or its portal
-- enabled, reactivated or moved to another site), so the next `org:` subscribe is decided
-- on a principal read after the change. Notifying one user too many only costs a
-- reconnect. (A site moving to another organisation changes what a portal user who is
-- also a member of that organisation can see; users.organization_id changes already end
-- sockets, and sites do not move between organisations in the API.)
CREATE OR REPLACE FUNCTION realtime_tenant_access_end() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    portal uuid;
    lost uuid;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        IF TG_OP <> 'INSERT' AND OLD.portal_user_id IS NOT NULL AND (
               TG_OP = 'DELETE'
            OR OLD.portal_user_id IS DISTINCT FROM NEW.portal_user_id
            OR (coalesce(OLD.portal_enabled, false) AND NOT coalesce(NEW.portal_enabled, false))
            OR (coalesce(OLD.is_active, false) AND NOT coalesce(NEW.is_active, false))
            OR OLD.site_id IS DISTINCT FROM NEW.site_id) THEN
            lost := OLD.portal_user_id;
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'user', 'user_id', lost, 'reason', 'access_changed')::text);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.portal_user_id IS NOT NULL
           AND NEW.portal_user_id IS DISTINCT FROM lost AND (
               TG_OP = 'INSERT'
            OR OLD.portal_user_id IS DISTINCT FROM NEW.portal_user_id
            OR (NOT coalesce(OLD.portal_enabled, false) AND coalesce(NEW.portal_enabled, false))
            OR (NOT coalesce(OLD.is_active, false) AND coalesce(NEW.is_active, false))
            OR OLD.site_id IS DISTINCT FROM NEW.site_id) THEN
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'user', 'user_id', NEW.portal_user_id, 'reason', 'access_changed')::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'service_requests' THEN
        IF TG_OP = 'DELETE'
           OR OLD.assigned_work_order_id IS DISTINCT FROM NEW.assigned_work_order_id
           OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
           OR OLD.site_id IS DISTINCT FROM NEW.site_id THEN
            SELECT t.portal_user_id INTO portal FROM tenants t WHERE t.id = OLD.tenant_id;
            -- Only a request that granted something (a linked work order) can take it away.
            IF portal IS NOT NULL AND OLD.assigned_work_order_id IS NOT NULL THEN
                PERFORM pg_notify('sitesync_session_end', json_build_object(
                    'kind', 'user', 'user_id', portal, 'reason', 'access_changed')::text);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER tenants_realtime_access_end ON tenants;
CREATE TRIGGER tenants_realtime_access_end
    AFTER INSERT OR UPDATE OF portal_user_id, portal_enabled, is_active, site_id OR DELETE
    ON tenants
    FOR EACH ROW EXECUTE FUNCTION realtime_tenant_access_end();
