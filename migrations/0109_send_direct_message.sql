-- 0109 a direct message's checks and insert in one statement (docs/messaging.md, "Sending")
--
-- message.send cost six round trips to Postgres for the common case (BEGIN, set_config of
-- the sender, app_may_message(), the insert, COMMIT, and the pool's DISCARD ALL), and at
-- 200 sends/s on two cores the hub spent more time writing to Postgres sockets than doing
-- anything else (docs/benchmarks.md, "Direct messages"). send_direct_message() does the
-- same work in one call: it sets the sender's RLS context transaction-locally, refuses
-- what the sender may not send, and inserts the row, all as the caller (SECURITY INVOKER:
-- sitesync_app under RLS, exactly as before). Called as a statement of its own it is its
-- own transaction, and the settings vanish at its end like withTenant's.
--
-- The checks, in the order the API has always applied them:
--   1. the recipient must be reachable (app_may_message(), migrations/0091);
--   2. a given conversation must be the sender's with that recipient;
--   3. a context link must name a row the sender may see (the caller decides, under the
--      same RLS context, with server/db/visible-rows.ts, and passes the answer);
--   4. attachments must be documents the sender may see, not deleted, and the recipient
--      (the caller asks under the recipient's RLS context and passes the answer).
-- A refusal raises SQLSTATE SM404 (message: what was not found: 'Recipient',
-- 'Conversation', 'context') or SM422 (attachments); nothing is written.
--
-- Idempotency (issue 13): a send may carry the sender's own key (`idempotency_key`). The
-- first send with a key writes the message and records the key; a retry with the same key
-- writes nothing and returns the stored message (`replayed`), so no second row, event or
-- notification. A key reused for a different recipient or content is refused (SM409).
-- Keys live in their own table, so the message row and its events do not change, and are
-- the sender's only (RLS). A concurrent retry waits on the key's row for the first to
-- commit (or roll back) and then replays (or goes ahead).
CREATE TABLE message_send_keys (
    sender_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- NULL only inside the sending transaction, between the key's claim and the insert.
    message_id uuid REFERENCES messages(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender_id, idempotency_key)
);
CREATE INDEX idx_message_send_keys_message ON message_send_keys (message_id);
ALTER TABLE message_send_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_send_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY message_send_keys_own ON message_send_keys
    USING (sender_id = app_current_user())
    WITH CHECK (sender_id = app_current_user());
GRANT SELECT, INSERT, UPDATE ON message_send_keys TO sitesync_app;
GRANT ALL ON message_send_keys TO sitesync_service;

CREATE FUNCTION send_direct_message(
    p_org text,
    p_user text,
    p_recipient uuid,
    p_content text,
    p_thread_id uuid,
    p_new_conversation boolean,
    p_subject text,
    p_context_type text,
    p_context_id uuid,
    p_context_visible boolean,
    p_attachments uuid[],
    p_recipient_sees_attachments boolean,
    p_idempotency_key text)
RETURNS TABLE (message messages, replayed boolean)
    LANGUAGE plpgsql
    SECURITY INVOKER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_row messages;
BEGIN
    PERFORM set_config('app.current_org', coalesce(p_org, ''), true),
            set_config('app.current_user', coalesce(p_user, ''), true);
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO message_send_keys (sender_id, idempotency_key)
        VALUES (app_current_user(), p_idempotency_key)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            SELECT m.* INTO v_row
              FROM message_send_keys k JOIN messages m ON m.id = k.message_id
             WHERE k.sender_id = app_current_user() AND k.idempotency_key = p_idempotency_key;
            IF NOT FOUND OR v_row.recipient_id IS DISTINCT FROM p_recipient
               OR v_row.content IS DISTINCT FROM p_content THEN
                RAISE EXCEPTION 'idempotency_key' USING ERRCODE = 'SM409';
            END IF;
            RETURN QUERY SELECT v_row, true;
            RETURN;
        END IF;
    END IF;
    IF NOT app_may_message(p_recipient) THEN
        RAISE EXCEPTION 'Recipient' USING ERRCODE = 'SM404';
    END IF;
    IF p_thread_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM conversations c
         WHERE c.user_id = app_current_user() AND c.thread_id = p_thread_id
           AND c.other_user_id = p_recipient) THEN
        RAISE EXCEPTION 'Conversation' USING ERRCODE = 'SM404';
    END IF;
    IF p_context_type IS NOT NULL AND p_context_visible IS NOT TRUE THEN
        RAISE EXCEPTION 'context' USING ERRCODE = 'SM404';
    END IF;
    IF p_attachments IS NOT NULL AND (
        p_recipient_sees_attachments IS NOT TRUE
        OR (SELECT count(*) FROM documents d
             WHERE d.id = ANY (p_attachments) AND d.deleted_at IS NULL)
           <> (SELECT count(DISTINCT a) FROM unnest(p_attachments) AS a)) THEN
        RAISE EXCEPTION 'attachments' USING ERRCODE = 'SM422';
    END IF;
    INSERT INTO messages (sender_id, recipient_id, content, thread_id, subject, context_type,
                          context_id, attachment_document_ids)
    VALUES (app_current_user(), p_recipient, p_content,
            CASE WHEN p_new_conversation THEN gen_random_uuid() ELSE p_thread_id END,
            p_subject, p_context_type, p_context_id, p_attachments)
    RETURNING * INTO v_row;
    IF p_idempotency_key IS NOT NULL THEN
        UPDATE message_send_keys SET message_id = v_row.id
         WHERE sender_id = app_current_user() AND idempotency_key = p_idempotency_key;
    END IF;
    RETURN QUERY SELECT v_row, false;
END
$$;

REVOKE ALL ON FUNCTION send_direct_message(text, text, uuid, text, uuid, boolean, text, text,
    uuid, boolean, uuid[], boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION send_direct_message(text, text, uuid, text, uuid, boolean, text, text,
    uuid, boolean, uuid[], boolean, text) TO sitesync_app;
