-- 0105 a reply needs an open thread, decided under the thread's row lock (docs/forums.md)
--
-- The API refuses a reply to a closed or locked thread (409), but it reads the thread's
-- status without a lock: a reply racing a moderator's lock read 'open', inserted, and its
-- counter trigger then waited for the lock's commit and went ahead, so a locked thread
-- took a reply. This BEFORE INSERT trigger takes the thread's row lock first (the counter
-- trigger takes it anyway, so replies to one thread were already serialised there) and
-- reads the status after any status change in flight has committed: the reply is either
-- before the lock (it commits first, the lock waits for it) or refused.
--
-- It applies to requests (a user context, app.current_user set); the service role's
-- loaders (demo data, benchmarks) write history as it was. SECURITY DEFINER, owned by the
-- BYPASSRLS service role, because a replier may not lock a thread row through RLS (FOR
-- UPDATE needs the UPDATE policy, which is the author's and the moderators').
-- ERRCODE 55000 (object_not_in_prerequisite_state) is answered 409 by the API.

CREATE FUNCTION forum_posts_need_open_thread() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_status text;
    v_deleted timestamptz;
BEGIN
    IF app_current_user() IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT t.status, t.deleted_at INTO v_status, v_deleted
      FROM forum_threads t WHERE t.id = NEW.thread_id
       FOR NO KEY UPDATE;
    IF FOUND AND (v_deleted IS NOT NULL OR v_status IN ('closed', 'locked')) THEN
        RAISE EXCEPTION 'the thread is %: it takes no replies',
              CASE WHEN v_deleted IS NOT NULL THEN 'deleted' ELSE v_status END
            USING ERRCODE = '55000';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER forum_posts_need_open_thread
    BEFORE INSERT ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION forum_posts_need_open_thread();
ALTER FUNCTION forum_posts_need_open_thread() OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_posts_need_open_thread() FROM PUBLIC;
