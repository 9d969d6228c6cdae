import { afterAll } from "vitest";
import { parseEnv } from "../../server/env.ts";
import { closeRuntime, createRuntime, type Runtime } from "../../server/runtime.ts";
import { type RunningServer, type ServerAttachment, startServer } from "../../server/server.ts";
import { type Mailbox, startMailbox } from "./mailbox.ts";

const mailboxes = new WeakMap<Runtime, Mailbox>();

/** The SMTP server on loopback that receives this runtime's e-mails. */
export function mailboxOf(runtime: Runtime): Mailbox {
  const mailbox = mailboxes.get(runtime);
  if (!mailbox) throw new Error("this runtime was not made by testRuntime() with a mailbox");
  return mailbox;
}

/**
 * A real runtime (app pool as sitesync_app under RLS, service pool, Redis) against this
 * test file's private database (see test/setup/per-file.ts), sending its e-mails over
 * SMTP to a real SMTP server of its own on loopback (mailboxOf). Closed after the file.
 */
export async function testRuntime(overrides: Record<string, string> = {}): Promise<Runtime> {
  const mailbox = overrides.SMTP_URL ? null : await startMailbox();
  const smtp = mailbox ? { SMTP_URL: mailbox.url } : {};
  const runtime = await createRuntime(parseEnv({ ...process.env, ...smtp, ...overrides }));
  if (mailbox) mailboxes.set(runtime, mailbox);
  afterAll(async () => {
    await closeRuntime(runtime);
    await mailbox?.close();
  });
  return runtime;
}

/** Starts the real HTTP server on a free port; closed after the file. */
export async function testServer(
  runtime?: Runtime,
  attachments: ServerAttachment[] = [],
): Promise<RunningServer & { runtime: Runtime; mailbox: Mailbox }> {
  const rt = runtime ?? (await testRuntime());
  const server = await startServer(rt, 0, attachments);
  afterAll(() => server.close());
  return { ...server, runtime: rt, mailbox: mailboxOf(rt) };
}

/** The bearer header /metrics wants (vitest.config.ts sets METRICS_TOKEN for every test). */
export const METRICS_HEADERS = { authorization: `Bearer ${process.env.METRICS_TOKEN ?? ""}` };

/** The Prometheus text of a running server's /metrics. */
export async function metricsText(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: METRICS_HEADERS });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
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
