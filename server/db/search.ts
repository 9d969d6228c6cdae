import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { SEARCH_TYPES, type SearchType } from "../../shared/search.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * The three retrievers behind GET /api/v1/search, per searchable type. Each runs in the
 * caller's RLS context (withTenant) and adds the type's own visibility on top: no deleted
 * rows, no rejected knowledge, no superseded document versions, no unapproved forum threads
 * but the caller's own. The full-text and trigram expressions repeat migrations/0071's
 * indexes verbatim so the planner can use them.
 */
export { SEARCH_TYPES, type SearchType };

export const Hit = z.object({
  id: z.string(),
  title: z.string(),
  score: z.number(),
  snippet: z.string().nullable(),
});
export type Hit = z.infer<typeof Hit>;

type Source = {
  from: FragmentSqlToken;
  title: FragmentSqlToken;
  fts: FragmentSqlToken;
  snippetText: FragmentSqlToken;
  visible: FragmentSqlToken;
  embedding: FragmentSqlToken;
};

const SOURCES: Record<SearchType, Source> = {
  knowledge: {
    from: sql.fragment`knowledge_contributions x`,
    title: sql.fragment`x.title`,
    fts: sql.fragment`to_tsvector('english'::regconfig, coalesce(x.title, '') || ' ' || coalesce(x.content, ''))`,
    snippetText: sql.fragment`left(x.content, 5000)`,
    visible: sql.fragment`x.status NOT IN ('rejected', 'deprecated')`,
    embedding: sql.fragment`x.embedding`,
  },
  documents: {
    from: sql.fragment`documents x`,
    title: sql.fragment`coalesce(x.title, x.original_filename)`,
    fts: sql.fragment`to_tsvector('english'::regconfig,
        coalesce(x.title, '') || ' ' || coalesce(x.description, '') || ' ' || coalesce(left(x.extracted_text, 100000), ''))`,
    snippetText: sql.fragment`left(coalesce(x.description, '') || ' ' || coalesce(x.extracted_text, ''), 5000)`,
    visible: sql.fragment`x.deleted_at IS NULL AND coalesce(x.is_current_version, true)`,
    embedding: sql.fragment`x.embedding`,
  },
  forum_threads: {
    from: sql.fragment`forum_threads x LEFT JOIN forum_thread_embeddings fe ON fe.thread_id = x.id`,
    title: sql.fragment`x.title`,
    fts: sql.fragment`to_tsvector('english'::regconfig,
        coalesce(x.title, '') || ' ' || coalesce(x.fault_code, '') || ' ' || coalesce(x.equipment_manufacturer, '') || ' ' || coalesce(x.equipment_model, ''))`,
    snippetText: sql.fragment`x.title`,
    visible: sql.fragment`x.deleted_at IS NULL
        AND (coalesce(x.is_approved, true) OR x.author_id = app_current_user())`,
    embedding: sql.fragment`fe.embedding`,
  },
};

/** Postgres full-text search (english stemming, web-search syntax), ranked by ts_rank_cd. */
export function fullTextHits(tx: Tx, type: SearchType, q: string, limit: number) {
  const s = SOURCES[type];
  return tx.any(sql.type(Hit)`
    SELECT x.id, ${s.title} AS title,
           ts_rank_cd(${s.fts}, websearch_to_tsquery('english', ${q}))::float8 AS score,
           ts_headline('english', ${s.snippetText}, websearch_to_tsquery('english', ${q}),
                       'MaxFragments=1, MaxWords=30, MinWords=10') AS snippet
      FROM ${s.from}
     WHERE ${s.fts} @@ websearch_to_tsquery('english', ${q}) AND ${s.visible}
     ORDER BY score DESC, x.id
     LIMIT ${limit}`);
}

/** Trigram word similarity of the query to the title: survives typos and partial words. */
export function trigramHits(tx: Tx, type: SearchType, q: string, limit: number) {
  const s = SOURCES[type];
  return tx.any(sql.type(Hit)`
    SELECT x.id, ${s.title} AS title, word_similarity(${q}, ${s.title})::float8 AS score,
           NULL::text AS snippet
      FROM ${s.from}
     WHERE ${q} <% ${s.title} AND ${s.visible}
     ORDER BY score DESC, x.id
     LIMIT ${limit}`);
}

/** Nearest embeddings by cosine distance (HNSW); score is cosine similarity. */
export function vectorHits(tx: Tx, type: SearchType, vector: string, limit: number) {
  const s = SOURCES[type];
  return tx.any(sql.type(Hit)`
    SELECT x.id, ${s.title} AS title,
           (1 - (${s.embedding} <=> ${vector}::vector))::float8 AS score, NULL::text AS snippet
      FROM ${s.from}
     WHERE ${s.embedding} IS NOT NULL AND ${s.visible}
     ORDER BY ${s.embedding} <=> ${vector}::vector, x.id
     LIMIT ${limit}`);
}

/**
 * RLS filters rows after the HNSW index returns its candidates; pgvector's iterative scan
 * keeps scanning until enough visible rows are found instead of returning fewer. The
 * trigram threshold makes `<%` match at a word similarity of 0.3.
 */
export async function prepareSearch(tx: Tx): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.ef_search', '100', true),
           set_config('pg_trgm.word_similarity_threshold', '0.3', true)`);
}
