-- 0071 embeddings and hybrid search (added; not in the seed)
--
-- What gets embedded, when it needs (re-)embedding, and the indexes behind
-- GET /api/v1/search (docs/search.md):
--   * the text of each searchable row comes from ONE SQL function per table, used
--     both by the embeddings sweep and by its write guard (a row changed while it
--     was being embedded is not marked clean);
--   * knowledge contributions and documents keep their seed `embedding` column
--     and get `embedding_hash` (sha256 of provider id + text last embedded) and
--     `embedding_dirty` (set by a trigger when a column the text uses changes);
--   * forum threads are a streamed table (realtime payloads carry the whole row),
--     so their vectors live beside them in forum_thread_embeddings: re-embedding
--     never emits a forum_thread.updated event, and no payload carries 1536 floats;
--   * full-text (english) and trigram GIN indexes; HNSW cosine indexes on every
--     embedding (knowledge and documents have theirs since 0003).

-- ---------------------------------------------------------------------------
-- The text of each row
-- ---------------------------------------------------------------------------
CREATE FUNCTION knowledge_embedding_text(k knowledge_contributions) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT concat_ws(E'\n', k.title, k.content,
                     nullif(concat_ws(' ', k.equipment_manufacturer, k.equipment_model, k.fault_code), ''),
                     array_to_string(k.tags, ' '))
$$;

CREATE FUNCTION document_embedding_text(d documents) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT concat_ws(E'\n', d.title, d.description,
                     nullif(concat_ws(' ', d.manufacturer, d.equipment_model), ''),
                     array_to_string(d.tags, ' '),
                     left(d.extracted_text, 20000))
$$;

-- A thread's title and context, then its visible posts in order (the opening post
-- and the answers are where the substance is). Reads forum_posts: STABLE.
CREATE FUNCTION forum_thread_embedding_text(t forum_threads) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT concat_ws(E'\n', t.title,
                     nullif(concat_ws(' ', t.equipment_manufacturer, t.equipment_model, t.fault_code), ''),
                     array_to_string(t.tags, ' '),
                     (SELECT left(string_agg(p.content, E'\n' ORDER BY p.created_at, p.id), 20000)
                        FROM forum_posts p
                       WHERE p.thread_id = t.id AND p.deleted_at IS NULL
                         AND coalesce(p.is_approved, true)))
$$;

-- ---------------------------------------------------------------------------
-- knowledge_contributions and documents: hash + dirty flag
-- ---------------------------------------------------------------------------
ALTER TABLE knowledge_contributions
    ADD COLUMN embedding_hash TEXT,
    ADD COLUMN embedding_dirty BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE documents
    ADD COLUMN embedding_hash TEXT,
    ADD COLUMN embedding_dirty BOOLEAN NOT NULL DEFAULT true;

CREATE INDEX idx_knowledge_embedding_dirty ON knowledge_contributions (id) WHERE embedding_dirty;
CREATE INDEX idx_documents_embedding_dirty ON documents (id) WHERE embedding_dirty;

CREATE FUNCTION mark_embedding_dirty() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.embedding_dirty := true;
    RETURN NEW;
END
$$;

CREATE TRIGGER knowledge_contributions_embedding_dirty
    BEFORE UPDATE OF title, content, equipment_manufacturer, equipment_model, fault_code, tags
    ON knowledge_contributions
    FOR EACH ROW
    WHEN (knowledge_embedding_text(OLD) IS DISTINCT FROM knowledge_embedding_text(NEW))
    EXECUTE FUNCTION mark_embedding_dirty();

CREATE TRIGGER documents_embedding_dirty
    BEFORE UPDATE OF title, description, manufacturer, equipment_model, tags, extracted_text
    ON documents
    FOR EACH ROW
    WHEN (document_embedding_text(OLD) IS DISTINCT FROM document_embedding_text(NEW))
    EXECUTE FUNCTION mark_embedding_dirty();

-- ---------------------------------------------------------------------------
-- forum_thread_embeddings
-- ---------------------------------------------------------------------------
CREATE TABLE forum_thread_embeddings (
    thread_id UUID PRIMARY KEY REFERENCES forum_threads(id) ON DELETE CASCADE,
    embedding vector(1536),
    embedding_hash TEXT,
    dirty BOOLEAN NOT NULL DEFAULT false,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX idx_forum_thread_embeddings_vector ON forum_thread_embeddings
    USING hnsw (embedding vector_cosine_ops);
CREATE INDEX idx_forum_thread_embeddings_dirty ON forum_thread_embeddings (thread_id) WHERE dirty;

ALTER TABLE forum_thread_embeddings ENABLE ROW LEVEL SECURITY;
ALTER TABLE forum_thread_embeddings FORCE ROW LEVEL SECURITY;
-- Visible exactly when its thread is (the EXISTS runs under forum_threads' RLS).
CREATE POLICY forum_thread_embeddings_select ON forum_thread_embeddings FOR SELECT
    USING (EXISTS (SELECT 1 FROM forum_threads t WHERE t.id = thread_id));

-- Requests only read; the embeddings sweep (service role) writes.
REVOKE ALL ON forum_thread_embeddings FROM sitesync_app;
GRANT SELECT ON forum_thread_embeddings TO sitesync_app;
GRANT ALL ON forum_thread_embeddings TO sitesync_service;

-- A thread whose text may have changed is marked dirty (a new thread has no row:
-- the sweep embeds threads without one). SECURITY DEFINER: authors may not write here.
CREATE FUNCTION forum_thread_embedding_dirty() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'forum_threads' THEN
        UPDATE forum_thread_embeddings SET dirty = true WHERE thread_id = NEW.id AND NOT dirty;
    ELSE
        UPDATE forum_thread_embeddings SET dirty = true
         WHERE thread_id IN (OLD.thread_id, NEW.thread_id) AND NOT dirty;
    END IF;
    RETURN NULL;
END
$$;
ALTER FUNCTION forum_thread_embedding_dirty() OWNER TO sitesync_service;

CREATE TRIGGER forum_threads_embedding_dirty
    AFTER UPDATE OF title, equipment_manufacturer, equipment_model, fault_code, tags ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION forum_thread_embedding_dirty();
-- OLD/NEW are NULL for INSERT/DELETE respectively; IN (NULL, x) still matches x.
CREATE TRIGGER forum_posts_embedding_dirty
    AFTER INSERT OR DELETE OR UPDATE OF content, deleted_at, is_approved, thread_id ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION forum_thread_embedding_dirty();

-- ---------------------------------------------------------------------------
-- Full-text and trigram indexes used by search (the expressions are repeated
-- verbatim in server/db/search.ts so the planner can use them)
-- ---------------------------------------------------------------------------
CREATE INDEX idx_knowledge_fts ON knowledge_contributions
    USING gin (to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(content, '')));
CREATE INDEX idx_knowledge_title_trgm ON knowledge_contributions USING gin (title gin_trgm_ops);

CREATE INDEX idx_documents_fts ON documents
    USING gin (to_tsvector('english'::regconfig,
        coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(left(extracted_text, 100000), '')));
CREATE INDEX idx_documents_title_trgm ON documents USING gin (title gin_trgm_ops);

CREATE INDEX idx_forum_thread_fts ON forum_threads
    USING gin (to_tsvector('english'::regconfig,
        coalesce(title, '') || ' ' || coalesce(fault_code, '') || ' ' || coalesce(equipment_manufacturer, '') || ' ' || coalesce(equipment_model, '')));
CREATE INDEX idx_forum_thread_title_trgm ON forum_threads USING gin (title gin_trgm_ops);
