import { afterAll } from "vitest";
import { parseEnv } from "../../server/env.ts";
import { closeRuntime, createRuntime, type Runtime } from "../../server/runtime.ts";
import { type RunningServer, type ServerAttachment, startServer } from "../../server/server.ts";

/**
 * A real runtime (app pool as sitesync_app under RLS, service pool, Redis) against this
 * test file's private database (see test/setup/per-file.ts). Closed after the file.
 */
export async function testRuntime(overrides: Record<string, string> = {}): Promise<Runtime> {
  const runtime = await createRuntime(parseEnv({ ...process.env, ...overrides }));
  afterAll(() => closeRuntime(runtime));
  return runtime;
}

/** Starts the real HTTP server on a free port; closed after the file. */
export async function testServer(
  runtime?: Runtime,
  attachments: ServerAttachment[] = [],
): Promise<RunningServer & { runtime: Runtime }> {
  const rt = runtime ?? (await testRuntime());
  const server = await startServer(rt, 0, attachments);
  afterAll(() => server.close());
  return { ...server, runtime: rt };
}

/** fetch with JSON in and out, for route tests. */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    rawBody?: string;
  } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON body stays text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
