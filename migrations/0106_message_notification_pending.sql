-- 0106 one message_received notification per run, also for messages sent at the same moment
-- (added; docs/messaging.md, "Notifications of a message")
--
-- The notification of an offline recipient is keyed on the first message of the run they
-- have not read. Messages sent at the same moment can disagree on that first message (each
-- transaction's created_at is its start, so the one that commits second may hold the older
-- message), and each then created its own notification. Sends within a conversation are
-- serialised by its conversations rows (the insert trigger's upsert locks them until
-- commit), so a send that looks after its insert sees every notification the earlier ones
-- committed: message_notification_pending() tells it whether the recipient already has an
-- unread message_received notification of the conversation, and then it adds none.
--
-- SECURITY DEFINER because notifications are visible to their own user only. It answers
-- only to a participant of the conversation, and only one bit, about the other participant
-- and this conversation: whether they have an unread notification of it, which says no more
-- than the read receipts the sender already gets.
CREATE FUNCTION message_notification_pending(p_thread uuid, p_recipient uuid) RETURNS boolean
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM conversations c
                    WHERE c.user_id = app_current_user() AND c.thread_id = p_thread
                      AND c.other_user_id = p_recipient)
       AND EXISTS (SELECT 1 FROM notifications n
                    WHERE n.user_id = p_recipient AND n.is_read = false
                      AND n.notification_type = 'message_received'
                      AND n.link_type = 'conversation' AND n.link_id = p_thread)
$$;

ALTER FUNCTION message_notification_pending(uuid, uuid) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION message_notification_pending(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION message_notification_pending(uuid, uuid) TO sitesync_app, sitesync_service;
