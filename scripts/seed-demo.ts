import { parseArgs } from "node:util";
import { DEMO_PASSWORD } from "./data/demo/catalogue/organizations.ts";
import { seedDemo } from "./data/demo/seed.ts";
import { createDatabasePool } from "../server/db/pool.ts";
import { env } from "../server/env.ts";

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

const pool = await createDatabasePool(env.SERVICE_DATABASE_URL, { maxPoolSize: 1, name: "seed-demo" });
try {
  const result = await seedDemo(pool, { seed, reset: values.reset, today: values.today });
  if (result.skipped) {
    console.log("Demo data already loaded (demo-* organisations exist); nothing changed. Use --reset to reload.");
  } else {
    console.log(`Loaded demo data (seed ${seed}) in ${(result.durationMs / 1000).toFixed(1)}s.`);
  }
  console.table(result.counts);
  console.log(`Demo logins (password for all: ${DEMO_PASSWORD}):`);
  console.table(result.logins);
} finally {
  await pool.end();
}
