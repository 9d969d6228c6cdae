import { parseArgs } from "node:util";
import { createDatabasePool } from "../server/db/pool.ts";
import { env } from "../server/env.ts";
import type { DemoLogin } from "../shared/demo.ts";
import { DEMO_PASSWORD, ROLES } from "./data/demo/catalogue/organizations.ts";
import { seedDemo } from "./data/demo/seed.ts";

/**
 * `npm run seed:demo [-- --seed N] [-- --reset] [-- --today YYYY-MM-DD]`: loads the demo
 * data set (docs/demo-data.md). Uses the SERVICE role: a cross-tenant loader is exactly the
 * system work BYPASSRLS is for.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "42" },
    reset: { type: "boolean", default: false },
    today: { type: "string" },
  },
});
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed must be an integer, got ${values.seed}`);
  process.exit(2);
}

const pool = await createDatabasePool(env.SERVICE_DATABASE_URL, {
  maxPoolSize: 1,
  name: "seed-demo",
});
try {
  const result = await seedDemo(pool, { seed, reset: values.reset, today: values.today });
  if (result.skipped) {
    console.log(
      "Demo data already loaded (demo-* organisations exist); nothing changed. Use --reset to reload.",
    );
  } else {
    console.log(`Loaded demo data (seed ${seed}) in ${(result.durationMs / 1000).toFixed(1)}s.`);
  }
  console.table(result.counts);
  // Role logins are <role>@<domain>: one row per organisation; the rest listed in full.
  const isRoleLogin = (l: DemoLogin) => l.email.startsWith(`${l.role}@`);
  console.log(`Demo logins, password for all: ${DEMO_PASSWORD}`);
  console.table(
    [
      ...new Map(
        result.logins.filter(isRoleLogin).map((l) => [l.organization, l.email.split("@")[1]]),
      ),
    ].map(([organization, domain]) => ({ organization, login: `<${ROLES.join("|")}>@${domain}` })),
  );
  console.table(result.logins.filter((l) => !isRoleLogin(l)));
} finally {
  await pool.end();
}
