-- 0052 end a tenant portal user's sockets when their access changes
--
-- A tenant portal user is admitted to a work_order: topic through their service request's
-- assigned_work_order_id, and to tenant:/service_request: topics through
-- tenants.portal_user_id. Admission is decided at subscribe, so when that link changes
-- (the portal user is replaced or disabled, the tenant leaves, or the request is re-linked
-- to another work order or tenant) the affected portal user's sockets are ended with
-- reason 'access_changed'; the client reconnects and re-subscribes, and admission is
-- decided again under the new links. Same channel and payload shape as 0051.

CREATE FUNCTION realtime_tenant_access_end() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    portal uuid;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        IF OLD.portal_user_id IS NOT NULL AND (
               TG_OP = 'DELETE'
            OR OLD.portal_user_id IS DISTINCT FROM NEW.portal_user_id
            OR (coalesce(OLD.portal_enabled, false) AND NOT coalesce(NEW.portal_enabled, false))
            OR (coalesce(OLD.is_active, false) AND NOT coalesce(NEW.is_active, false))
            OR OLD.site_id IS DISTINCT FROM NEW.site_id) THEN
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'user', 'user_id', OLD.portal_user_id, 'reason', 'access_changed')::text);
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

COMMENT ON FUNCTION realtime_tenant_access_end() IS
    'AFTER trigger: NOTIFY sitesync_session_end when a tenant portal user''s admission links change';

ALTER FUNCTION realtime_tenant_access_end() OWNER TO sitesync_service;

CREATE TRIGGER tenants_realtime_access_end
    AFTER UPDATE OF portal_user_id, portal_enabled, is_active, site_id OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION realtime_tenant_access_end();
CREATE TRIGGER service_requests_realtime_access_end
    AFTER UPDATE OF assigned_work_order_id, tenant_id, site_id OR DELETE ON service_requests
    FOR EACH ROW EXECUTE FUNCTION realtime_tenant_access_end();
