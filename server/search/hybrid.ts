import type { DatabasePool } from "slonik";
import type {
  SearchMethod,
  SearchResponse,
  SearchResult,
  SearchType,
} from "../../shared/search.ts";
import { embeddingProviderFor, vectorLiteral } from "../ai/embeddings.ts";
import { OpenAICompatibleError } from "../ai/openai-compatible.ts";
import { fullTextHits, type Hit, prepareSearch, trigramHits, vectorHits } from "../db/search.ts";
import { type TenantContext, withTenant } from "../db/tenant-context.ts";
import type { Env } from "../env.ts";
import { logger } from "../logger.ts";

/** Candidates each retriever contributes per type before fusion. */
const CANDIDATES = 50;
/** The RRF constant of Cormack et al. (2009): dampens the weight of the very first ranks. */
const RRF_K = 60;

export type SearchInput = { q: string; types: SearchType[]; limit: number };
export type RetrieverSet = readonly SearchMethod[];

/**
 * Hybrid retrieval: full-text, trigram and vector retrievers per type, fused by
 * reciprocal rank fusion (score = Σ 1 / (60 + rank) over the retrievers that found the
 * row), so a row found by several retrievers rises, and no retriever's raw scores need
 * calibrating against another's. Everything runs in the caller's RLS context.
 * `methods` restricts the retrievers (the benchmark compares them alone and fused). If
 * the embedding provider cannot embed the query, the other retrievers still answer and
 * `unavailable` says which retriever was skipped.
 */
export async function hybridSearch(
  deps: { db: DatabasePool; env: Env },
  tenant: TenantContext,
  input: SearchInput,
  methods: RetrieverSet = ["full_text", "trigram", "vector"],
): Promise<SearchResponse> {
  const provider = embeddingProviderFor(deps.env);
  const unavailable: SearchMethod[] = [];
  let vector: number[] | null = null;
  if (methods.includes("vector")) {
    try {
      [vector = null] = await provider.embed([input.q]);
    } catch (err) {
      // A remote embedding provider being down degrades search, it does not fail it.
      if (!(err instanceof OpenAICompatibleError)) throw err;
      logger.warn({ err: err.message }, "query embedding failed; searching without vectors");
      unavailable.push("vector");
    }
  }
  const lists = await withTenant(deps.db, tenant, async (tx) => {
    await prepareSearch(tx);
    const out: Array<{ type: SearchType; method: SearchMethod; hits: readonly Hit[] }> = [];
    for (const type of input.types) {
      if (methods.includes("full_text"))
        out.push({
          type,
          method: "full_text",
          hits: await fullTextHits(tx, type, input.q, CANDIDATES),
        });
      if (methods.includes("trigram"))
        out.push({
          type,
          method: "trigram",
          hits: await trigramHits(tx, type, input.q, CANDIDATES),
        });
      if (methods.includes("vector") && vector)
        out.push({
          type,
          method: "vector",
          hits: await vectorHits(tx, type, vectorLiteral(vector), CANDIDATES),
        });
    }
    return out;
  });

  const fused = new Map<string, SearchResult>();
  for (const { type, method, hits } of lists) {
    hits.forEach((hit, i) => {
      const key = `${type}:${hit.id}`;
      const result = fused.get(key) ?? {
        type,
        id: hit.id,
        title: hit.title,
        score: 0,
        snippet: null,
        matched_by: {},
      };
      result.score += 1 / (RRF_K + i + 1);
      result.matched_by[method] = { rank: i + 1, score: Math.round(hit.score * 1e4) / 1e4 };
      if (hit.snippet) result.snippet = hit.snippet;
      fused.set(key, result);
    });
  }
  const data = [...fused.values()]
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, input.limit)
    .map((r) => ({ ...r, score: Math.round(r.score * 1e6) / 1e6 }));
  return { data, embedding_provider: provider.id, unavailable };
}
