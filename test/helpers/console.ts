import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeEach, expect, type TestContext } from "vitest";
import { seedDemo } from "../../scripts/data/demo/seed.ts";
import { DEMO_PASSWORD } from "../../shared/demo.ts";
import { startWorkers } from "../../workers/start.ts";
import { startHub } from "./realtime.ts";
import { api, testRuntime } from "./runtime.ts";

/**
 * The web console in a real browser (docs/console.md, "Tests"): Debian's Chromium driven
 * by playwright-core against the real server (API + hub + workers) on this test file's
 * database loaded with the demo data. `npx playwright install` cannot work here (no
 * downloads); scripts/setup.sh installs the `chromium` package when it is missing.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM = process.env.SITESYNC_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = path.join(ROOT, "test/artifacts");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

/** The newest modification time under these paths (files or directories). */
async function newest(paths: string[]): Promise<number> {
  let latest = 0;
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info) continue;
    if (!info.isDirectory()) latest = Math.max(latest, info.mtimeMs);
    else {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      for (const e of entries) {
        if (e.isFile())
          latest = Math.max(latest, (await stat(path.join(e.parentPath, e.name))).mtimeMs);
      }
    }
  }
  return latest;
}

/**
 * Builds the console when its build is missing or older than its sources (as
 * scripts/ensure-deps.sh does before `npm test`), so a test always runs the sources it sits
 * next to. Test files run in parallel: when the build is current (CI, ensure-deps built
 * it) none of them rebuilds, so no server ever sees the build being swapped.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const built = await stat(path.join(ROOT, "console/dist/index.html")).catch(() => null);
  const sources = ["console/src", "console/index.html", "shared", "package-lock.json"];
  if (built && built.mtimeMs >= (await newest(sources.map((p) => path.join(ROOT, p))))) return;
  await promisify(execFile)(process.execPath, [path.join(ROOT, "scripts/build-console.ts")], {
    cwd: ROOT,
  });
}

/**
 * The server as `npm run up` runs it, on a free port: demo mode and demo data, the hub,
 * and the workers (a diagnosis is a job). Closed after the file.
 */
export async function startConsoleServer() {
  await ensureConsoleBuilt();
  const runtime = await testRuntime({ DEMO_MODE: "true" });
  await seedDemo(runtime.serviceDb, { seed: 42 });
  const server = await startHub(runtime);
  const workers = await startWorkers(runtime, { schedules: [] });
  afterAll(() => workers.close(0));
  return { ...server, runtime };
}

const pages = new Set<Page>();
let failureShots = 0;

/**
 * Headless Chromium, closed after the file. Every page opened through it is screenshotted
 * into test/artifacts/failures/ when a test fails.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run \`bash scripts/setup.sh\` as root (it installs Debian's chromium), or set SITESYNC_CHROMIUM`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  afterAll(() => browser.close());
  return browser;
}

// Registered when a test file imports this module: hooks added from inside beforeAll (as
// launchBrowser runs) would never run.
beforeEach((ctx: TestContext) => {
  ctx.onTestFailed(async () => {
    const dir = path.join(ARTIFACTS, "failures");
    await mkdir(dir, { recursive: true });
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 80);
    for (const page of pages) {
      if (page.isClosed()) continue;
      failureShots++;
      await page
        .screenshot({ path: path.join(dir, `${name}-${failureShots}.png`), fullPage: true })
        .catch(() => {});
    }
  });
});

/**
 * A browser test walks through a page as two or three people: tens of seconds alone, more
 * while the whole suite shares two cores. Each wait inside fails sooner (15 s) and says what
 * it waited for.
 */
export const BROWSER_TEST_TIMEOUT = 90_000;

export type Visitor = { context: BrowserContext; page: Page; errors: string[] };

/** A new browser context (its own storage: another person) with one page on the console. */
export async function openConsole(browser: Browser, url: string): Promise<Visitor> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  // Well inside the test's own timeout, so a wait that fails says what it waited for.
  page.setDefaultTimeout(15_000);
  pages.add(page);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(url);
  return { context, page, errors };
}

/** Signs in through the demo login list (demo mode) and waits for the live connection. */
export async function signIn(browser: Browser, url: string, email: string): Promise<Visitor> {
  const visitor = await openConsole(browser, url);
  await visitor.page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await visitor.page.locator(".connection-connected").waitFor();
  return visitor;
}

/** An access token of a demo user, for acting through the API beside the browser. */
export async function tokenOf(url: string, email: string): Promise<string> {
  const res = await api(url, "POST", "/api/v1/auth/login", {
    body: { email, password: DEMO_PASSWORD },
  });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

/** One screenshot per console page, kept as a test artifact (git-ignored). */
export async function savePageShot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: unknown[] };
let axeSource: string | undefined;

/**
 * WCAG 2.x A and AA checks of the page as rendered (axe-core: contrast, labels, names,
 * landmarks, ARIA). Evaluated through the DevTools protocol, which the page's CSP does not
 * govern. Returns the violations, summarised.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(
    createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
    "utf8",
  );
  await page.evaluate(axeSource);
  const { passes, violations } = await page.evaluate(async () => {
    type Axe = { run: (o: unknown) => Promise<{ violations: AxeViolation[]; passes: unknown[] }> };
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    const result = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return {
      passes: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => (n as { html: string }).html),
      })),
    };
  });
  // No rule passing at all would mean axe checked nothing (an empty page, a broken run).
  if (passes === 0) throw new Error("axe-core ran no passing check: nothing was tested");
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.join(" | ")}`);
}
