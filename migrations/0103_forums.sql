-- 0103 forums: ownership, visibility, moderation, votes, counters, search (docs/forums.md)
--
-- What 0004 (the seed's tables) lacked for the forum API:
--   * forum_categories.organization_id: the organisation that owns a category
--     (scope organization/portfolio), NULL for a platform category
--     (global/trade/manufacturer/region). Visibility 'organization' means that
--     organisation's members.
--   * visibility and required_user_type are one rule for reading (lists, reads,
--     search, socket admission all go through this RLS), and required_user_type
--     also limits who may post in a public category.
--   * moderators: a platform category's are the platform administrators
--     (users.user_type = 'admin'); an organisation's category's are that
--     organisation's owners and admins. They see inactive categories and held
--     posts, approve, pin, lock and delete.
--   * moderation: in a requires_moderation category a non-moderator's thread
--     or post is inserted with is_approved = false (a trigger decides, whoever
--     writes), visible only to its author and the moderators, and not counted.
--   * forum_threads.content/content_html: the opening text of a thread (the
--     seed's thread has a title only); posts are the replies.
--   * votes: one upvote per user per thread or post (forum_thread_votes,
--     forum_post_votes), upvote_count kept by triggers.
--   * counters count approved, live rows only; the clients cannot write them
--     (column privileges), only the SECURITY DEFINER triggers do.
--   * full-text indexes for GET /api/v1/forum-search.

-- ---------------------------------------------------------------------------
-- Who is asking
-- ---------------------------------------------------------------------------
CREATE FUNCTION app_current_user_type() RETURNS text
    LANGUAGE sql STABLE
AS $$
    SELECT u.user_type::text FROM public.users u
     WHERE u.id = public.app_current_user()
       AND coalesce(u.is_active, false) AND u.deleted_at IS NULL
$$;

COMMENT ON FUNCTION app_current_user_type() IS
    'users.user_type of the current user (NULL without a user or when inactive)';

CREATE FUNCTION app_is_platform_admin() RETURNS boolean
    LANGUAGE sql STABLE
AS $$ SELECT coalesce(public.app_current_user_type() = 'admin', false) $$;

-- A category's moderators: platform admins for platform categories (no
-- organisation), the owning organisation's owners/admins otherwise. Written as
-- one inlinable expression; policies call it per row, its sub-selects run once.
CREATE FUNCTION app_is_forum_moderator(p_organization_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN p_organization_id IS NULL THEN (SELECT public.app_is_platform_admin())
                ELSE p_organization_id = public.app_current_org()
                     AND (SELECT public.app_is_org_admin()) END
$$;

COMMENT ON FUNCTION app_is_forum_moderator(uuid) IS
    'True when the current user moderates categories owned by the given organisation (NULL = platform categories)';

GRANT EXECUTE ON FUNCTION app_current_user_type(), app_is_platform_admin(),
                          app_is_forum_moderator(uuid)
    TO sitesync_app, sitesync_service;

-- ---------------------------------------------------------------------------
-- forum_categories
-- ---------------------------------------------------------------------------
ALTER TABLE forum_categories ADD COLUMN organization_id UUID REFERENCES organizations(id);
UPDATE forum_categories SET organization_id = scope_value::uuid
 WHERE scope_type = 'organization'
   AND scope_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

UPDATE forum_categories SET visibility = 'public' WHERE visibility IS NULL;
UPDATE forum_categories SET thread_count = 0 WHERE thread_count IS NULL;
UPDATE forum_categories SET post_count = 0 WHERE post_count IS NULL;
UPDATE forum_categories SET display_order = 0 WHERE display_order IS NULL;
UPDATE forum_categories SET created_at = now() WHERE created_at IS NULL;
ALTER TABLE forum_categories
    ALTER COLUMN visibility SET NOT NULL,
    ALTER COLUMN display_order SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN thread_count SET NOT NULL,
    ALTER COLUMN post_count SET NOT NULL,
    -- Organisation and portfolio categories belong to an organisation; the others are
    -- the platform's.
    ADD CONSTRAINT forum_categories_owner_check
        CHECK ((scope_type IN ('organization', 'portfolio')) = (organization_id IS NOT NULL)),
    ADD CONSTRAINT forum_categories_organization_scope_check
        CHECK (scope_type <> 'organization' OR scope_value = organization_id::text),
    ADD CONSTRAINT forum_categories_parent_check CHECK (parent_id IS DISTINCT FROM id);

-- The owner follows from the scope when the writer leaves it out: an organisation
-- category's scope_value is its organisation's id (and the other way round), a portfolio
-- category belongs to the writer's organisation.
CREATE FUNCTION forum_categories_set_owner() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.organization_id IS NULL THEN
        IF NEW.scope_type = 'organization'
           AND NEW.scope_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            NEW.organization_id := NEW.scope_value::uuid;
        ELSIF NEW.scope_type = 'portfolio' THEN
            NEW.organization_id := app_current_org();
        END IF;
    END IF;
    IF NEW.scope_type = 'organization' AND NEW.scope_value IS NULL THEN
        NEW.scope_value := NEW.organization_id::text;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER forum_categories_set_owner
    BEFORE INSERT ON forum_categories
    FOR EACH ROW EXECUTE FUNCTION forum_categories_set_owner();

CREATE INDEX idx_forum_cat_organization ON forum_categories (organization_id);
-- A slug names one category of its owner (the platform, or one organisation).
CREATE UNIQUE INDEX idx_forum_cat_owner_slug ON forum_categories
    (coalesce(organization_id, '00000000-0000-0000-0000-000000000000'::uuid), slug);

DROP POLICY forum_categories_select ON forum_categories;
DROP POLICY forum_categories_insert ON forum_categories;
DROP POLICY forum_categories_update ON forum_categories;
DROP POLICY forum_categories_delete ON forum_categories;

-- Moderators see all of theirs (inactive too). Everyone else sees active ones:
--   public         anyone, even without a user context
--   authenticated  any signed-in user          } of required_user_type
--   role_based     any signed-in user          } when it is set
--   organization   members of organization_id  }
CREATE POLICY forum_categories_select ON forum_categories FOR SELECT
    USING (app_is_forum_moderator(organization_id)
           OR (is_active IS NOT FALSE
               AND (visibility = 'public'
                    OR (app_current_user() IS NOT NULL
                        AND (required_user_type IS NULL
                             OR required_user_type = (SELECT app_current_user_type()))
                        AND (visibility IN ('authenticated', 'role_based')
                             OR (visibility = 'organization'
                                 AND organization_id = app_current_org()))))));
CREATE POLICY forum_categories_insert ON forum_categories FOR INSERT
    WITH CHECK (app_is_forum_moderator(organization_id));
CREATE POLICY forum_categories_update ON forum_categories FOR UPDATE
    USING (app_is_forum_moderator(organization_id))
    WITH CHECK (app_is_forum_moderator(organization_id));
CREATE POLICY forum_categories_delete ON forum_categories FOR DELETE
    USING (app_is_forum_moderator(organization_id));

-- Whether the current user may start threads or reply in a category: they see it, it
-- is active, and they are of its required_user_type (which a public category applies
-- to posting only). Evaluated under forum_categories' RLS.
CREATE FUNCTION app_can_post_in_forum_category(p_category_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.forum_categories c
         WHERE c.id = p_category_id
           AND public.app_current_user() IS NOT NULL
           AND c.is_active IS NOT FALSE
           AND (c.required_user_type IS NULL
                OR c.required_user_type = public.app_current_user_type()))
$$;
GRANT EXECUTE ON FUNCTION app_can_post_in_forum_category(uuid) TO sitesync_app, sitesync_service;

-- Counters are the triggers' (SECURITY DEFINER): clients write the rest.
REVOKE INSERT, UPDATE ON forum_categories FROM sitesync_app;
GRANT INSERT (id, parent_id, name, slug, description, icon, color, scope_type, scope_value,
              visibility, required_user_type, is_active, requires_moderation,
              allow_anonymous, display_order, organization_id)
    ON forum_categories TO sitesync_app;
GRANT UPDATE (parent_id, name, slug, description, icon, color, scope_value, visibility,
              required_user_type, is_active, requires_moderation, allow_anonymous,
              display_order)
    ON forum_categories TO sitesync_app;

-- ---------------------------------------------------------------------------
-- forum_threads
-- ---------------------------------------------------------------------------
-- Threads written before there was an opening text (the demo's, plain SQL) have ''.
ALTER TABLE forum_threads
    ADD COLUMN content TEXT NOT NULL DEFAULT '',
    ADD COLUMN content_html TEXT NOT NULL DEFAULT '';

UPDATE forum_threads SET view_count = 0 WHERE view_count IS NULL;
UPDATE forum_threads SET reply_count = 0 WHERE reply_count IS NULL;
UPDATE forum_threads SET upvote_count = 0 WHERE upvote_count IS NULL;
UPDATE forum_threads SET created_at = now() WHERE created_at IS NULL;
UPDATE forum_threads SET status = 'open' WHERE status IS NULL;
ALTER TABLE forum_threads
    ALTER COLUMN view_count SET NOT NULL,
    ALTER COLUMN reply_count SET NOT NULL,
    ALTER COLUMN upvote_count SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN status SET NOT NULL,
    ADD CONSTRAINT forum_threads_content_length_check CHECK (length(content) <= 50000);

-- Latest activity (the thread or its newest counted reply): the category page's sort.
ALTER TABLE forum_threads
    ADD COLUMN last_activity_at TIMESTAMPTZ NOT NULL
        GENERATED ALWAYS AS (coalesce(last_reply_at, created_at)) STORED;

-- /forum/<category>/<thread slug> names one thread.
CREATE UNIQUE INDEX idx_forum_thread_category_slug ON forum_threads (category_id, slug);
CREATE INDEX idx_forum_thread_category_activity ON forum_threads (category_id, last_activity_at DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX idx_forum_thread_held ON forum_threads (category_id) WHERE is_approved IS FALSE;
CREATE INDEX idx_forum_thread_text_fts ON forum_threads
    USING gin (to_tsvector('english'::regconfig,
        coalesce(title, '') || ' ' || coalesce(content, '') || ' ' || coalesce(fault_code, '')
        || ' ' || coalesce(equipment_manufacturer, '') || ' ' || coalesce(equipment_model, '')));

DROP POLICY forum_threads_select ON forum_threads;
DROP POLICY forum_threads_insert ON forum_threads;
DROP POLICY forum_threads_update ON forum_threads;
DROP POLICY forum_threads_delete ON forum_threads;

-- Visible where the category is (its RLS runs inside the EXISTS); a held thread only
-- to its author and the category's moderators.
CREATE POLICY forum_threads_select ON forum_threads FOR SELECT
    USING (EXISTS (SELECT 1 FROM forum_categories c
                    WHERE c.id = forum_threads.category_id
                      AND (forum_threads.is_approved IS NOT FALSE
                           OR forum_threads.author_id = app_current_user()
                           OR app_is_forum_moderator(c.organization_id))));
-- Start one as yourself, for your current organisation or none, where you may post,
-- anonymously only where the category allows it.
CREATE POLICY forum_threads_insert ON forum_threads FOR INSERT
    WITH CHECK (forum_threads.author_id = app_current_user()
                AND (author_organization_id IS NULL OR author_organization_id = app_current_org())
                AND app_can_post_in_forum_category(forum_threads.category_id)
                AND (forum_threads.is_anonymous IS NOT TRUE
                     OR EXISTS (SELECT 1 FROM forum_categories c
                                 WHERE c.id = forum_threads.category_id AND c.allow_anonymous IS TRUE)));
-- The author edits; moderators moderate (the guard trigger below keeps moderation
-- columns theirs).
CREATE POLICY forum_threads_update ON forum_threads FOR UPDATE
    USING (EXISTS (SELECT 1 FROM forum_categories c
                    WHERE c.id = forum_threads.category_id
                      AND (forum_threads.author_id = app_current_user()
                           OR app_is_forum_moderator(c.organization_id))))
    WITH CHECK (EXISTS (SELECT 1 FROM forum_categories c
                         WHERE c.id = forum_threads.category_id
                           AND (forum_threads.author_id = app_current_user()
                                OR app_is_forum_moderator(c.organization_id))));
CREATE POLICY forum_threads_delete ON forum_threads FOR DELETE
    USING (EXISTS (SELECT 1 FROM forum_categories c
                    WHERE c.id = forum_threads.category_id AND app_is_forum_moderator(c.organization_id)));

REVOKE INSERT, UPDATE ON forum_threads FROM sitesync_app;
GRANT INSERT (id, category_id, author_id, author_organization_id, is_anonymous, title, slug,
              content, content_html, equipment_manufacturer, equipment_model, fault_code, tags)
    ON forum_threads TO sitesync_app;
GRANT UPDATE (title, content, content_html, equipment_manufacturer, equipment_model, fault_code,
              tags, status, is_pinned, is_featured, is_approved, moderated_at, moderated_by,
              deleted_at)
    ON forum_threads TO sitesync_app;

-- ---------------------------------------------------------------------------
-- forum_posts
-- ---------------------------------------------------------------------------
UPDATE forum_posts SET upvote_count = 0 WHERE upvote_count IS NULL;
UPDATE forum_posts SET created_at = now() WHERE created_at IS NULL;
ALTER TABLE forum_posts
    ALTER COLUMN upvote_count SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ADD CONSTRAINT forum_posts_content_length_check CHECK (length(content) <= 50000),
    ADD CONSTRAINT forum_posts_parent_check CHECK (parent_post_id IS DISTINCT FROM id);

-- A thread page: its posts in order.
CREATE INDEX idx_forum_post_thread_created ON forum_posts (thread_id, created_at, id);
CREATE INDEX idx_forum_post_held ON forum_posts (thread_id) WHERE is_approved IS FALSE;
CREATE INDEX idx_forum_post_fts ON forum_posts
    USING gin (to_tsvector('english'::regconfig, content));

DROP POLICY forum_posts_select ON forum_posts;
DROP POLICY forum_posts_insert ON forum_posts;
DROP POLICY forum_posts_update ON forum_posts;
DROP POLICY forum_posts_delete ON forum_posts;

-- Visible where the thread is (its RLS, and so its category's) while the thread is not
-- deleted; a held post only to its author and the moderators.
CREATE POLICY forum_posts_select ON forum_posts FOR SELECT
    USING (EXISTS (SELECT 1 FROM forum_threads t
                     JOIN forum_categories c ON c.id = t.category_id
                    WHERE t.id = forum_posts.thread_id AND t.deleted_at IS NULL
                      AND (forum_posts.is_approved IS NOT FALSE
                           OR forum_posts.author_id = app_current_user()
                           OR app_is_forum_moderator(c.organization_id))));
-- Reply as yourself in a live thread of a category you may post in.
CREATE POLICY forum_posts_insert ON forum_posts FOR INSERT
    WITH CHECK (forum_posts.author_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_threads t
                              JOIN forum_categories c ON c.id = t.category_id
                             WHERE t.id = forum_posts.thread_id AND t.deleted_at IS NULL
                               AND app_can_post_in_forum_category(c.id)
                               AND (forum_posts.is_anonymous IS NOT TRUE OR c.allow_anonymous IS TRUE)));
-- The post's author edits; the thread's author accepts it as the answer; moderators
-- moderate. The guard trigger says which columns each may change.
CREATE POLICY forum_posts_update ON forum_posts FOR UPDATE
    USING (EXISTS (SELECT 1 FROM forum_threads t
                     JOIN forum_categories c ON c.id = t.category_id
                    WHERE t.id = forum_posts.thread_id
                      AND (forum_posts.author_id = app_current_user()
                           OR t.author_id = app_current_user()
                           OR app_is_forum_moderator(c.organization_id))))
    WITH CHECK (EXISTS (SELECT 1 FROM forum_threads t
                          JOIN forum_categories c ON c.id = t.category_id
                         WHERE t.id = forum_posts.thread_id
                           AND (forum_posts.author_id = app_current_user()
                                OR t.author_id = app_current_user()
                                OR app_is_forum_moderator(c.organization_id))));
CREATE POLICY forum_posts_delete ON forum_posts FOR DELETE
    USING (EXISTS (SELECT 1 FROM forum_threads t
                     JOIN forum_categories c ON c.id = t.category_id
                    WHERE t.id = forum_posts.thread_id AND app_is_forum_moderator(c.organization_id)));

REVOKE INSERT, UPDATE ON forum_posts FROM sitesync_app;
GRANT INSERT (id, thread_id, author_id, is_anonymous, content, content_html, parent_post_id)
    ON forum_posts TO sitesync_app;
GRANT UPDATE (content, content_html, is_answer, is_approved, moderated_at, moderated_by,
              deleted_at)
    ON forum_posts TO sitesync_app;

-- ---------------------------------------------------------------------------
-- Moderation: hold on insert, and moderation columns are the moderators'
-- ---------------------------------------------------------------------------
-- Whoever inserts (the API, a worker, psql), a thread or post in a requires_moderation
-- category by someone who does not moderate it starts held. SECURITY INVOKER: the
-- category is read as the writer sees it (they must see it to post at all).
CREATE FUNCTION forum_hold_for_moderation() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_moderated boolean;
    v_org uuid;
BEGIN
    IF TG_TABLE_NAME = 'forum_threads' THEN
        SELECT c.requires_moderation, c.organization_id INTO v_moderated, v_org
          FROM forum_categories c WHERE c.id = NEW.category_id;
    ELSE
        SELECT c.requires_moderation, c.organization_id INTO v_moderated, v_org
          FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
         WHERE t.id = NEW.thread_id;
    END IF;
    IF coalesce(v_moderated, false) AND NOT coalesce(app_is_forum_moderator(v_org), false) THEN
        NEW.is_approved := false;
        NEW.moderated_at := NULL;
        NEW.moderated_by := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER forum_threads_hold_for_moderation
    BEFORE INSERT ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION forum_hold_for_moderation();
CREATE TRIGGER forum_posts_hold_for_moderation
    BEFORE INSERT ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION forum_hold_for_moderation();

-- Only a moderator approves, pins, features, locks or unlocks; only the thread's author
-- or a moderator accepts an answer; only a post's author rewrites it. Runs for the app
-- role (the API checks first and answers 403/409; this is the database's own guard).
-- The service role (no user context: workers, the demo loader) is not limited here.
CREATE FUNCTION forum_guard_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_me uuid := app_current_user();
    v_org uuid;
    v_thread_author uuid;
    v_moderator boolean;
BEGIN
    IF current_user <> 'sitesync_app' THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'forum_threads' THEN
        SELECT c.organization_id INTO v_org FROM forum_categories c WHERE c.id = NEW.category_id;
        v_moderator := coalesce(app_is_forum_moderator(v_org), false);
        IF NOT v_moderator AND (
               NEW.is_approved IS DISTINCT FROM OLD.is_approved
            OR NEW.moderated_at IS DISTINCT FROM OLD.moderated_at
            OR NEW.moderated_by IS DISTINCT FROM OLD.moderated_by
            OR NEW.is_pinned IS DISTINCT FROM OLD.is_pinned
            OR NEW.is_featured IS DISTINCT FROM OLD.is_featured
            OR (NEW.status IS DISTINCT FROM OLD.status
                AND (NEW.status = 'locked' OR OLD.status = 'locked'))) THEN
            RAISE EXCEPTION 'only the category''s moderators may change this'
                USING ERRCODE = '42501';
        END IF;
        IF NOT v_moderator AND OLD.author_id IS DISTINCT FROM v_me THEN
            RAISE EXCEPTION 'only the author may change this thread' USING ERRCODE = '42501';
        END IF;
    ELSE
        SELECT c.organization_id, t.author_id INTO v_org, v_thread_author
          FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
         WHERE t.id = NEW.thread_id;
        v_moderator := coalesce(app_is_forum_moderator(v_org), false);
        IF NOT v_moderator AND (
               NEW.is_approved IS DISTINCT FROM OLD.is_approved
            OR NEW.moderated_at IS DISTINCT FROM OLD.moderated_at
            OR NEW.moderated_by IS DISTINCT FROM OLD.moderated_by) THEN
            RAISE EXCEPTION 'only the category''s moderators may change this'
                USING ERRCODE = '42501';
        END IF;
        IF NEW.is_answer IS DISTINCT FROM OLD.is_answer
           AND NOT v_moderator AND v_thread_author IS DISTINCT FROM v_me THEN
            RAISE EXCEPTION 'only the thread''s author or a moderator accepts an answer'
                USING ERRCODE = '42501';
        END IF;
        IF (NEW.content IS DISTINCT FROM OLD.content
            OR NEW.content_html IS DISTINCT FROM OLD.content_html)
           AND OLD.author_id IS DISTINCT FROM v_me THEN
            RAISE EXCEPTION 'only the author may edit this post' USING ERRCODE = '42501';
        END IF;
        IF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at
           AND NOT v_moderator AND OLD.author_id IS DISTINCT FROM v_me THEN
            RAISE EXCEPTION 'only the author or a moderator deletes this post'
                USING ERRCODE = '42501';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER forum_threads_guard_update
    BEFORE UPDATE ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION forum_guard_update();
CREATE TRIGGER forum_posts_guard_update
    BEFORE UPDATE ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION forum_guard_update();

-- ---------------------------------------------------------------------------
-- Counters (schema-note 15), now counting approved, live rows only
-- ---------------------------------------------------------------------------
-- forum_threads.reply_count: its approved, not deleted posts; last_reply_at/by: the
-- newest of them (by is NULL when that post is anonymous: the column is public).
-- forum_categories.thread_count: its approved, not deleted threads; post_count: the sum
-- of those threads' reply_count; last_post_at: the latest counted thread or post.
-- Each change locks the thread row, then the category row (the same order everywhere,
-- so the triggers cannot deadlock each other).
CREATE OR REPLACE FUNCTION forum_threads_maintain_category_counts() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL AND OLD.is_approved IS NOT FALSE THEN
        UPDATE forum_categories
           SET thread_count = thread_count - 1,
               post_count   = post_count - OLD.reply_count
         WHERE id = OLD.category_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL AND NEW.is_approved IS NOT FALSE THEN
        UPDATE forum_categories
           SET thread_count = thread_count + 1,
               post_count   = post_count + NEW.reply_count,
               last_post_at = greatest(last_post_at, NEW.last_activity_at, NEW.created_at)
         WHERE id = NEW.category_id;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER forum_threads_maintain_category_counts_on_update ON forum_threads;
CREATE TRIGGER forum_threads_maintain_category_counts_on_update
    AFTER UPDATE OF category_id, deleted_at, is_approved ON forum_threads
    FOR EACH ROW
    WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id
          OR (OLD.deleted_at IS NULL AND OLD.is_approved IS NOT FALSE)
             <> (NEW.deleted_at IS NULL AND NEW.is_approved IS NOT FALSE))
    EXECUTE FUNCTION forum_threads_maintain_category_counts();

CREATE OR REPLACE FUNCTION forum_posts_maintain_thread_counts() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_category_id uuid;
    v_thread_counted boolean;
    v_created_at timestamptz;
    v_actor text := current_setting('app.current_user', true);
BEGIN
    -- The thread's update is streamed (forum_thread.updated) with the request's user as
    -- its actor: for an anonymous post that would name its author. Nobody acts, then.
    IF coalesce(NEW.is_anonymous, OLD.is_anonymous, false) THEN
        PERFORM set_config('app.current_user', '', true);
    END IF;
    -- The old row stops counting (hard delete, soft delete, un-approval, moved away).
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL AND OLD.is_approved IS NOT FALSE THEN
        -- Lock the thread first: in READ COMMITTED the next statement then takes a
        -- fresh snapshot that includes every reply committed before we got the lock.
        PERFORM 1 FROM forum_threads WHERE id = OLD.thread_id FOR UPDATE;
        UPDATE forum_threads t
           SET reply_count = t.reply_count - 1,
               (last_reply_at, last_reply_by) = (
                   SELECT p.created_at, CASE WHEN p.is_anonymous THEN NULL ELSE p.author_id END
                     FROM forum_posts p
                    WHERE p.thread_id = t.id
                      AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE
                      AND p.id <> OLD.id
                    ORDER BY p.created_at DESC, p.id DESC
                    LIMIT 1)
         WHERE t.id = OLD.thread_id
        RETURNING t.category_id, (t.deleted_at IS NULL AND t.is_approved IS NOT FALSE)
             INTO v_category_id, v_thread_counted;
        -- Not found when the thread itself is being deleted (cascade).
        IF FOUND AND v_thread_counted THEN
            UPDATE forum_categories SET post_count = post_count - 1 WHERE id = v_category_id;
        END IF;
    END IF;

    -- The new row starts counting (insert, undelete, approval, moved here).
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL AND NEW.is_approved IS NOT FALSE THEN
        v_created_at := coalesce(NEW.created_at, now());
        UPDATE forum_threads t
           SET reply_count   = t.reply_count + 1,
               last_reply_by = CASE WHEN t.last_reply_at IS NULL OR v_created_at >= t.last_reply_at
                                    THEN CASE WHEN NEW.is_anonymous THEN NULL ELSE NEW.author_id END
                                    ELSE t.last_reply_by END,
               last_reply_at = greatest(t.last_reply_at, v_created_at)
         WHERE t.id = NEW.thread_id
        RETURNING t.category_id, (t.deleted_at IS NULL AND t.is_approved IS NOT FALSE)
             INTO v_category_id, v_thread_counted;
        IF FOUND AND v_thread_counted THEN
            UPDATE forum_categories
               SET post_count   = post_count + 1,
                   last_post_at = greatest(last_post_at, v_created_at)
             WHERE id = v_category_id;
        END IF;
    END IF;
    PERFORM set_config('app.current_user', coalesce(v_actor, ''), true);
    RETURN NULL;
END
$$;

DROP TRIGGER forum_posts_maintain_thread_counts_on_update ON forum_posts;
CREATE TRIGGER forum_posts_maintain_thread_counts_on_update
    AFTER UPDATE OF thread_id, deleted_at, is_approved ON forum_posts
    FOR EACH ROW
    WHEN (OLD.thread_id IS DISTINCT FROM NEW.thread_id
          OR (OLD.deleted_at IS NULL AND OLD.is_approved IS NOT FALSE)
             <> (NEW.deleted_at IS NULL AND NEW.is_approved IS NOT FALSE))
    EXECUTE FUNCTION forum_posts_maintain_thread_counts();

-- An answered thread whose accepted answer stops counting (deleted, un-approved) and has
-- no other is open again, whoever removed it (its author may not update the thread).
CREATE FUNCTION forum_posts_reopen_unanswered() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE forum_threads t SET status = 'open'
     WHERE t.id = OLD.thread_id AND t.status = 'answered'
       AND NOT EXISTS (SELECT 1 FROM forum_posts p
                        WHERE p.thread_id = t.id AND p.is_answer IS TRUE
                          AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE);
    RETURN NULL;
END
$$;
ALTER FUNCTION forum_posts_reopen_unanswered() OWNER TO sitesync_service;

CREATE TRIGGER forum_posts_reopen_unanswered
    AFTER UPDATE OF deleted_at, is_approved, is_answer ON forum_posts
    FOR EACH ROW
    WHEN (OLD.is_answer IS TRUE
          AND OLD.deleted_at IS NULL AND OLD.is_approved IS NOT FALSE
          AND NOT (NEW.is_answer IS TRUE AND NEW.deleted_at IS NULL AND NEW.is_approved IS NOT FALSE))
    EXECUTE FUNCTION forum_posts_reopen_unanswered();

-- Views: the reader cannot update the thread, so this counts one as its owner. Call it
-- as `SELECT forum_thread_viewed(id) FROM forum_threads WHERE id = $1` so that the
-- caller's RLS decides first whether there is a thread to count.
-- Who viewed is nobody's business: the streamed update has no actor.
CREATE FUNCTION forum_thread_viewed(p_thread_id uuid) RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_actor text := current_setting('app.current_user', true);
    v_count integer;
BEGIN
    PERFORM set_config('app.current_user', '', true);
    UPDATE forum_threads SET view_count = view_count + 1
     WHERE id = p_thread_id AND deleted_at IS NULL
    RETURNING view_count INTO v_count;
    PERFORM set_config('app.current_user', coalesce(v_actor, ''), true);
    RETURN v_count;
END
$$;

-- Accepting an answer (or none: p_post_id NULL) and the thread's status that follows,
-- for a caller the API has authorised (the thread's author or a moderator). SECURITY
-- DEFINER so that the author of an anonymous thread is not named as the actor of the
-- streamed post and thread updates.
CREATE FUNCTION forum_set_answer(p_thread_id uuid, p_post_id uuid, p_status text) RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_actor text := current_setting('app.current_user', true);
BEGIN
    IF (SELECT is_anonymous IS TRUE AND author_id::text = v_actor
          FROM forum_threads WHERE id = p_thread_id) THEN
        PERFORM set_config('app.current_user', '', true);
    END IF;
    UPDATE forum_posts SET is_answer = (id IS NOT DISTINCT FROM p_post_id)
     WHERE thread_id = p_thread_id
       AND (is_answer IS TRUE OR id IS NOT DISTINCT FROM p_post_id)
       AND is_answer IS DISTINCT FROM (id IS NOT DISTINCT FROM p_post_id);
    IF p_status IS NOT NULL THEN
        UPDATE forum_threads SET status = p_status WHERE id = p_thread_id AND status <> p_status;
    END IF;
    PERFORM set_config('app.current_user', coalesce(v_actor, ''), true);
END
$$;
ALTER FUNCTION forum_set_answer(uuid, uuid, text) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_set_answer(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forum_set_answer(uuid, uuid, text) TO sitesync_app;
ALTER FUNCTION forum_thread_viewed(uuid) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_thread_viewed(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forum_thread_viewed(uuid) TO sitesync_app;

-- A slug for a new thread: the base when no thread of the category has it, else the base
-- with a random suffix. SECURITY DEFINER because held threads the writer cannot see
-- hold slugs too (the unique index would refuse a clash the writer could not avoid);
-- it answers only the slug to use.
CREATE FUNCTION forum_thread_slug(p_category_id uuid, p_base text) RETURNS text
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM forum_threads
                                  WHERE category_id = p_category_id AND slug = p_base)
                THEN p_base
                ELSE left(p_base, 240) || '-' || substr(md5(gen_random_uuid()::text), 1, 8) END
$$;
ALTER FUNCTION forum_thread_slug(uuid, text) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_thread_slug(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forum_thread_slug(uuid, text) TO sitesync_app;

-- ---------------------------------------------------------------------------
-- Votes: one upvote per user per thread or post
-- ---------------------------------------------------------------------------
CREATE TABLE forum_thread_votes (
    thread_id UUID NOT NULL REFERENCES forum_threads(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, user_id)
);
CREATE TABLE forum_post_votes (
    post_id UUID NOT NULL REFERENCES forum_posts(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX idx_forum_thread_votes_user ON forum_thread_votes (user_id);
CREATE INDEX idx_forum_post_votes_user ON forum_post_votes (user_id);

-- Each vote is one atomic increment of its target's row (the row lock serialises
-- concurrent voters); the primary key makes a second vote by the same user a no-op.
CREATE FUNCTION forum_votes_maintain_upvotes() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_delta int := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
    v_row record := CASE TG_OP WHEN 'INSERT' THEN NEW ELSE OLD END;
    v_actor text := current_setting('app.current_user', true);
BEGIN
    -- Who voted is private: the streamed counter update has no actor.
    PERFORM set_config('app.current_user', '', true);
    IF TG_TABLE_NAME = 'forum_thread_votes' THEN
        UPDATE forum_threads SET upvote_count = upvote_count + v_delta WHERE id = v_row.thread_id;
    ELSE
        UPDATE forum_posts SET upvote_count = upvote_count + v_delta WHERE id = v_row.post_id;
    END IF;
    PERFORM set_config('app.current_user', coalesce(v_actor, ''), true);
    RETURN NULL;
END
$$;
ALTER FUNCTION forum_votes_maintain_upvotes() OWNER TO sitesync_service;

CREATE TRIGGER forum_thread_votes_maintain_upvotes
    AFTER INSERT OR DELETE ON forum_thread_votes
    FOR EACH ROW EXECUTE FUNCTION forum_votes_maintain_upvotes();
CREATE TRIGGER forum_post_votes_maintain_upvotes
    AFTER INSERT OR DELETE ON forum_post_votes
    FOR EACH ROW EXECUTE FUNCTION forum_votes_maintain_upvotes();

ALTER TABLE forum_thread_votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_thread_votes FORCE ROW LEVEL SECURITY;
ALTER TABLE forum_post_votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_post_votes FORCE ROW LEVEL SECURITY;
-- Who voted is private to the voter; you vote on what you can see.
CREATE POLICY forum_thread_votes_select ON forum_thread_votes FOR SELECT
    USING (user_id = app_current_user());
CREATE POLICY forum_thread_votes_insert ON forum_thread_votes FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id AND t.deleted_at IS NULL));
CREATE POLICY forum_thread_votes_delete ON forum_thread_votes FOR DELETE
    USING (user_id = app_current_user());
CREATE POLICY forum_post_votes_select ON forum_post_votes FOR SELECT
    USING (user_id = app_current_user());
CREATE POLICY forum_post_votes_insert ON forum_post_votes FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_posts p WHERE p.id = post_id AND p.deleted_at IS NULL));
CREATE POLICY forum_post_votes_delete ON forum_post_votes FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, DELETE ON forum_thread_votes, forum_post_votes TO sitesync_app;
GRANT ALL ON forum_thread_votes, forum_post_votes TO sitesync_service;

-- ---------------------------------------------------------------------------
-- forum_subscriptions: one per user and thread, or user and category
-- ---------------------------------------------------------------------------
DELETE FROM forum_subscriptions WHERE num_nonnulls(category_id, thread_id) <> 1;
ALTER TABLE forum_subscriptions
    ADD CONSTRAINT forum_subscriptions_target_check CHECK (num_nonnulls(category_id, thread_id) = 1);
CREATE UNIQUE INDEX idx_forum_sub_user_thread ON forum_subscriptions (user_id, thread_id)
    WHERE thread_id IS NOT NULL;
CREATE UNIQUE INDEX idx_forum_sub_user_category ON forum_subscriptions (user_id, category_id)
    WHERE category_id IS NOT NULL;
-- Who to notify of a reply / a new thread.
CREATE INDEX idx_forum_sub_thread ON forum_subscriptions (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX idx_forum_sub_category ON forum_subscriptions (category_id) WHERE category_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Who a forum notification may go to (docs/forums.md#notifications)
-- ---------------------------------------------------------------------------
-- forum_categories_select's rule for a given user instead of the request's: a
-- notification carries the thread's title and a snippet, so it only goes to people who
-- would see the thread now (a subscriber may have lost access since subscribing).
-- Keep the two in step.
CREATE FUNCTION forum_category_visible_to(p_category_id uuid, p_user_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1 FROM forum_categories c, users u
         WHERE c.id = p_category_id AND u.id = p_user_id
           AND coalesce(u.is_active, false) AND u.deleted_at IS NULL
           AND ((c.organization_id IS NULL AND u.user_type = 'admin')
                OR (c.organization_id = u.organization_id AND u.role IN ('owner', 'admin'))
                OR (c.is_active IS NOT FALSE
                    AND (c.visibility = 'public'
                         OR ((c.required_user_type IS NULL OR c.required_user_type = u.user_type)
                             AND (c.visibility IN ('authenticated', 'role_based')
                                  OR (c.visibility = 'organization'
                                      AND c.organization_id = u.organization_id)))))))
$$;
ALTER FUNCTION forum_category_visible_to(uuid, uuid) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_category_visible_to(uuid, uuid) FROM PUBLIC;

-- A reply's audience: the thread's author and its subscribers who still see it. Call as
-- `SELECT forum_reply_recipients(t.id) FROM forum_threads t WHERE t.id = $1` so that the
-- writer's RLS decides first that there is such a thread.
CREATE FUNCTION forum_reply_recipients(p_thread_id uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT r.user_id
      FROM (SELECT author_id AS user_id FROM forum_threads WHERE id = p_thread_id
            UNION
            SELECT user_id FROM forum_subscriptions WHERE thread_id = p_thread_id) r,
           forum_threads t
     WHERE t.id = p_thread_id AND forum_category_visible_to(t.category_id, r.user_id)
$$;
-- A new thread's audience: its category's subscribers who see the category.
CREATE FUNCTION forum_thread_recipients(p_category_id uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT s.user_id FROM forum_subscriptions s
     WHERE s.category_id = p_category_id AND forum_category_visible_to(p_category_id, s.user_id)
$$;
ALTER FUNCTION forum_reply_recipients(uuid) OWNER TO sitesync_service;
ALTER FUNCTION forum_thread_recipients(uuid) OWNER TO sitesync_service;
REVOKE ALL ON FUNCTION forum_reply_recipients(uuid), forum_thread_recipients(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION forum_reply_recipients(uuid), forum_thread_recipients(uuid) TO sitesync_app;

-- ---------------------------------------------------------------------------
-- Embeddings (0071): a thread's opening text is part of what is embedded
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION forum_thread_embedding_text(t forum_threads) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT concat_ws(E'\n', t.title, nullif(t.content, ''),
                     nullif(concat_ws(' ', t.equipment_manufacturer, t.equipment_model, t.fault_code), ''),
                     array_to_string(t.tags, ' '),
                     (SELECT left(string_agg(p.content, E'\n' ORDER BY p.created_at, p.id), 20000)
                        FROM forum_posts p
                       WHERE p.thread_id = t.id AND p.deleted_at IS NULL
                         AND coalesce(p.is_approved, true)))
$$;

DROP TRIGGER forum_threads_embedding_dirty ON forum_threads;
CREATE TRIGGER forum_threads_embedding_dirty
    AFTER UPDATE OF title, content, equipment_manufacturer, equipment_model, fault_code, tags
    ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION forum_thread_embedding_dirty();
