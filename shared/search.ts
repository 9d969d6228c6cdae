import { z } from "zod";
import { queryInt } from "./schemas/fields.ts";

/** GET /api/v1/search: request and response, shared with clients. */
export const SEARCH_TYPES = ["knowledge", "documents", "forum_threads"] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
export const SEARCH_METHODS = ["full_text", "trigram", "vector"] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(500),
  /** A comma list; all types when absent. */
  types: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim()) : [...SEARCH_TYPES]))
    .pipe(z.array(z.enum(SEARCH_TYPES)).min(1)),
  limit: queryInt(1, 50).default(20),
});

/** Why a result matched: its rank and score in each retriever that found it. */
const Match = z.object({ rank: z.number().int(), score: z.number() });

export const SearchResult = z.object({
  type: z.enum(SEARCH_TYPES),
  id: z.uuid(),
  title: z.string(),
  /** Reciprocal rank fusion score (sum of 1 / (60 + rank) over the retrievers). */
  score: z.number(),
  /** Full-text excerpt with the matched words in <b>…</b>, when full-text matched. */
  snippet: z.string().nullable(),
  matched_by: z.object({
    full_text: Match.optional(),
    trigram: Match.optional(),
    vector: Match.optional(),
  }),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResponse = z.object({
  data: z.array(SearchResult),
  /** The embedding provider used for the vector retriever (lexical unless configured). */
  embedding_provider: z.string(),
  /** Retrievers skipped because a dependency failed (the embedding provider: "vector"). */
  unavailable: z.array(z.enum(SEARCH_METHODS)),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
