import type pg from "pg";
import type { BenchOrg } from "./fixtures.ts";
import type { Produced } from "./steps.ts";
import { runWriters } from "./writers.ts";

/**
 * What the writers change, in groups that each reach one set of sockets. Updates: rows of a
 * streamed table (an organisation's work orders reach its `org:` sockets; a forum
 * category's threads reach its `forum_category:` sockets). Notifications: a new row for one
 * of the group's users, which reaches that user's own `user:` room (fan-out 1). Change
 * `seq` goes to group seq mod N and cycles through that group's ids, so concurrent writers
 * never update the same row.
 */
export type WriteTarget = {
  table: "work_orders" | "forum_threads" | "notifications";
  groups: string[][];
};

export const workOrdersOf = (orgs: BenchOrg[]): WriteTarget => ({
  table: "work_orders",
  groups: orgs.map((o) => o.workOrderIds),
});

/** Notifications for the first user of each organisation (whose token its socket holds). */
export const notificationsFor = (orgs: BenchOrg[]): WriteTarget => ({
  table: "notifications",
  groups: orgs.map((o) => [o.userIds[0] as string]),
});

/** The one statement of a change, stamped with its send time in `title` ($1); $2 is the id. */
export const changeStatement = (table: WriteTarget["table"]): string =>
  table === "notifications"
    ? "INSERT INTO notifications (user_id, notification_type, title) VALUES ($2, 'bench', $1)"
    : `UPDATE ${table} SET title = $1 WHERE id = $2`;

/**
 * Committed changes through the hub (`changeStatement`, 'bench <send time>') in autocommit
 * (one round trip that commits), as the service role, like a worker or psql.
 */
export function hubWrites(
  writers: pg.Client[],
  target: WriteTarget,
  rate: number,
  durationMs: number,
): Promise<Produced> {
  const text = changeStatement(target.table);
  return runWriters(writers, rate, durationMs, (c, seq, stamp) => {
    const group = target.groups[seq % target.groups.length]!;
    const id = group[Math.floor(seq / target.groups.length) % group.length]!;
    return c.query({
      name: `bench_relay_change_${target.table}`,
      text,
      values: [`bench ${stamp}`, id],
    });
  });
}
