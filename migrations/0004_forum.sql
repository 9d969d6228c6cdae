-- 0004 forum
--
-- Forum & community (seed section 3).
--
-- Tables, columns, types, defaults, foreign keys, UNIQUEs and index names
-- are the seed's (SiteSync V3 schema), copied verbatim. After each table comes
-- what the seed lacks (docs/schema.md): CHECK constraints, triggers, RLS
-- (ENABLE + FORCE, per-command policies with WITH CHECK) and grants.

-- =============================================================================
-- forum_categories
-- =============================================================================

-- FORUM CATEGORIES
CREATE TABLE forum_categories (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

    -- Hierarchy
    parent_id UUID REFERENCES forum_categories(id),

    -- Identity
    name VARCHAR(100) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    description TEXT,
    icon VARCHAR(50),
    color VARCHAR(20),

    -- Scope
    scope_type VARCHAR(50) NOT NULL,
    -- 'global', 'trade', 'manufacturer', 'region', 'organization', 'portfolio'
    scope_value VARCHAR(100),  -- e.g., 'elevators', 'KONE', 'NSW', org_id

    -- Access
    visibility VARCHAR(50) DEFAULT 'public',
    -- 'public', 'authenticated', 'organization', 'role_based'
    required_user_type VARCHAR(50),  -- 'technician', 'manager', NULL for any

    -- Settings
    is_active BOOLEAN DEFAULT true,
    requires_moderation BOOLEAN DEFAULT false,
    allow_anonymous BOOLEAN DEFAULT false,

    -- Stats
    thread_count INTEGER DEFAULT 0,
    post_count INTEGER DEFAULT 0,
    last_post_at TIMESTAMPTZ,

    -- Order
    display_order INTEGER DEFAULT 0,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_forum_cat_parent ON forum_categories(parent_id);
CREATE INDEX idx_forum_cat_scope ON forum_categories(scope_type, scope_value);
CREATE INDEX idx_forum_cat_slug ON forum_categories(slug);

ALTER TABLE forum_categories
    ADD CONSTRAINT forum_categories_scope_type_check CHECK (scope_type IN (
        'global', 'trade', 'manufacturer', 'region', 'organization', 'portfolio')),
    ADD CONSTRAINT forum_categories_visibility_check CHECK (visibility IN (
        'public', 'authenticated', 'organization', 'role_based')),
    -- NULL = any user type; otherwise one of users.user_type
    ADD CONSTRAINT forum_categories_required_user_type_check CHECK (required_user_type IN (
        'standard', 'technician', 'manager', 'admin', 'system'));

CREATE TRIGGER forum_categories_set_updated_at
    BEFORE UPDATE ON forum_categories
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE forum_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_categories FORCE ROW LEVEL SECURITY;
-- Follows the category's visibility column:
--   public         anyone, even without a user context
--   authenticated  any signed-in user
--   organization   the organisation named in scope_value (its id as text)
--   role_based     signed-in users of required_user_type (any type if NULL)
CREATE POLICY forum_categories_select ON forum_categories FOR SELECT
    USING (visibility = 'public'
           OR (visibility = 'authenticated' AND app_current_user() IS NOT NULL)
           OR (visibility = 'organization' AND scope_value = app_current_org()::text)
           OR (visibility = 'role_based'
               AND app_current_user() IS NOT NULL
               AND (required_user_type IS NULL
                    OR required_user_type = (SELECT u.user_type FROM users u
                                             WHERE u.id = app_current_user()))));
-- An organisation's admins manage that organisation's own categories;
-- platform-wide categories are managed by the service role.
CREATE POLICY forum_categories_insert ON forum_categories FOR INSERT
    WITH CHECK (visibility = 'organization'
                AND scope_value = app_current_org()::text
                AND (SELECT app_is_org_admin()));
CREATE POLICY forum_categories_update ON forum_categories FOR UPDATE
    USING (visibility = 'organization'
           AND scope_value = app_current_org()::text
           AND (SELECT app_is_org_admin()))
    WITH CHECK (visibility = 'organization'
                AND scope_value = app_current_org()::text
                AND (SELECT app_is_org_admin()));
CREATE POLICY forum_categories_delete ON forum_categories FOR DELETE
    USING (visibility = 'organization'
           AND scope_value = app_current_org()::text
           AND (SELECT app_is_org_admin()));

-- Whether the current request may see a category (its RLS decides). For the
-- realtime hub's room checks and for readable policies.
CREATE FUNCTION app_can_see_forum_category(p_category_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
AS $$ SELECT EXISTS (SELECT 1 FROM public.forum_categories c WHERE c.id = p_category_id) $$;

COMMENT ON FUNCTION app_can_see_forum_category(uuid) IS
    'True when the category is visible to the current request (evaluated under RLS)';

GRANT EXECUTE ON FUNCTION app_can_see_forum_category(uuid) TO sitesync_app, sitesync_service;

GRANT SELECT, INSERT, UPDATE, DELETE ON forum_categories TO sitesync_app;
GRANT ALL ON forum_categories TO sitesync_service;

-- =============================================================================
-- forum_threads
-- =============================================================================

-- FORUM THREADS
CREATE TABLE forum_threads (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    category_id UUID NOT NULL REFERENCES forum_categories(id),

    -- Author
    author_id UUID NOT NULL REFERENCES users(id),
    author_organization_id UUID REFERENCES organizations(id),
    is_anonymous BOOLEAN DEFAULT false,

    -- Content
    title VARCHAR(255) NOT NULL,
    slug VARCHAR(255) NOT NULL,

    -- Context (optional equipment linking)
    equipment_manufacturer VARCHAR(100),
    equipment_model VARCHAR(100),
    fault_code VARCHAR(50),
    tags TEXT[],

    -- Status
    status VARCHAR(50) DEFAULT 'open',
    -- 'open', 'answered', 'closed', 'locked'
    is_pinned BOOLEAN DEFAULT false,
    is_featured BOOLEAN DEFAULT false,

    -- Moderation
    is_approved BOOLEAN DEFAULT true,
    moderated_at TIMESTAMPTZ,
    moderated_by UUID REFERENCES users(id),

    -- Stats
    view_count INTEGER DEFAULT 0,
    reply_count INTEGER DEFAULT 0,
    upvote_count INTEGER DEFAULT 0,
    last_reply_at TIMESTAMPTZ,
    last_reply_by UUID REFERENCES users(id),

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_forum_thread_category ON forum_threads(category_id);
CREATE INDEX idx_forum_thread_author ON forum_threads(author_id);
CREATE INDEX idx_forum_thread_status ON forum_threads(status);
CREATE INDEX idx_forum_thread_tags ON forum_threads USING GIN(tags);
CREATE INDEX idx_forum_thread_equipment ON forum_threads(equipment_manufacturer, equipment_model);

ALTER TABLE forum_threads
    ADD CONSTRAINT forum_threads_status_check CHECK (status IN (
        'open', 'answered', 'closed', 'locked'));

-- Counters (schema-note 15): forum_categories.thread_count counts the
-- category's threads that are not soft-deleted; post_count is the sum of its
-- threads' reply_count; last_post_at is the latest thread or post creation.
-- Atomic increments under the category row lock; SECURITY DEFINER as
-- sitesync_service because authors may not update categories under RLS.
CREATE FUNCTION forum_threads_maintain_category_counts() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE forum_categories
           SET thread_count = thread_count - (OLD.deleted_at IS NULL)::int,
               post_count   = post_count - coalesce(OLD.reply_count, 0)
         WHERE id = OLD.category_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE forum_categories
           SET thread_count = thread_count + (NEW.deleted_at IS NULL)::int,
               post_count   = post_count + coalesce(NEW.reply_count, 0),
               last_post_at = CASE WHEN TG_OP = 'INSERT'
                                   THEN greatest(last_post_at, coalesce(NEW.created_at, now()))
                                   ELSE last_post_at END
         WHERE id = NEW.category_id;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION forum_threads_maintain_category_counts() OWNER TO sitesync_service;

CREATE TRIGGER forum_threads_maintain_category_counts
    AFTER INSERT OR DELETE ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION forum_threads_maintain_category_counts();

-- Moving a thread or (un)deleting it moves its counts.
CREATE TRIGGER forum_threads_maintain_category_counts_on_update
    AFTER UPDATE OF category_id, deleted_at ON forum_threads
    FOR EACH ROW
    WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id
          OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION forum_threads_maintain_category_counts();

CREATE TRIGGER forum_threads_set_updated_at
    BEFORE UPDATE ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE forum_threads ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_threads FORCE ROW LEVEL SECURITY;
-- Threads are visible wherever their category is (the EXISTS is evaluated
-- under forum_categories' own RLS).
CREATE POLICY forum_threads_select ON forum_threads FOR SELECT
    USING (EXISTS (SELECT 1 FROM forum_categories c WHERE c.id = category_id));
-- Post as yourself, in a category you can see, on behalf of your current
-- organisation or none.
CREATE POLICY forum_threads_insert ON forum_threads FOR INSERT
    WITH CHECK (author_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_categories c WHERE c.id = category_id)
                AND (author_organization_id IS NULL
                     OR author_organization_id = app_current_org()));
-- Only the author edits or deletes; moderation goes through the service role.
CREATE POLICY forum_threads_update ON forum_threads FOR UPDATE
    USING (author_id = app_current_user())
    WITH CHECK (author_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_categories c WHERE c.id = category_id)
                AND (author_organization_id IS NULL
                     OR author_organization_id = app_current_org()));
CREATE POLICY forum_threads_delete ON forum_threads FOR DELETE
    USING (author_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON forum_threads TO sitesync_app;
GRANT ALL ON forum_threads TO sitesync_service;

-- =============================================================================
-- forum_posts
-- =============================================================================

-- FORUM POSTS (replies)
CREATE TABLE forum_posts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id UUID NOT NULL REFERENCES forum_threads(id) ON DELETE CASCADE,

    -- Author
    author_id UUID NOT NULL REFERENCES users(id),
    is_anonymous BOOLEAN DEFAULT false,

    -- Content
    content TEXT NOT NULL,
    content_html TEXT,

    -- Reply structure
    parent_post_id UUID REFERENCES forum_posts(id),  -- For nested replies

    -- Status
    is_answer BOOLEAN DEFAULT false,  -- Marked as accepted answer
    is_approved BOOLEAN DEFAULT true,

    -- Moderation
    moderated_at TIMESTAMPTZ,
    moderated_by UUID REFERENCES users(id),

    -- Stats
    upvote_count INTEGER DEFAULT 0,

    -- Metadata
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    deleted_at TIMESTAMPTZ
);

CREATE INDEX idx_forum_post_thread ON forum_posts(thread_id);
CREATE INDEX idx_forum_post_author ON forum_posts(author_id);
CREATE INDEX idx_forum_post_parent ON forum_posts(parent_post_id);

-- Counters (schema-note 15): forum_threads.reply_count counts the thread's
-- posts that are not soft-deleted, last_reply_at/last_reply_by name the
-- newest of them; the category's post_count follows. Each change is one
-- atomic UPDATE of the thread row (its lock serialises concurrent replies),
-- then one of the category row: always thread before category, like the
-- thread trigger, so the two cannot deadlock each other.
CREATE FUNCTION forum_posts_maintain_thread_counts() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_category_id uuid;
    v_created_at timestamptz;
BEGIN
    -- The old row stops counting (hard delete, soft delete, or moved away).
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        -- Lock the thread first: in READ COMMITTED the next statement then
        -- takes a fresh snapshot that includes every reply committed before
        -- we got the lock, so the recomputed last reply is not stale.
        PERFORM 1 FROM forum_threads WHERE id = OLD.thread_id FOR UPDATE;
        UPDATE forum_threads t
           SET reply_count = t.reply_count - 1,
               (last_reply_at, last_reply_by) = (
                   SELECT p.created_at, p.author_id
                   FROM forum_posts p
                   WHERE p.thread_id = t.id
                     AND p.deleted_at IS NULL
                     AND p.id <> OLD.id
                   ORDER BY p.created_at DESC, p.id DESC
                   LIMIT 1)
         WHERE t.id = OLD.thread_id
        RETURNING t.category_id INTO v_category_id;
        -- Not found when the thread itself is being deleted (cascade); the
        -- thread trigger then takes its reply_count off the category.
        IF FOUND THEN
            UPDATE forum_categories
               SET post_count = post_count - 1
             WHERE id = v_category_id;
        END IF;
    END IF;

    -- The new row starts counting (insert, undelete, or moved here).
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
        v_created_at := coalesce(NEW.created_at, now());
        UPDATE forum_threads t
           SET reply_count   = t.reply_count + 1,
               last_reply_by = CASE WHEN t.last_reply_at IS NULL OR v_created_at >= t.last_reply_at
                                    THEN NEW.author_id ELSE t.last_reply_by END,
               last_reply_at = greatest(t.last_reply_at, v_created_at)
         WHERE t.id = NEW.thread_id
        RETURNING t.category_id INTO v_category_id;
        IF FOUND THEN
            UPDATE forum_categories
               SET post_count   = post_count + 1,
                   last_post_at = greatest(last_post_at, v_created_at)
             WHERE id = v_category_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION forum_posts_maintain_thread_counts() OWNER TO sitesync_service;

CREATE TRIGGER forum_posts_maintain_thread_counts
    AFTER INSERT OR DELETE ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION forum_posts_maintain_thread_counts();

CREATE TRIGGER forum_posts_maintain_thread_counts_on_update
    AFTER UPDATE OF thread_id, deleted_at ON forum_posts
    FOR EACH ROW
    WHEN (OLD.thread_id IS DISTINCT FROM NEW.thread_id
          OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION forum_posts_maintain_thread_counts();

CREATE TRIGGER forum_posts_set_updated_at
    BEFORE UPDATE ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE forum_posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_posts FORCE ROW LEVEL SECURITY;
-- Posts are visible wherever their thread is (thread RLS -> category RLS).
CREATE POLICY forum_posts_select ON forum_posts FOR SELECT
    USING (EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id));
-- Reply as yourself, in a thread you can see.
CREATE POLICY forum_posts_insert ON forum_posts FOR INSERT
    WITH CHECK (author_id = app_current_user()
                AND EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id));
-- The post's author edits it; the thread's author may update it too, to mark
-- it as the accepted answer (the API limits that to is_answer).
CREATE POLICY forum_posts_update ON forum_posts FOR UPDATE
    USING (author_id = app_current_user()
           OR EXISTS (SELECT 1 FROM forum_threads t
                      WHERE t.id = thread_id AND t.author_id = app_current_user()))
    WITH CHECK ((author_id = app_current_user()
                 OR EXISTS (SELECT 1 FROM forum_threads t
                            WHERE t.id = thread_id AND t.author_id = app_current_user()))
                AND EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id));
-- Only the author deletes (soft delete is an UPDATE of deleted_at).
CREATE POLICY forum_posts_delete ON forum_posts FOR DELETE
    USING (author_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON forum_posts TO sitesync_app;
GRANT ALL ON forum_posts TO sitesync_service;

-- =============================================================================
-- forum_subscriptions
-- =============================================================================

-- FORUM SUBSCRIPTIONS
CREATE TABLE forum_subscriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id),

    -- What they're subscribed to
    category_id UUID REFERENCES forum_categories(id),
    thread_id UUID REFERENCES forum_threads(id),

    -- Notification preferences
    notify_email BOOLEAN DEFAULT true,
    notify_push BOOLEAN DEFAULT true,

    created_at TIMESTAMPTZ DEFAULT NOW(),

    UNIQUE(user_id, category_id, thread_id)
);

CREATE INDEX idx_forum_sub_user ON forum_subscriptions(user_id);

ALTER TABLE forum_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_subscriptions FORCE ROW LEVEL SECURITY;
-- Subscriptions are private to their user; you can only subscribe to a
-- category/thread you can see (otherwise notifications would leak it).
CREATE POLICY forum_subscriptions_select ON forum_subscriptions FOR SELECT
    USING (user_id = app_current_user());
CREATE POLICY forum_subscriptions_insert ON forum_subscriptions FOR INSERT
    WITH CHECK (user_id = app_current_user()
                AND (category_id IS NULL
                     OR EXISTS (SELECT 1 FROM forum_categories c WHERE c.id = category_id))
                AND (thread_id IS NULL
                     OR EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id)));
CREATE POLICY forum_subscriptions_update ON forum_subscriptions FOR UPDATE
    USING (user_id = app_current_user())
    WITH CHECK (user_id = app_current_user()
                AND (category_id IS NULL
                     OR EXISTS (SELECT 1 FROM forum_categories c WHERE c.id = category_id))
                AND (thread_id IS NULL
                     OR EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id)));
CREATE POLICY forum_subscriptions_delete ON forum_subscriptions FOR DELETE
    USING (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON forum_subscriptions TO sitesync_app;
GRANT ALL ON forum_subscriptions TO sitesync_service;
