import { type DatabasePool, type DatabaseTransactionConnection, sql } from "slonik";
import { z } from "zod";

/** Who a query runs for. Row-level security policies read these two settings. */
export type TenantContext = {
  organizationId: string | null;
  userId: string | null;
};

export type Tx = DatabaseTransactionConnection;

// Built once: a zod schema made per call is compiled per call (seen in the hub's profile).
const Settings = z.object({ org: z.string(), usr: z.string() });

/**
 * Runs `work` in one transaction whose first statement sets the RLS context with
 * transaction-local `set_config(..., true)`. The settings vanish at COMMIT/ROLLBACK, so a
 * pooled connection can never carry one tenant's context into the next request.
 * This is the only way request code reaches tenant data.
 */
export function withTenant<T>(
  pool: DatabasePool,
  context: TenantContext,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return pool.transaction(async (tx) => {
    await tx.query(
      sql.type(Settings)`
        SELECT set_config('app.current_org', ${context.organizationId ?? ""}, true) AS org,
               set_config('app.current_user', ${context.userId ?? ""}, true) AS usr`,
    );
    return work(tx);
  });
}
