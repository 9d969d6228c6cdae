import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** The real entry point as its own process: boots, serves, and stops cleanly on SIGTERM. */
describe("npm start (server/main.ts)", () => {
  it("serves /healthz and /readyz, then shuts down gracefully on SIGTERM with exit code 0", async () => {
    const child = spawn(process.execPath, ["server/main.ts"], {
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info", SITESYNC_ROLES: "api,workers" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line: ${lines.join("\n")}`)),
        20_000,
      );
      createInterface({ input: child.stdout! }).on("line", (line) => {
        lines.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === "api listening" && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not JSON: fail below through the missing line
        }
      });
      child.on("exit", (code) =>
        reject(new Error(`exited early with ${code}: ${lines.join("\n")}`)),
      );
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Every log line is JSON (pino), so log shippers can parse them.
    for (const line of lines.filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("refuses to boot with bad configuration and names every problem", async () => {
    const child = spawn(process.execPath, ["server/main.ts"], {
      env: { ...process.env, PORT: "not-a-port", REDIS_URL: "nope" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain("PORT");
    expect(stderr).toContain("REDIS_URL");
  });
});
