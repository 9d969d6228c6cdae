import { describe, expect, it } from "vitest";
import type { TopicPage } from "../server/db/realtime-events.ts";
import { SharedPageReads } from "../server/realtime/shared-reads.ts";

/**
 * The sharing rule of replay page reads (server/realtime/shared-reads.ts): a request joins
 * a read that has not started, never one already running (its snapshot may predate the
 * socket's join). The read is a stand-in that records when each one starts; the replays
 * over real sockets and Postgres are in realtime-delivery.test.ts.
 */
describe("shared replay page reads", () => {
  it("requests that arrive while a read runs share the next read, which starts after all of them", async () => {
    const started: Array<{ n: number; finish: () => void }> = [];
    const reads = new SharedPageReads(
      (_topic, _from, _limit) =>
        new Promise<TopicPage>((resolve) => {
          const n = started.length + 1;
          const page: TopicPage = { rows: [], floor: { xid: BigInt(n), id: BigInt(n) } };
          started.push({ n, finish: () => resolve(page) });
        }),
    );
    const from = { xid: 10n, id: 5n };
    const a = reads.page("org:x", from, 100);
    expect(started).toHaveLength(1);
    // Arrive while read 1 runs: must not get read 1's page.
    const b = reads.page("org:x", from, 100);
    const c = reads.page("org:x", from, 100);
    // Another topic or cursor is another page.
    const other = reads.page("org:y", from, 100);
    expect(started).toHaveLength(2);
    started[0]?.finish();
    expect((await a).floor.id).toBe(1n);
    await Promise.resolve();
    expect(started).toHaveLength(3);
    // Arrives while read 3 (b and c's) runs: waits for a fourth.
    const d = reads.page("org:x", from, 100);
    started[2]?.finish();
    const [pb, pc] = await Promise.all([b, c]);
    expect(pb).toBe(pc);
    expect(pb.floor.id).toBe(3n);
    await Promise.resolve();
    expect(started).toHaveLength(4);
    started[3]?.finish();
    expect((await d).floor.id).toBe(4n);
    started[1]?.finish();
    expect((await other).floor.id).toBe(2n);
  });

  it("a failed read fails its requests only; the next read goes ahead", async () => {
    let calls = 0;
    const reads = new SharedPageReads(async () => {
      calls++;
      if (calls === 1) throw new Error("connection lost");
      return { rows: [], floor: { xid: 1n, id: 1n } };
    });
    const from = { xid: 1n, id: 1n };
    const a = reads.page("org:x", from, 10);
    const b = reads.page("org:x", from, 10);
    await expect(a).rejects.toThrow("connection lost");
    expect((await b).floor.id).toBe(1n);
    expect(calls).toBe(2);
  });
});
