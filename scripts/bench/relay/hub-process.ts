import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort } from "../../cluster/ports.ts";
import { benchUrls } from "./db.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

export type HubProcess = { url: string; child: ChildProcess; stop: () => Promise<void> };

/** The hub's /metrics wants a bearer token (METRICS_TOKEN); the bench makes one per run. */
export const BENCH_METRICS_TOKEN = randomBytes(24).toString("hex");

/**
 * The hub under test as its own process (`node server/main.ts`, SITESYNC_ROLES=api,
 * NODE_ENV=production), pointed at the bench database and a private Redis prefix. A
 * separate process is the honest setup: it competes for the two cores with the clients
 * and Postgres exactly as a co-located deployment would.
 */
export async function spawnHub(options: {
  jwtSecret: string;
  redisPrefix: string;
  /** The database (default: the relay benchmark's). */
  urls?: { app: string; service: string; owner: string };
  /** Extra node flags (bench:cluster's memory step opens the inspector). */
  nodeArgs?: string[];
  /** A fixed port (bench:cluster keeps its ports below the ephemeral range); default any free one. */
  port?: number;
  /** The checkout whose server/main.ts runs (an A/B probe runs another commit's); default this one. */
  root?: string;
}): Promise<HubProcess> {
  const urls = options.urls ?? benchUrls;
  const port = options.port ?? (await freePort());
  // e.g. BENCH_HUB_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/hub-prof" to profile the hub.
  const nodeArgs = [
    ...(process.env.BENCH_HUB_NODE_ARGS ?? "").split(" ").filter(Boolean),
    ...(options.nodeArgs ?? []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, "server/main.ts"], {
    cwd: options.root ?? ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SITESYNC_ROLES: "api",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      SITESYNC_SKIP_DOTENV: "1",
      JWT_SECRET: options.jwtSecret,
      REDIS_KEY_PREFIX: options.redisPrefix,
      DATABASE_URL: urls.app,
      SERVICE_DATABASE_URL: urls.service,
      MIGRATION_DATABASE_URL: urls.owner,
      // Production demands an SMTP server; the bench sends no mail.
      SMTP_URL: process.env.SMTP_URL ?? "smtp://127.0.0.1:1025",
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const hub: HubProcess = {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error("hub exited during boot");
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return hub;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await hub.stop();
      throw new Error("hub not ready in 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
