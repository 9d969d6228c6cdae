import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { clusterBinaries } from "./binaries.ts";
import { nginxProcess } from "./nginx.ts";
import { pgbouncerProcess } from "./pgbouncer.ts";
import { assertBelowEphemeral } from "./ports.ts";
import { type Managed, managed, portOpen } from "./process.ts";
import { type RedisGroup, startRedisGroup } from "./redis.ts";

/**
 * The scale-out topology on one machine, from the project's own code and the machine's
 * packages (docs/cluster.md):
 *
 *   clients ─▶ nginx :base ─▶ hub 1..N :base+1.. (node server/main.ts, SITESYNC_ROLES=api)
 *   workers (SITESYNC_ROLES=workers, its own process)
 *   hubs + workers ─▶ PgBouncer :base+10 (transaction mode) ─▶ Postgres
 *   each hub's LISTEN ─────────────────────────────────────────▶ Postgres (direct)
 *   hubs + workers ─▶ Redis primary :base+20 / replica :base+21, Sentinels :base+30..32
 *
 * Every app process runs the same code as a single-process install; only env differs.
 */
export const ROOT = path.resolve(import.meta.dirname, "../..");

export type ClusterPorts = {
  nginx: number;
  hubs: number[];
  pgbouncer: number;
  redis: [number, number];
  sentinels: number[];
};

export const HUB_COUNT = 3;

/** Every port from one base, so one number moves the whole cluster (docs/cluster.md). */
export function clusterPorts(base: number, hubs = HUB_COUNT): ClusterPorts {
  return {
    nginx: base,
    hubs: Array.from({ length: hubs }, (_, i) => base + 1 + i),
    pgbouncer: base + 10,
    redis: [base + 20, base + 21],
    sentinels: [base + 30, base + 31, base + 32],
  };
}

export const allPorts = (p: ClusterPorts) => [
  p.nginx,
  ...p.hubs,
  p.pgbouncer,
  ...p.redis,
  ...p.sentinels,
];

export type ClusterOptions = {
  dir: string;
  ports: ClusterPorts;
  /** Direct Postgres URLs (the app, service and owner roles) of the database to serve. */
  database: { app: string; service: string; owner: string };
  /** Extra env for every app process (JWT_SECRET, LOG_LEVEL, REDIS_KEY_PREFIX, …). */
  env?: Record<string, string>;
  /** Node flags for the app processes (e.g. --max-old-space-size). */
  nodeArgs?: string[];
  redisName?: string;
  /** Sentinels' down-after-milliseconds (a dead primary is failed over after this). */
  redisDownAfterMs?: number;
  pgbouncerPoolSize?: number;
  workers?: boolean;
  /** Called with each step as the cluster comes up. */
  log?: (line: string) => void;
};

export type HubHandle = Managed & { url: string; port: number };

export type Cluster = {
  dir: string;
  ports: ClusterPorts;
  /** nginx: what clients use. */
  url: string;
  hubs: HubHandle[];
  workers: Managed | null;
  pgbouncer: Managed;
  nginx: Managed;
  redis: RedisGroup;
  /** The env the app processes got (apart from PORT/SITESYNC_ROLES). */
  appEnv: Record<string, string>;
  /** Stops everything it started, in reverse order. */
  stop: () => Promise<void>;
};

const viaPgBouncer = (url: string, port: number) => {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
};

const credentials = (...urls: string[]) =>
  Object.fromEntries(
    urls.map((url) => {
      const u = new URL(url);
      return [decodeURIComponent(u.username), decodeURIComponent(u.password)];
    }),
  );

async function readyz(url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3_000) });
  return res.status === 200;
}

/** The workers process logs this line once its BullMQ workers run (server/main.ts). */
function workersStarted(logFile: string, since: number): boolean {
  try {
    return readFileSync(logFile, "utf8").slice(since).includes('"msg":"workers started"');
  } catch {
    return false;
  }
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  assertBelowEphemeral(allPorts(o.ports));
  const log = o.log ?? (() => {});
  const bin = clusterBinaries();
  mkdirSync(o.dir, { recursive: true });
  const busy = [];
  for (const p of allPorts(o.ports)) if (await portOpen(p)) busy.push(p);
  if (busy.length > 0) {
    throw new Error(
      `ports already in use: ${busy.join(", ")} (another cluster running? pick another base port)`,
    );
  }
  // Stopped in reverse order, a layer at a time (the hubs and workers together).
  const started: Array<Array<{ stop: () => Promise<void> }>> = [];
  const stopAll = async () => {
    for (const layer of started.reverse()) {
      await Promise.all(layer.map((s) => s.stop().catch(() => {})));
    }
    started.length = 0;
  };
  try {
    log(
      `redis: primary :${o.ports.redis[0]}, replica :${o.ports.redis[1]}, sentinels :${o.ports.sentinels.join(", :")}`,
    );
    const redis = await startRedisGroup({
      dir: o.dir,
      redisServer: bin.redisServer,
      name: o.redisName ?? "sitesync",
      dataPorts: o.ports.redis,
      sentinelPorts: o.ports.sentinels,
      downAfterMs: o.redisDownAfterMs ?? 2_000,
    });
    started.push([redis]);

    log(`pgbouncer :${o.ports.pgbouncer} (transaction mode)`);
    const pg = new URL(o.database.service);
    const pgbouncer = pgbouncerProcess({
      dir: o.dir,
      binary: bin.pgbouncer,
      port: o.ports.pgbouncer,
      postgres: { host: pg.hostname, port: Number(pg.port || 5432) },
      users: credentials(o.database.app, o.database.service),
      poolSize: o.pgbouncerPoolSize,
    });
    await pgbouncer.start();
    started.push([pgbouncer]);

    const appEnv: Record<string, string> = {
      // /metrics answers only with this bearer token (one is made up when none is given).
      METRICS_TOKEN: process.env.METRICS_TOKEN || randomBytes(24).toString("hex"),
      ...o.env,
      DATABASE_URL: viaPgBouncer(o.database.app, o.ports.pgbouncer),
      SERVICE_DATABASE_URL: viaPgBouncer(o.database.service, o.ports.pgbouncer),
      // LISTEN holds session state: direct, never through transaction pooling.
      LISTEN_DATABASE_URL: o.database.service,
      MIGRATION_DATABASE_URL: o.database.owner,
      REDIS_SENTINELS: redis.sentinelList,
      REDIS_SENTINEL_NAME: redis.name,
    };
    const node = (name: string, env: Record<string, string>, ready: () => Promise<boolean>) =>
      managed({
        name,
        command: process.execPath,
        args: [...(o.nodeArgs ?? []), "server/main.ts"],
        cwd: ROOT,
        env: { ...process.env, ...appEnv, ...env },
        logFile: path.join(o.dir, `${name}.log`),
        ready,
        readyTimeoutMs: 60_000,
      });

    const hubs: HubHandle[] = o.ports.hubs.map((port, i) => {
      const url = `http://127.0.0.1:${port}`;
      const hub = node(`hub-${i + 1}`, { PORT: String(port), SITESYNC_ROLES: "api" }, () =>
        readyz(url),
      );
      return Object.assign(hub, { url, port });
    });
    log(`hubs :${o.ports.hubs.join(", :")}`);
    await Promise.all(hubs.map((h) => h.start()));
    started.push([...hubs]);

    let workers: Managed | null = null;
    if (o.workers !== false) {
      log("workers");
      const logFile = path.join(o.dir, "workers.log");
      let offset = 0;
      try {
        offset = readFileSync(logFile, "utf8").length;
      } catch {
        // first start
      }
      // LOG_LEVEL info: its "workers started" line is the readiness signal.
      const w = node(
        "workers",
        { SITESYNC_ROLES: "workers", PORT: "0", LOG_LEVEL: "info" },
        async () => workersStarted(logFile, offset),
      );
      // A restart appends to the same log: only a line after this start counts.
      const start = w.start;
      w.start = async () => {
        try {
          offset = readFileSync(logFile, "utf8").length;
        } catch {
          offset = 0;
        }
        await start();
      };
      await w.start();
      started.at(-1)?.push(w);
      workers = w;
    }

    log(`nginx :${o.ports.nginx} → hubs (sticky cookie, websocket upgrade)`);
    const nginx = nginxProcess({
      dir: o.dir,
      binary: bin.nginx,
      port: o.ports.nginx,
      hubPorts: o.ports.hubs,
    });
    await nginx.start();
    started.push([nginx]);

    return {
      dir: o.dir,
      ports: o.ports,
      url: `http://127.0.0.1:${o.ports.nginx}`,
      hubs,
      workers,
      pgbouncer,
      nginx,
      redis,
      appEnv,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
