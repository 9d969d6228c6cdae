import { writeFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { type Managed, managed, sleep, waitUntil } from "./process.ts";

/**
 * Redis with Sentinel on loopback: a primary, one replica and three sentinels (quorum 2),
 * each its own `redis-server` process. Nothing is persisted (`save ""`, no AOF): the
 * replica holds the copy a failover promotes. Sentinels detect a dead primary after
 * `downAfterMs`; `failover()` asks one to fail over now (SENTINEL FAILOVER), as an
 * operator would.
 */
export type RedisGroupOptions = {
  dir: string;
  redisServer: string;
  name: string;
  /** The first data node starts as primary, the second as its replica. */
  dataPorts: [number, number];
  sentinelPorts: number[];
  downAfterMs?: number;
};

export type RedisGroup = {
  name: string;
  sentinels: Array<{ host: string; port: number }>;
  /** "127.0.0.1:p1,127.0.0.1:p2,…" for REDIS_SENTINELS. */
  sentinelList: string;
  nodes: Managed[];
  sentinelProcesses: Managed[];
  /** The port the sentinels currently name as primary. */
  primaryPort: () => Promise<number>;
  /** Waits until the replica is in sync and every sentinel can fail over. */
  healthy: (timeoutMs?: number) => Promise<void>;
  /** SENTINEL FAILOVER, then waits until every sentinel names the new primary. */
  failover: (timeoutMs?: number) => Promise<{ from: number; to: number; ms: number }>;
  stop: () => Promise<void>;
};

const HOST = "127.0.0.1";

async function withClient<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on("error", () => {});
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export const redisPing = (port: number) =>
  withClient(port, async (r) => (await r.ping()) === "PONG").catch(() => false);

export function startRedisGroupProcesses(o: RedisGroupOptions): RedisGroup {
  const downAfter = o.downAfterMs ?? 1_000;
  const [primary, replica] = o.dataPorts;
  const dataNode = (port: number, replicaOf?: number) =>
    managed({
      name: `redis-${port}`,
      command: o.redisServer,
      args: [
        "--port",
        String(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
        // The initial sync streams from memory: no RDB file written on the primary's disk.
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--dir",
        o.dir,
        ...(replicaOf ? ["--replicaof", HOST, String(replicaOf)] : []),
      ],
      logFile: path.join(o.dir, `redis-${port}.log`),
      ready: () => redisPing(port),
    });
  const sentinel = (port: number) => {
    // Sentinel rewrites its own file (state, the other sentinels, the current primary).
    const conf = path.join(o.dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        `bind ${HOST}`,
        `dir ${o.dir}`,
        `sentinel monitor ${o.name} ${HOST} ${primary} 2`,
        `sentinel down-after-milliseconds ${o.name} ${downAfter}`,
        `sentinel failover-timeout ${o.name} ${Math.max(3 * downAfter, 5_000)}`,
        `sentinel parallel-syncs ${o.name} 1`,
        "",
      ].join("\n"),
    );
    return managed({
      name: `sentinel-${port}`,
      command: o.redisServer,
      args: [conf, "--sentinel"],
      logFile: path.join(o.dir, `sentinel-${port}.log`),
      ready: () => redisPing(port),
    });
  };
  const nodes = [dataNode(primary), dataNode(replica, primary)];
  const sentinelProcesses = o.sentinelPorts.map(sentinel);
  const sentinels = o.sentinelPorts.map((port) => ({ host: HOST, port }));

  const askSentinel = async (port: number): Promise<number> =>
    withClient(port, async (r) => {
      const addr = (await r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", o.name)) as
        | [string, string]
        | null;
      return addr ? Number(addr[1]) : 0;
    });

  const primaryPort = async () => {
    for (const s of o.sentinelPorts) {
      const p = await askSentinel(s).catch(() => 0);
      if (p) return p;
    }
    throw new Error("no sentinel answered");
  };

  const healthy = async (timeoutMs = 30_000) => {
    await waitUntil(
      async () => {
        const p = await primaryPort();
        const other = p === primary ? replica : primary;
        // The replica has synced from the named primary...
        const synced = await withClient(other, async (r) =>
          /master_link_status:up/.test(await r.info("replication")),
        );
        if (!synced) return false;
        // ...and every sentinel sees it as a promotable replica and knows the other sentinels.
        for (const s of o.sentinelPorts) {
          const ok = await withClient(s, async (r) => {
            const replicas = (await r.call("SENTINEL", "REPLICAS", o.name)) as string[][];
            const good = replicas.some((fields) => {
              const f = Object.fromEntries(
                fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])),
              );
              return (
                Number(f.port) === other && f.flags === "slave" && f["master-link-status"] === "ok"
              );
            });
            const peers = (await r.call("SENTINEL", "SENTINELS", o.name)) as unknown[];
            return good && peers.length === o.sentinelPorts.length - 1;
          });
          if (!ok) return false;
        }
        return true;
      },
      timeoutMs,
      "redis sentinel group",
    );
  };

  return {
    name: o.name,
    sentinels,
    sentinelList: sentinels.map((s) => `${s.host}:${s.port}`).join(","),
    nodes,
    sentinelProcesses,
    primaryPort,
    healthy,
    failover: async (timeoutMs = 30_000) => {
      const from = await primaryPort();
      const t0 = performance.now();
      // A sentinel may refuse while it is still settling the last failover: retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await withClient(o.sentinelPorts[0] as number, (r) =>
            r.call("SENTINEL", "FAILOVER", o.name),
          );
          break;
        } catch (err) {
          if (attempt >= 20) throw err;
          await sleep(250);
        }
      }
      let to = 0;
      await waitUntil(
        async () => {
          const named = await Promise.all(o.sentinelPorts.map((s) => askSentinel(s)));
          to = named[0] ?? 0;
          if (!(to !== from && named.every((p) => p === to))) return false;
          // The new primary accepts writes.
          return withClient(to, async (r) => /role:master/.test(await r.info("replication")));
        },
        timeoutMs,
        "sentinel failover",
      );
      return { from, to, ms: performance.now() - t0 };
    },
    stop: async () => {
      await Promise.all(sentinelProcesses.map((s) => s.stop()));
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** Starts the group and waits until it could fail over. */
export async function startRedisGroup(o: RedisGroupOptions): Promise<RedisGroup> {
  const group = startRedisGroupProcesses(o);
  try {
    for (const n of group.nodes) await n.start();
    await Promise.all(group.sentinelProcesses.map((s) => s.start()));
    await group.healthy();
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}
