import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findBinary } from "../scripts/cluster/binaries.ts";
import { clusterPorts, startCluster } from "../scripts/cluster/cluster.ts";
import { basePort, CLUSTER_PORT_SPAN, clusterPortsFromEnv } from "../scripts/cluster/config.ts";
import { nginxConfig } from "../scripts/cluster/nginx.ts";
import { pgbouncerConfig } from "../scripts/cluster/pgbouncer.ts";
import { freePort } from "../scripts/cluster/ports.ts";

/**
 * `npm run cluster` generates its nginx and PgBouncer configuration; the docker-compose
 * "cluster" profile ships the same as files (docker/cluster/). These keep them in step, and
 * check that nginx accepts what the cluster generates.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const composeFile = (name: string) => readFileSync(path.join(ROOT, "docker/cluster", name), "utf8");
const dir = mkdtempSync(path.join(os.tmpdir(), "sitesync-cluster-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** key = value lines of an ini section, minus the ones that name places. */
function settings(ini: string, omit: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of ini.split("\n")) {
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line.trim());
    if (m && !omit.includes(m[1] as string)) out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

/** From the websocket map to the end of the location block, upstream servers left out. */
function routing(conf: string): string {
  const from = conf.indexOf("map $http_upgrade");
  const to = conf.indexOf("add_header Set-Cookie");
  return conf
    .slice(from, to)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("server ") && !l.startsWith("listen "))
    .join("\n");
}

describe("cluster configuration", () => {
  it("compose's PgBouncer settings are the generated ones (transaction mode, ignored startup parameters)", () => {
    const generated = pgbouncerConfig({
      dir,
      binary: "pgbouncer",
      port: 6432,
      postgres: { host: "postgres", port: 5432 },
      users: { sitesync_app: "sitesync_app", sitesync_service: "sitesync_service" },
    });
    const places = ["listen_addr", "auth_file"];
    expect(settings(composeFile("pgbouncer.ini"), places)).toEqual(settings(generated.ini, places));
    expect(settings(generated.ini, []).pool_mode).toBe("transaction");
    expect(composeFile("userlist.txt")).toBe(generated.userlist);
  });

  it("compose's nginx routes like the generated one (sticky cookie, upgrade, no retry of a received request)", () => {
    const generated = nginxConfig({ dir, binary: "nginx", port: 7400, hubPorts: [1, 2, 3] }, null);
    expect(routing(composeFile("nginx.conf"))).toBe(routing(generated));
    expect(routing(generated)).toContain("hash $sitesync_sticky consistent;");
  });

  it("neither nginx takes a slow hub out of the upstream (max_fails=0 on every server)", () => {
    const generated = nginxConfig({ dir, binary: "nginx", port: 7400, hubPorts: [1, 2, 3] }, null);
    for (const conf of [generated, composeFile("nginx.conf")]) {
      const servers = conf
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^server \S+:\d+/.test(l));
      expect(servers).toHaveLength(3);
      for (const line of servers) expect(line).toMatch(/ max_fails=0;$/);
    }
  });

  it.skipIf(!findBinary("nginx"))("nginx accepts the generated configuration (nginx -t)", () => {
    const conf = path.join(dir, "nginx.conf");
    mkdirSync(path.join(dir, "nginx-tmp"), { recursive: true });
    writeFileSync(
      conf,
      nginxConfig({ dir, binary: "nginx", port: 7400, hubPorts: [7401, 7402] }, null),
    );
    const out = execFileSync(
      findBinary("nginx") as string,
      ["-t", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(out).toBe("");
  });
});

describe("cluster ports", () => {
  it("stay below the ephemeral range: base ports are checked, startCluster refuses one inside", async () => {
    expect(clusterPortsFromEnv("7400").sentinels).toEqual([7430, 7431, 7432]);
    expect(basePort("32735", "--base-port")).toBe(32_735);
    expect(() => basePort("32736", "--base-port")).toThrow(/1024-32735 .*got 32736/);
    expect(() => basePort("40000", "--base-port")).toThrow(/ephemeral range from 32768/);
    expect(() => basePort("7400.5", "--base-port")).toThrow(/integer/);
    // The bench listens past the cluster's span (its lone hub and inspector).
    expect(() => basePort("32730", "--base-port", CLUSTER_PORT_SPAN + 9)).toThrow(/1024-32726/);
    await expect(
      startCluster({
        dir: path.join(dir, "ephemeral"),
        ports: clusterPorts(40_000),
        database: { app: "", service: "", owner: "" },
      }),
    ).rejects.toThrow(/40000, 40001.* lie in the ephemeral range/);
    // Ports for processes the tests and benches start come from below it too.
    for (const port of await Promise.all([freePort(), freePort(), freePort()])) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(20_000);
    }
  });
});
