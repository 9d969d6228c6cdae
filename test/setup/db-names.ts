/** Connection settings of the test cluster. CI and local runs use scripts/setup.sh defaults. */
const host = process.env.TEST_PG_HOST ?? "127.0.0.1";
const port = process.env.TEST_PG_PORT ?? "5432";

/** Created by scripts/bootstrap.sql with the extensions a non-superuser cannot create. */
export const BASE_DB = "sitesync_test";
/** Every database a test run creates starts with this and the run's pid. */
export const RUN_DB_PREFIX = "sitesync_t";

export const templateName = (runPid: number) => `${RUN_DB_PREFIX}${runPid}_tpl`;

export function urlFor(role: "owner" | "app" | "service", database: string): string {
  const user = `sitesync_${role}`;
  return `postgres://${user}:${user}@${host}:${port}/${database}`;
}
