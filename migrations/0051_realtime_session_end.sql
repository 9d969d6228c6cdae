-- 0051 realtime session end
--
-- Sockets authenticate once, at the handshake. So that revocation still ends
-- them within a second, every change that ends a credential NOTIFYs the
-- 'sitesync_session_end' channel; every hub node LISTENs and disconnects its
-- own matching sockets. The payload is small JSON (ids and a reason).
-- NOTIFY is transactional: a rolled-back revocation ends nothing.

CREATE FUNCTION realtime_session_end() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_reason text;
BEGIN
    IF TG_TABLE_NAME = 'user_sessions' THEN
        IF TG_OP = 'DELETE'
           OR (coalesce(OLD.is_active, false) AND NOT coalesce(NEW.is_active, false))
           OR (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
           OR (NEW.expires_at <= now() AND OLD.expires_at > now()) THEN
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'session', 'session_id', OLD.id, 'user_id', OLD.user_id,
                'reason', 'session_revoked')::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        IF TG_OP = 'DELETE' OR (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
           OR (coalesce(OLD.is_active, false) AND NOT coalesce(NEW.is_active, false)) THEN
            v_reason := 'user_deactivated';
        ELSIF OLD.organization_id IS DISTINCT FROM NEW.organization_id THEN
            v_reason := 'removed_from_organization';
        ELSIF OLD.role IS DISTINCT FROM NEW.role THEN
            -- Admission was decided under the old role; the client re-subscribes.
            v_reason := 'role_changed';
        END IF;
        IF v_reason IS NOT NULL THEN
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'user', 'user_id', OLD.id, 'reason', v_reason)::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        IF TG_OP = 'DELETE'
           OR (coalesce(OLD.is_active, false) AND NOT coalesce(NEW.is_active, false))
           OR (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
           OR (NEW.expires_at IS NOT NULL AND NEW.expires_at <= now()
               AND (OLD.expires_at IS NULL OR OLD.expires_at > now())) THEN
            PERFORM pg_notify('sitesync_session_end', json_build_object(
                'kind', 'api_key', 'api_key_id', OLD.id, 'user_id', OLD.created_by,
                'reason', 'api_key_revoked')::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION realtime_session_end() IS
    'AFTER trigger: NOTIFY sitesync_session_end when a session, user or API key stops being usable';

ALTER FUNCTION realtime_session_end() OWNER TO sitesync_service;

CREATE TRIGGER user_sessions_realtime_session_end
    AFTER UPDATE OF is_active, revoked_at, expires_at OR DELETE ON user_sessions
    FOR EACH ROW EXECUTE FUNCTION realtime_session_end();
CREATE TRIGGER users_realtime_session_end
    AFTER UPDATE OF is_active, deleted_at, organization_id, role OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION realtime_session_end();
CREATE TRIGGER api_keys_realtime_session_end
    AFTER UPDATE OF is_active, revoked_at, expires_at OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION realtime_session_end();
