import type pg from "pg";
import type { BenchOrg } from "./fixtures.ts";
import type { Produced } from "./steps.ts";
import { runWriters } from "./writers.ts";

/**
 * Committed changes through the hub: `UPDATE work_orders SET title = 'bench <send time>'`
 * in autocommit (one round trip that commits), as the service role, like a worker or psql.
 * Change `seq` goes to organisation seq mod N, so each change reaches exactly that
 * organisation's `org:` sockets, and concurrent writers never touch the same row.
 */
export function hubWrites(
  writers: pg.Client[],
  orgs: BenchOrg[],
  rate: number,
  durationMs: number,
): Promise<Produced> {
  return runWriters(writers, rate, durationMs, (c, seq, stamp) => {
    const org = orgs[seq % orgs.length]!;
    const id = org.workOrderIds[Math.floor(seq / orgs.length) % org.workOrderIds.length]!;
    return c.query({
      name: "bench_relay_update",
      text: "UPDATE work_orders SET title = $1 WHERE id = $2",
      values: [`bench ${stamp}`, id],
    });
  });
}
