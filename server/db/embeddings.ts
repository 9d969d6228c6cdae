import { createHash } from "node:crypto";
import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import { vectorLiteral } from "../ai/embeddings.ts";

/**
 * The embeddings sweep's SQL (migrations/0071). Service role: the sweep maintains a
 * derived column of every organisation's rows and of platform-wide ones; it reads a row's
 * text and writes only its embedding, hash and dirty flag.
 *
 * The text comes from one SQL function per table, so the write guard can recompute it:
 * a row whose text changed after it was read keeps its dirty flag and is embedded again
 * by the next sweep, never marked clean with a stale vector.
 */
export const EMBEDDED_KINDS = ["knowledge", "documents", "forum_threads"] as const;
export type EmbeddedKind = (typeof EMBEDDED_KINDS)[number];

export const DirtyRow = z.object({
  id: z.string(),
  text: z.string(),
  embedding_hash: z.string().nullable(),
});
export type DirtyRow = z.infer<typeof DirtyRow>;

/** sha256 of provider id + text: the same in SQL (`currentHash`) and here. */
export const contentHash = (providerId: string, text: string) =>
  createHash("sha256").update(`${providerId}\n${text}`, "utf8").digest("hex");

const currentHash = (providerId: string, text: ReturnType<typeof sql.fragment>) =>
  sql.fragment`encode(sha256(convert_to(${providerId} || E'\\n' || ${text}, 'UTF8')), 'hex')`;

export function findDirty(
  db: DatabasePool,
  kind: EmbeddedKind,
  limit: number,
): Promise<readonly DirtyRow[]> {
  switch (kind) {
    case "knowledge":
      return db.any(sql.type(DirtyRow)`
        SELECT k.id, knowledge_embedding_text(k) AS text, k.embedding_hash
          FROM knowledge_contributions k WHERE k.embedding_dirty ORDER BY k.id LIMIT ${limit}`);
    case "documents":
      return db.any(sql.type(DirtyRow)`
        SELECT d.id, document_embedding_text(d) AS text, d.embedding_hash
          FROM documents d WHERE d.embedding_dirty ORDER BY d.id LIMIT ${limit}`);
    case "forum_threads":
      return db.any(sql.type(DirtyRow)`
        SELECT t.id, forum_thread_embedding_text(t) AS text, e.embedding_hash
          FROM forum_threads t LEFT JOIN forum_thread_embeddings e ON e.thread_id = t.id
         WHERE e.thread_id IS NULL OR e.dirty
         ORDER BY t.id LIMIT ${limit}`);
  }
}

/**
 * Stores a row's embedding (`vector` null: nothing to embed) or, with `keep`, only marks
 * it clean because its text hashes as before. Returns false when the row's text changed
 * meanwhile (or the row is gone): it stays dirty.
 */
export async function saveEmbedding(
  db: DatabasePool,
  kind: EmbeddedKind,
  providerId: string,
  row: { id: string; hash: string },
  vector: readonly number[] | null | "keep",
): Promise<boolean> {
  const value =
    vector === "keep"
      ? sql.fragment`embedding`
      : vector === null
        ? sql.fragment`NULL`
        : sql.fragment`${vectorLiteral(vector)}::vector`;
  const Result = z.object({ id: z.string() });
  switch (kind) {
    case "knowledge":
      return (
        (await db.maybeOne(sql.type(Result)`
          UPDATE knowledge_contributions k
             SET embedding = ${value}, embedding_hash = ${row.hash}, embedding_dirty = false
           WHERE k.id = ${row.id}
             AND ${currentHash(providerId, sql.fragment`knowledge_embedding_text(k)`)} = ${row.hash}
          RETURNING k.id`)) !== null
      );
    case "documents":
      return (
        (await db.maybeOne(sql.type(Result)`
          UPDATE documents d
             SET embedding = ${value}, embedding_hash = ${row.hash}, embedding_dirty = false
           WHERE d.id = ${row.id}
             AND ${currentHash(providerId, sql.fragment`document_embedding_text(d)`)} = ${row.hash}
          RETURNING d.id`)) !== null
      );
    case "forum_threads": {
      const kept = vector === "keep" ? sql.fragment`e.embedding` : value;
      return (
        (await db.maybeOne(sql.type(Result)`
          INSERT INTO forum_thread_embeddings AS e (thread_id, embedding, embedding_hash, dirty)
          SELECT t.id, ${vector === "keep" ? sql.fragment`NULL` : value}, ${row.hash}, false
            FROM forum_threads t
           WHERE t.id = ${row.id}
             AND ${currentHash(providerId, sql.fragment`forum_thread_embedding_text(t)`)} = ${row.hash}
          ON CONFLICT (thread_id) DO UPDATE
             SET embedding = ${kept}, embedding_hash = EXCLUDED.embedding_hash,
                 dirty = false, updated_at = now()
          RETURNING e.thread_id AS id`)) !== null
      );
    }
  }
}
