import type { Env } from "../env.ts";
import { createEmbeddings, type OpenAICompatibleConfig } from "./openai-compatible.ts";
import { words } from "./text.ts";

/** The seed's vector(1536) columns. */
export const EMBEDDING_DIMENSIONS = 1536;

/**
 * Turns texts into unit vectors of EMBEDDING_DIMENSIONS. `id` names the provider and
 * model; it is part of each row's content hash, so switching providers re-embeds.
 * A text with nothing to embed gives null (pgvector cannot compare a zero vector).
 */
export type EmbeddingProvider = {
  id: string;
  embed: (texts: readonly string[]) => Promise<Array<number[] | null>>;
};

/** FNV-1a, 32 bits: fast, stable across processes and versions (unlike Math.random seeds). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function unit(v: Float64Array): number[] | null {
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  return Array.from(v, (x) => x * inv);
}

/**
 * The offline default: a deterministic LEXICAL embedding, not a semantic one. Each word,
 * each pair of adjacent words and each character trigram of a word (with boundary marks,
 * so "door" ~ "doors") is hashed to one of 1536 dimensions with a hashed sign (the
 * "hashing trick"); counts are damped (1 + ln tf) and the vector is L2-normalised. Texts
 * that share words and word pieces are close; synonyms ("lift" / "elevator") are not.
 * No model, no download, identical on every machine.
 */
export function lexicalEmbedding(dimensions = EMBEDDING_DIMENSIONS): EmbeddingProvider {
  const features = (text: string): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (f: string, w: number) => counts.set(f, (counts.get(f) ?? 0) + w);
    const tokens = words(text);
    tokens.forEach((t, i) => {
      add(`w:${t}`, 1);
      if (i > 0) add(`b:${tokens[i - 1]} ${t}`, 1);
      const padded = `<${t}>`;
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.5);
    });
    return counts;
  };
  return {
    id: `lexical-v1-${dimensions}`,
    embed: async (texts) =>
      texts.map((text) => {
        const v = new Float64Array(dimensions);
        for (const [feature, count] of features(text)) {
          const h = fnv1a(feature);
          const sign = h & 0x80000000 ? -1 : 1;
          v[h % dimensions]! += sign * (1 + Math.log(count));
        }
        return unit(v);
      }),
  };
}

/** Any OpenAI-compatible /v1/embeddings endpoint, asked for 1536 dimensions. */
export function openAICompatibleEmbedding(
  config: OpenAICompatibleConfig,
  dimensions = EMBEDDING_DIMENSIONS,
): EmbeddingProvider {
  return {
    id: `openai:${config.model}:${dimensions}`,
    embed: async (texts) => {
      const inputs = texts.map((t) => t.trim());
      const wanted = inputs.flatMap((t, i) => (t ? [i] : []));
      const out: Array<number[] | null> = inputs.map(() => null);
      if (wanted.length === 0) return out;
      const vectors = await createEmbeddings(
        config,
        wanted.map((i) => inputs[i]!),
        dimensions,
      );
      wanted.forEach((i, k) => {
        out[i] = unit(Float64Array.from(vectors[k]!));
      });
      return out;
    },
  };
}

export function embeddingProviderFor(env: Env): EmbeddingProvider {
  if (env.EMBEDDINGS_PROVIDER === "openai" && env.EMBEDDINGS_BASE_URL) {
    return openAICompatibleEmbedding({
      baseUrl: env.EMBEDDINGS_BASE_URL,
      apiKey: env.EMBEDDINGS_API_KEY,
      model: env.EMBEDDINGS_MODEL,
    });
  }
  return lexicalEmbedding();
}

/** pgvector's text form. */
export const vectorLiteral = (v: readonly number[]): string => `[${v.join(",")}]`;
