-- 0091 direct messages: conversations, who may message whom (added; docs/messaging.md)
--
-- * Every message belongs to a conversation (thread_id). A message inserted without one
--   (by any writer: the API, a script, plain SQL) joins the pair's latest conversation,
--   or starts one; a lock on the pair makes two first messages racing in opposite
--   directions land in the same conversation.
-- * conversations: one row per participant and conversation, kept by triggers, so a
--   user's conversation list is an index range (newest first) instead of a scan of every
--   message they ever sent or received.
-- * app_may_message(): who may message whom, in one place (SECURITY DEFINER: the rules
--   look at users, profiles and job applications of other organisations).
-- * conversation_partners(): the names of the people one has conversations with, who may
--   be in other organisations (users RLS shows only colleagues).

-- Backfill for databases that already hold messages without a conversation: one per pair.
UPDATE messages
   SET thread_id = md5('pair:' || least(sender_id, recipient_id)::text || ':'
                       || greatest(sender_id, recipient_id)::text)::uuid
 WHERE thread_id IS NULL;
UPDATE messages SET is_read = false WHERE is_read IS NULL;
UPDATE messages SET created_at = now() WHERE created_at IS NULL;

ALTER TABLE messages
    ALTER COLUMN thread_id SET NOT NULL,
    ALTER COLUMN is_read SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ADD CONSTRAINT messages_not_to_self CHECK (sender_id <> recipient_id),
    ADD CONSTRAINT messages_content_length CHECK (length(content) BETWEEN 1 AND 20000),
    ADD CONSTRAINT messages_attachments_count
        CHECK (attachment_document_ids IS NULL OR cardinality(attachment_document_ids) <= 10);

-- A conversation's history, newest first, in keyset pages.
CREATE INDEX idx_messages_thread_created ON messages (thread_id, created_at DESC, id DESC);
-- Unread messages per conversation (the conversation list's counts).
CREATE INDEX idx_messages_unread_thread ON messages (recipient_id, thread_id) WHERE is_read = false;

CREATE TABLE conversations (
    thread_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    other_user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_message_id UUID NOT NULL,
    last_message_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, thread_id)
);

CREATE INDEX idx_conversations_recent ON conversations (user_id, last_message_at DESC, thread_id DESC);
CREATE INDEX idx_conversations_pair ON conversations (user_id, other_user_id, last_message_at DESC);
CREATE INDEX idx_conversations_thread ON conversations (thread_id);

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
-- One's own side of one's conversations; written only by the triggers below.
CREATE POLICY conversations_select ON conversations FOR SELECT
    USING (user_id = app_current_user());
REVOKE ALL ON conversations FROM sitesync_app;
GRANT SELECT ON conversations TO sitesync_app;
GRANT ALL ON conversations TO sitesync_service;

INSERT INTO conversations (thread_id, user_id, other_user_id, last_message_id, last_message_at)
SELECT DISTINCT ON (m.thread_id, p.user_id) m.thread_id, p.user_id, p.other_user_id, m.id, m.created_at
  FROM messages m
 CROSS JOIN LATERAL (VALUES (m.sender_id, m.recipient_id), (m.recipient_id, m.sender_id))
       AS p(user_id, other_user_id)
 ORDER BY m.thread_id, p.user_id, m.created_at DESC, m.id DESC;

-- BEFORE INSERT: a message without a conversation joins the pair's latest one or starts one.
CREATE FUNCTION messages_assign_thread() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF NEW.thread_id IS NULL THEN
        -- Serialises the pair's first messages: the second waits for the first to commit
        -- and then finds its conversation (each statement below takes a new snapshot).
        PERFORM pg_advisory_xact_lock(hashtextextended(
            'message-pair:' || least(NEW.sender_id, NEW.recipient_id)::text || ':'
            || greatest(NEW.sender_id, NEW.recipient_id)::text, 0));
        SELECT c.thread_id INTO NEW.thread_id
          FROM conversations c
         WHERE c.user_id = NEW.sender_id AND c.other_user_id = NEW.recipient_id
         ORDER BY c.last_message_at DESC
         LIMIT 1;
        NEW.thread_id := coalesce(NEW.thread_id, gen_random_uuid());
    END IF;
    RETURN NEW;
END
$$;

-- AFTER INSERT/DELETE: both participants' rows follow the conversation's last message.
CREATE FUNCTION messages_conversations() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Both rows in one statement, in user id order, so concurrent messages of one
        -- conversation lock them in the same order (no deadlock).
        INSERT INTO conversations AS c (thread_id, user_id, other_user_id, last_message_id, last_message_at)
        SELECT NEW.thread_id, p.user_id, p.other_user_id, NEW.id, NEW.created_at
          FROM (VALUES (NEW.sender_id, NEW.recipient_id), (NEW.recipient_id, NEW.sender_id))
               AS p(user_id, other_user_id)
         ORDER BY p.user_id
        ON CONFLICT (user_id, thread_id) DO UPDATE
           SET last_message_id = EXCLUDED.last_message_id,
               last_message_at = EXCLUDED.last_message_at
         WHERE (c.last_message_at, c.last_message_id) < (EXCLUDED.last_message_at, EXCLUDED.last_message_id);
        RETURN NULL;
    END IF;
    -- DELETE (a sender unsending): the conversation falls back to its previous message.
    UPDATE conversations c
       SET last_message_id = last.id, last_message_at = last.created_at
      FROM (SELECT m.id, m.created_at FROM messages m WHERE m.thread_id = OLD.thread_id
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS last
     WHERE c.thread_id = OLD.thread_id AND c.last_message_id = OLD.id;
    DELETE FROM conversations c
     WHERE c.thread_id = OLD.thread_id
       AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = OLD.thread_id);
    RETURN NULL;
END
$$;

ALTER FUNCTION messages_assign_thread() OWNER TO sitesync_service;
ALTER FUNCTION messages_conversations() OWNER TO sitesync_service;

CREATE TRIGGER messages_assign_thread BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_assign_thread();
CREATE TRIGGER messages_conversations AFTER INSERT OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_conversations();

-- Who may message whom (docs/messaging.md, "Who may message whom"). The caller is
-- app.current_user in app.current_org. A recipient must be another live user, and one of:
--   1. a member of the caller's current organisation;
--   2. someone the caller already has a conversation with (either of them started it);
--   3. a technician open to opportunities (their profile's availability_status is
--      open_to_opportunities or actively_looking, and the profile is not private), when
--      the caller is staff of an organisation (any role but guest);
--   4. the other side of an open job application (not hired, rejected or withdrawn):
--      staff of the listing's organisation may message the applicant, and the applicant
--      the user who posted the listing.
CREATE FUNCTION app_may_message(p_recipient uuid) RETURNS boolean
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT p_recipient IS DISTINCT FROM app_current_user()
       AND app_current_user() IS NOT NULL
       AND EXISTS (SELECT 1 FROM users r
                    WHERE r.id = p_recipient AND r.deleted_at IS NULL AND r.is_active IS NOT FALSE)
       AND (
            EXISTS (SELECT 1 FROM users r
                     WHERE r.id = p_recipient AND r.organization_id = app_current_org())
         OR EXISTS (SELECT 1 FROM conversations c
                     WHERE c.user_id = app_current_user() AND c.other_user_id = p_recipient)
         OR (app_current_org() IS NOT NULL
             AND EXISTS (SELECT 1 FROM users s
                          WHERE s.id = app_current_user() AND s.organization_id = app_current_org()
                            AND s.role IS DISTINCT FROM 'guest'
                            AND s.deleted_at IS NULL AND s.is_active IS NOT FALSE)
             AND EXISTS (SELECT 1 FROM technician_profiles tp
                          WHERE tp.user_id = p_recipient
                            AND tp.availability_status IN ('open_to_opportunities', 'actively_looking')
                            AND tp.profile_visibility IS DISTINCT FROM 'private'))
         OR EXISTS (SELECT 1 FROM job_applications a
                      JOIN job_listings l ON l.id = a.job_listing_id
                     WHERE a.status NOT IN ('hired', 'rejected', 'withdrawn')
                       AND ((a.applicant_id = p_recipient
                             AND l.organization_id = app_current_org())
                         OR (a.applicant_id = app_current_user() AND l.posted_by = p_recipient)))
       )
$$;

-- The public face (name, avatar) of the people the caller has conversations with.
CREATE FUNCTION conversation_partners(p_user_ids uuid[])
RETURNS TABLE (id uuid, display_name text, first_name text, last_name text, avatar_url text)
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT u.id, u.display_name, u.first_name, u.last_name, u.avatar_url
      FROM users u
     WHERE u.id = ANY (p_user_ids)
       AND EXISTS (SELECT 1 FROM conversations c
                    WHERE c.user_id = app_current_user() AND c.other_user_id = u.id)
$$;

ALTER FUNCTION app_may_message(uuid) OWNER TO sitesync_service;
ALTER FUNCTION conversation_partners(uuid[]) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION app_may_message(uuid), conversation_partners(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_may_message(uuid), conversation_partners(uuid[])
    TO sitesync_app, sitesync_service;
