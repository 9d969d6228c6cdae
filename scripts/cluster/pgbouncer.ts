import { chownSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Managed, managed, portOpen } from "./process.ts";
import { runAsUser } from "./users.ts";

/**
 * PgBouncer in transaction mode in front of the cluster's Postgres: request queries (the
 * app and service pools of every hub and worker) share a few server connections. What must
 * not go through it stays direct: each hub's LISTEN (LISTEN_DATABASE_URL) and
 * migrations (a session advisory lock). Any database name is forwarded (`*`), so a test or
 * benchmark database works without editing the file.
 *
 * node-postgres sends statement_timeout and idle_in_transaction_session_timeout as
 * startup parameters, which PgBouncer 1.18 refuses unless told to ignore them: through it,
 * the roles' own defaults apply (scripts/bootstrap.sql sets them to the pools' values;
 * docs/cluster.md).
 */
export type PgBouncerOptions = {
  dir: string;
  binary: string;
  port: number;
  postgres: { host: string; port: number };
  /** Role -> password, from the URLs the app uses. */
  users: Record<string, string>;
  /** Server connections per (database, role) pair. */
  poolSize?: number;
  maxClientConnections?: number;
};

export function pgbouncerConfig(o: PgBouncerOptions): { ini: string; userlist: string } {
  const ini = [
    "[databases]",
    `* = host=${o.postgres.host} port=${o.postgres.port}`,
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${o.port}`,
    "unix_socket_dir =",
    "pool_mode = transaction",
    "auth_type = scram-sha-256",
    `auth_file = ${path.join(o.dir, "userlist.txt")}`,
    `max_client_conn = ${o.maxClientConnections ?? 2_000}`,
    `default_pool_size = ${o.poolSize ?? 20}`,
    "reserve_pool_size = 5",
    "reserve_pool_timeout = 1",
    "server_login_retry = 1",
    "query_wait_timeout = 30",
    "ignore_startup_parameters = extra_float_digits,statement_timeout,idle_in_transaction_session_timeout",
    "log_connections = 0",
    "log_disconnections = 0",
    "",
  ].join("\n");
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const userlist = Object.entries(o.users)
    .map(([user, password]) => `${quote(user)} ${quote(password)}`)
    .join("\n");
  return { ini, userlist: `${userlist}\n` };
}

export function pgbouncerProcess(o: PgBouncerOptions): Managed {
  const { ini, userlist } = pgbouncerConfig(o);
  const iniFile = path.join(o.dir, "pgbouncer.ini");
  const userFile = path.join(o.dir, "userlist.txt");
  writeFileSync(iniFile, ini, { mode: 0o600 });
  writeFileSync(userFile, userlist, { mode: 0o600 });
  // PgBouncer refuses to run as root: as root it drops to an unprivileged user (-u), who
  // must be able to read its files.
  const user = runAsUser();
  if (user) for (const f of [iniFile, userFile]) chownSync(f, user.uid, user.gid);
  return managed({
    name: "pgbouncer",
    command: o.binary,
    args: [...(user ? ["-u", user.name] : []), iniFile],
    logFile: path.join(o.dir, "pgbouncer.log"),
    ready: () => portOpen(o.port),
  });
}
