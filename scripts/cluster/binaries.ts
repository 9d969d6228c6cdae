import { accessSync, constants } from "node:fs";
import path from "node:path";

/**
 * The engines the cluster runs, from the machine's packages (scripts/setup.sh installs
 * them on Debian: nginx, pgbouncer, redis-server, redis-sentinel). nginx and pgbouncer live
 * in /usr/sbin, which a non-root PATH often lacks.
 */
const SEARCH = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin"];

export function findBinary(name: string): string | null {
  for (const dir of SEARCH) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export type Binaries = { nginx: string; pgbouncer: string; redisServer: string };

export const CLUSTER_BINARIES = ["nginx", "pgbouncer", "redis-server"] as const;

/** Every engine the cluster needs, or one error naming all that are missing. */
export function clusterBinaries(): Binaries {
  const found = Object.fromEntries(CLUSTER_BINARIES.map((b) => [b, findBinary(b)]));
  const missing = CLUSTER_BINARIES.filter((b) => !found[b]);
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(", ")}: run \`bash scripts/setup.sh\` as root on Debian (it installs nginx, pgbouncer and redis-sentinel), or install them yourself`,
    );
  }
  return {
    nginx: found.nginx as string,
    pgbouncer: found.pgbouncer as string,
    redisServer: found["redis-server"] as string,
  };
}

export const missingClusterBinaries = (): string[] =>
  CLUSTER_BINARIES.filter((b) => !findBinary(b));
