import { migrate } from "../server/db/migrate.ts";
import { env } from "../server/env.ts";

const result = await migrate(env.MIGRATION_DATABASE_URL, undefined, (m) => console.log(m));
console.log(`migrations: ${result.applied.length} applied, ${result.skipped} already up to date`);
