import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/** Marks the caller's own notifications read; already-read ones are not counted again. */
export async function markNotificationsRead(
  tx: Tx,
  ids: readonly string[] | "all",
): Promise<number> {
  const which =
    ids === "all" ? sql.fragment`TRUE` : sql.fragment`id = ANY(${sql.array(ids, "uuid")})`;
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE notifications SET is_read = true, read_at = now()
     WHERE ${which}
       AND user_id = app_current_user()
       AND is_read IS NOT TRUE
    RETURNING id`);
  return rows.length;
}
