import { readFileSync } from "node:fs";
import { topicName } from "../../../shared/realtime/topics.ts";
import { ClientPool } from "../relay/clients.ts";
import type { BenchOrg } from "../relay/fixtures.ts";
import type { ClusterBenchConfig } from "./config.ts";

/**
 * Memory per idle socket and per subscription on one hub process: its resident set (RSS,
 * what Centrifugo's ~30 KB per idle connection is measured in) before, with `sockets`
 * sockets connected (each authenticated, in its own `user:` room, nothing else), and after
 * each subscribed to `extraTopics` more topics. Before each reading the hub is left alone
 * for `settleMs` and a full garbage collection is run in it through its inspector (the hub
 * runs with --inspect on a loopback port, which nothing else uses), so the JS heap figure
 * is what the sockets really retain; RSS is the median of five samples after that.
 */
export type MemoryResult = {
  sockets: number;
  subscriptions: number;
  rssBeforeMiB: number;
  rssIdleMiB: number;
  rssSubscribedMiB: number;
  perSocketKiB: number;
  perSubscriptionKiB: number;
  /** The JS heap in use after a full GC (nodejs_heap_size_used_bytes), at the same points. */
  heapMiB: [number, number, number];
  heapPerSocketKiB: number;
  heapPerSubscriptionKiB: number;
};

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function heapUsedMiB(url: string, token: string): Promise<number> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
}

/** HeapProfiler.collectGarbage over the Chrome DevTools protocol (Node's own WebSocket). */
export async function collectGarbage(inspectPort: number): Promise<void> {
  const targets = (await (
    await fetch(`http://127.0.0.1:${inspectPort}/json/list`)
  ).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("the hub's inspector lists no target");
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
    ws.onmessage = (m) => {
      if ((JSON.parse(String(m.data)) as { id?: number }).id === 1) resolve();
    };
    ws.onerror = () => reject(new Error("inspector connection failed"));
  });
  ws.close();
}

async function settledRss(pid: number, settleMs: number, inspectPort: number): Promise<number> {
  await sleep(settleMs);
  await collectGarbage(inspectPort);
  await sleep(500);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssKiB(pid));
    await sleep(500);
  }
  samples.sort((a, b) => a - b);
  return samples[2] as number;
}

export async function memoryPerSocket(
  cfg: ClusterBenchConfig,
  hub: { url: string; pid: number; metricsToken: string; inspectPort: number },
  orgs: BenchOrg[],
  log: (line: string) => void,
): Promise<MemoryResult> {
  const { sockets, extraTopics, settleMs } = cfg.memory;
  const pool = new ClientPool(cfg.clientProcesses);
  try {
    const heap = () => heapUsedMiB(hub.url, hub.metricsToken);
    const before = await settledRss(hub.pid, settleMs, hub.inspectPort);
    const heapBefore = await heap();
    const specs = Array.from({ length: sockets }, (_, i) => {
      const org = orgs[i % orgs.length] as BenchOrg;
      return { auth: { token: org.tokens[i % org.tokens.length], batch: true }, topics: [] };
    });
    const t0 = performance.now();
    const connected = await pool.connect(hub.url, specs, 50);
    log(
      `  ${connected} idle sockets on one hub in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const idle = await settledRss(hub.pid, settleMs, hub.inspectPort);
    const heapIdle = await heap();
    // Extra topics: the organisation's and one of its work orders'.
    const topics = Array.from({ length: sockets }, (_, i) => {
      const org = orgs[i % orgs.length] as BenchOrg;
      return [
        topicName("org", org.id),
        topicName("work_order", org.workOrderIds[i % org.workOrderIds.length] as string),
      ].slice(0, extraTopics);
    });
    await pool.subscribe(topics, 50);
    const subscribed = await settledRss(hub.pid, settleMs, hub.inspectPort);
    const heapSubscribed = await heap();
    const subscriptions = sockets * extraTopics;
    const result: MemoryResult = {
      sockets: connected,
      subscriptions,
      rssBeforeMiB: before / 1024,
      rssIdleMiB: idle / 1024,
      rssSubscribedMiB: subscribed / 1024,
      perSocketKiB: (idle - before) / connected,
      perSubscriptionKiB: (subscribed - idle) / subscriptions,
      heapMiB: [heapBefore, heapIdle, heapSubscribed],
      heapPerSocketKiB: ((heapIdle - heapBefore) * 1024) / connected,
      heapPerSubscriptionKiB: ((heapSubscribed - heapIdle) * 1024) / subscriptions,
    };
    log(
      `  RSS ${result.rssBeforeMiB.toFixed(0)} → ${result.rssIdleMiB.toFixed(0)} → ${result.rssSubscribedMiB.toFixed(0)} MiB: ${result.perSocketKiB.toFixed(1)} KiB per idle socket, ${result.perSubscriptionKiB.toFixed(2)} KiB per subscription; retained JS heap ${result.heapPerSocketKiB.toFixed(1)} KiB per socket, ${result.heapPerSubscriptionKiB.toFixed(2)} KiB per subscription`,
    );
    await pool.disconnect();
    return result;
  } finally {
    pool.close();
  }
}
