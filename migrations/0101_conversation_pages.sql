-- 0101 a conversation's history, one index range at any length (added; docs/messaging.md)
--
-- Under the messages SELECT policy (sender or recipient is me), the planner multiplies
-- the conversation's rows by the policy's selectivity over all messages as if they were
-- independent, when every message of the conversation passes it. For a long conversation
-- it then fetches all of its rows, ANDs bitmaps of the sender and recipient indexes and
-- sorts them, instead of reading the newest 50 along idx_messages_thread_created (74 ms
-- instead of well under 1 ms for 4,500 messages; docs/benchmarks.md, "Direct messages").
--
-- conversation_page_ids() returns the page's ids along that index, without the policy but
-- only to a participant of the conversation (their conversations row), and the history
-- query then reads those rows from messages under the policy as usual, so what a caller
-- receives is still decided by RLS.
--
-- That the function returns nothing but the caller's own messages rests on one invariant,
-- enforced here for every writer (plain SQL included): a conversation is between two
-- people. A message given a thread_id must be between that thread's two participants, and
-- a message's sender, recipient and thread never change. (Repeating the policy inside the
-- function instead would bring the misestimate, and the 74 ms plan, back.)

-- BEFORE INSERT: as in 0091, plus the check of a given thread_id.
CREATE OR REPLACE FUNCTION messages_assign_thread() RETURNS trigger
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
    ELSE
        -- Serialises first messages of one new thread id (two pairs racing for one id
        -- would otherwise both find it empty); later messages of a conversation are
        -- serialised by its conversations rows anyway.
        PERFORM pg_advisory_xact_lock(hashtextextended('message-thread:' || NEW.thread_id::text, 0));
        IF EXISTS (SELECT 1 FROM conversations c
                    WHERE c.thread_id = NEW.thread_id
                      AND c.user_id NOT IN (NEW.sender_id, NEW.recipient_id)) THEN
            RAISE EXCEPTION 'message thread % belongs to another pair of users', NEW.thread_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'messages_thread_pair';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- A message stays between the same people in the same conversation (read marks and
-- edits change other columns).
CREATE FUNCTION messages_keep_pair() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'a message''s sender, recipient and thread cannot change'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'messages_thread_pair';
END
$$;

CREATE TRIGGER messages_keep_pair BEFORE UPDATE OF sender_id, recipient_id, thread_id ON messages
    FOR EACH ROW
    WHEN (OLD.sender_id IS DISTINCT FROM NEW.sender_id
          OR OLD.recipient_id IS DISTINCT FROM NEW.recipient_id
          OR OLD.thread_id IS DISTINCT FROM NEW.thread_id)
    EXECUTE FUNCTION messages_keep_pair();

CREATE FUNCTION conversation_page_ids(
    p_thread uuid,
    p_before_at timestamptz,
    p_before_id uuid,
    p_limit int
) RETURNS TABLE (id uuid)
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
    ROWS 50
AS $$
    SELECT m.id
      FROM messages m
     WHERE m.thread_id = p_thread
       AND EXISTS (SELECT 1 FROM conversations c
                    WHERE c.user_id = app_current_user() AND c.thread_id = p_thread)
       AND (m.created_at, m.id)
           < (coalesce(p_before_at, 'infinity'), coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
     ORDER BY m.created_at DESC, m.id DESC
     LIMIT least(greatest(p_limit, 0), 1000)
$$;

ALTER FUNCTION messages_keep_pair() OWNER TO sitesync_service;
ALTER FUNCTION conversation_page_ids(uuid, timestamptz, uuid, int) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION conversation_page_ids(uuid, timestamptz, uuid, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION conversation_page_ids(uuid, timestamptz, uuid, int)
    TO sitesync_app, sitesync_service;
