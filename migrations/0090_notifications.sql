-- 0090 notifications: created by domain events, delivered once per channel
-- (added; docs/notifications.md)
--
-- * dedupe_key: the identity of the domain event that caused a notification. One event
--   notifies each recipient once, however often it is replayed (a retried job, a
--   redelivered message): the unique index below makes the second insert a no-op.
-- * is_urgent: the notification may go out by SMS (the `sms.emergency` preference);
--   e-mail and push follow the type's categories (shared/notifications.ts).
-- * notifications_create(): the one way notifications are written (server/notifications/
--   notify.ts). It runs in the caller's transaction, so a notification exists exactly when
--   the change that caused it commits. The recipients of a domain event are often outside
--   the writer's organisation (a forum reply's author, a job applicant, a contractor's own
--   user, a DM recipient), where the seed's INSERT policy (recipient in the current
--   organisation) cannot follow; so it is SECURITY DEFINER, owned by the BYPASSRLS service
--   role, and trusts its caller for the choice of recipients. The callers choose them from
--   rows they read under their own RLS context (the thread they reply to, the work
--   order they assign...), never from client input. The function itself only writes
--   notifications, only to live users, and answers only the ids it inserted: the caller
--   can neither read other users' notifications nor learn anything but how many of its
--   recipients were new.

ALTER TABLE notifications
    ADD COLUMN dedupe_key TEXT,
    ADD COLUMN is_urgent BOOLEAN NOT NULL DEFAULT false,
    ADD CONSTRAINT notifications_dedupe_key_length CHECK (length(dedupe_key) BETWEEN 1 AND 300),
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN is_read SET NOT NULL,
    ALTER COLUMN email_sent SET NOT NULL,
    ALTER COLUMN push_sent SET NOT NULL,
    ALTER COLUMN sms_sent SET NOT NULL;

CREATE UNIQUE INDEX notifications_user_dedupe ON notifications (user_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;

-- A user's list, newest first, in keyset pages (created_at, id); the seed's
-- idx_notification_read (user_id, is_read) WHERE NOT is_read serves the unread count.
CREATE INDEX idx_notifications_user_created ON notifications (user_id, created_at DESC, id DESC);

CREATE FUNCTION notifications_create(
    p_user_ids uuid[],
    p_type text,
    p_title text,
    p_message text,
    p_link_type text,
    p_link_id uuid,
    p_link_url text,
    p_dedupe_key text,
    p_is_urgent boolean,
    p_include_actor boolean
) RETURNS SETOF uuid
    LANGUAGE sql
    VOLATILE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    INSERT INTO notifications (user_id, notification_type, title, message, link_type, link_id,
                               link_url, dedupe_key, is_urgent)
    SELECT u.id, p_type, p_title, p_message, p_link_type, p_link_id, p_link_url, p_dedupe_key,
           p_is_urgent
      FROM users u
     WHERE u.id = ANY (p_user_ids)
       AND u.deleted_at IS NULL
       AND u.is_active IS NOT FALSE
       -- Nobody is told about what they did themselves (unless the caller asks).
       AND (p_include_actor OR u.id IS DISTINCT FROM app_current_user())
     ORDER BY u.id
    ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id
$$;

ALTER FUNCTION notifications_create(uuid[], text, text, text, text, uuid, text, text, boolean, boolean)
    OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION notifications_create(uuid[], text, text, text, text, uuid, text, text, boolean, boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION notifications_create(uuid[], text, text, text, text, uuid, text, text, boolean, boolean)
    TO sitesync_app, sitesync_service;

-- Web Push subscriptions (added; not in the seed): one row per browser or device a user
-- allowed notifications on. The endpoint is a capability URL at the browser vendor's push
-- service, and p256dh/auth are the keys the payload is encrypted for, so only the user
-- reads or changes their own rows; the delivery job reads them as the service role.
CREATE TABLE push_subscriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL CHECK (length(endpoint) BETWEEN 10 AND 2048),
    p256dh TEXT NOT NULL CHECK (length(p256dh) BETWEEN 20 AND 200),
    auth TEXT NOT NULL CHECK (length(auth) BETWEEN 8 AND 100),
    user_agent TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_success_at TIMESTAMPTZ,
    UNIQUE (user_id, endpoint)
);

CREATE INDEX idx_push_subscriptions_user ON push_subscriptions (user_id, created_at DESC, id DESC);

ALTER TABLE push_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY push_subscriptions_own ON push_subscriptions FOR ALL
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON push_subscriptions TO sitesync_app;
GRANT ALL ON push_subscriptions TO sitesync_service;
