import { type DatabasePool, sql } from "slonik";
import { z } from "zod";

/**
 * Platform administrators are SiteSync's own operators: users whose `user_type` is
 * 'admin' (the seed's platform-level type, not an organisation's `role`). No API route
 * sets user_type; it is granted with the service role (docs/workers.md). Service pool:
 * the question is platform-wide, not about one organisation.
 */
export async function isPlatformAdmin(serviceDb: DatabasePool, userId: string): Promise<boolean> {
  const row = await serviceDb.maybeOne(sql.type(z.object({ ok: z.boolean() }))`
    SELECT (user_type = 'admin' AND coalesce(is_active, false) AND deleted_at IS NULL) AS ok
      FROM users WHERE id = ${userId}`);
  return row?.ok === true;
}
