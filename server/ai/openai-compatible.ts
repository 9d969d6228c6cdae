import { z } from "zod";

/**
 * A minimal client for OpenAI-compatible HTTP APIs (OpenAI, Azure OpenAI's /v1 surface,
 * vLLM, Ollama, LM Studio, llama.cpp server...). Only the two calls SiteSync uses:
 * POST {baseUrl}/embeddings and POST {baseUrl}/chat/completions. Responses are validated
 * with zod; a non-2xx answer or a timeout is an OpenAICompatibleError.
 */
export type OpenAICompatibleConfig = {
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 */
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  timeoutMs?: number;
};

export class OpenAICompatibleError extends Error {}

async function post<T>(
  config: OpenAICompatibleConfig,
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
): Promise<T> {
  const url = `${config.baseUrl.replace(/\/+$/, "")}${path}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(config.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new OpenAICompatibleError(`${path}: ${(err as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new OpenAICompatibleError(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new OpenAICompatibleError(`${path}: unexpected response shape`);
  return parsed.data;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })),
});

/** One vector per input, in input order (the API may answer out of order; `index` says). */
export async function createEmbeddings(
  config: OpenAICompatibleConfig,
  input: readonly string[],
  dimensions: number,
): Promise<number[][]> {
  const res = await post(
    config,
    "/embeddings",
    { model: config.model, input, dimensions, encoding_format: "float" },
    EmbeddingsResponse,
  );
  const out: number[][] = new Array(input.length);
  for (const item of res.data) out[item.index] = item.embedding;
  for (let i = 0; i < input.length; i++) {
    if (out[i]?.length !== dimensions) {
      throw new OpenAICompatibleError(`/embeddings: input ${i} has no ${dimensions}-d vector`);
    }
  }
  return out;
}

const ChatResponse = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

/** The first choice's text. */
export async function chatCompletion(
  config: OpenAICompatibleConfig,
  messages: readonly ChatMessage[],
  options: { maxTokens?: number; temperature?: number } = {},
): Promise<string> {
  const res = await post(
    config,
    "/chat/completions",
    {
      model: config.model,
      messages,
      max_tokens: options.maxTokens ?? 300,
      temperature: options.temperature ?? 0,
    },
    ChatResponse,
  );
  return res.choices[0]?.message.content?.trim() ?? "";
}
