import { organizationsWithAudit, verifyChain } from "../server/db/audit-events.ts";
import { createDatabasePool } from "../server/db/pool.ts";
import { env } from "../server/env.ts";

/**
 * `npm run audit:verify [org-id]`: walks every organisation's audit hash chain (as the
 * service role, because it is a cross-tenant check) and exits 1 if any link is broken.
 */
const pool = await createDatabasePool(env.SERVICE_DATABASE_URL, { maxPoolSize: 2 });
const only = process.argv[2];
let failures = 0;
try {
  const orgs = only ? [only] : await organizationsWithAudit(pool);
  for (const org of orgs) {
    const result = await verifyChain(pool, org);
    if (!result.ok) failures++;
    console.log(JSON.stringify({ organization_id: org, ...result }));
  }
  console.log(`audit:verify: ${orgs.length} organisation chain(s), ${failures} broken`);
} finally {
  await pool.end();
}
process.exit(failures > 0 ? 1 : 0);
