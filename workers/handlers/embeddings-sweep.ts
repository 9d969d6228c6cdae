import { embeddingProviderFor } from "../../server/ai/embeddings.ts";
import {
  contentHash,
  EMBEDDED_KINDS,
  type EmbeddedKind,
  findDirty,
  saveEmbedding,
} from "../../server/db/embeddings.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import type { JobContext } from "./context.ts";

/** Batches per kind per run: a row that keeps changing cannot keep one sweep busy. */
const MAX_BATCHES = 20;

export type SweepResult = Record<EmbeddedKind, { embedded: number; unchanged: number }>;

/**
 * Embeds every row whose text may have changed (knowledge contributions, documents, forum
 * threads: migrations/0071), in batches. A row whose text hashes as when it was last
 * embedded (same provider) is only marked clean: re-embedding happens only when the
 * content really changed. Service role: a derived column of every tenant's rows.
 * Idempotent: the writes are guarded by the content hash, so a second run or a run after
 * a crash finds nothing (or only what is still dirty) to do.
 */
export async function sweepEmbeddings(
  payload: JobPayload<"embeddings.sweep">,
  { runtime, signal }: JobContext,
): Promise<SweepResult> {
  const provider = embeddingProviderFor(runtime.env);
  const result = {} as SweepResult;
  for (const kind of EMBEDDED_KINDS) {
    const counts = { embedded: 0, unchanged: 0 };
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      signal.throwIfAborted();
      const rows = await findDirty(runtime.serviceDb, kind, payload.batch_size);
      const hashed = rows.map((r) => ({ ...r, hash: contentHash(provider.id, r.text) }));
      const changed = hashed.filter((r) => r.hash !== r.embedding_hash);
      for (const r of hashed.filter((r) => r.hash === r.embedding_hash)) {
        if (await saveEmbedding(runtime.serviceDb, kind, provider.id, r, "keep")) {
          counts.unchanged++;
        }
      }
      const vectors = changed.length > 0 ? await provider.embed(changed.map((r) => r.text)) : [];
      for (const [i, r] of changed.entries()) {
        if (await saveEmbedding(runtime.serviceDb, kind, provider.id, r, vectors[i] ?? null)) {
          counts.embedded++;
        }
      }
      if (rows.length < payload.batch_size) break;
    }
    result[kind] = counts;
  }
  return result;
}
