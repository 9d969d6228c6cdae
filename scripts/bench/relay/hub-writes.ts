import type pg from "pg";
import type { BenchOrg } from "./fixtures.ts";
import type { Produced } from "./steps.ts";
import { runWriters } from "./writers.ts";

/**
 * What the writers change: rows of a streamed table, in groups that each reach one set of
 * sockets (an organisation's work orders reach its `org:` sockets; a forum category's
 * threads reach its `forum_category:` sockets). Change `seq` goes to group seq mod N and
 * cycles through that group's rows, so concurrent writers never touch the same row.
 */
export type WriteTarget = { table: "work_orders" | "forum_threads"; groups: string[][] };

export const workOrdersOf = (orgs: BenchOrg[]): WriteTarget => ({
  table: "work_orders",
  groups: orgs.map((o) => o.workOrderIds),
});

/**
 * Committed changes through the hub: `UPDATE <table> SET title = 'bench <send time>'` in
 * autocommit (one round trip that commits), as the service role, like a worker or psql.
 */
export function hubWrites(
  writers: pg.Client[],
  target: WriteTarget,
  rate: number,
  durationMs: number,
): Promise<Produced> {
  const text = `UPDATE ${target.table} SET title = $1 WHERE id = $2`;
  return runWriters(writers, rate, durationMs, (c, seq, stamp) => {
    const group = target.groups[seq % target.groups.length]!;
    const id = group[Math.floor(seq / target.groups.length) % group.length]!;
    return c.query({
      name: `bench_relay_update_${target.table}`,
      text,
      values: [`bench ${stamp}`, id],
    });
  });
}
