import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  accessibilityViolations,
  BROWSER_TEST_TIMEOUT,
  launchBrowser,
  openConsole,
  savePageShot,
  signIn,
  startConsoleServer,
  tokenOf,
} from "./helpers/console.ts";
import { api } from "./helpers/runtime.ts";

/**
 * The web console's login and dispatch board in real Chromium against the real server
 * (demo data, hub, workers): two dispatchers in two browser contexts, reconnect catch-up,
 * presence, the AI suggestion, keyboard use and WCAG AA checks.
 */
// At the top level, not in beforeAll: the helpers' afterAll (closing the browser, the
// server, the workers) only registers while the file is being collected.
const { url } = await startConsoleServer();
const browser = await launchBrowser();

const MANAGER = "manager@harbourlift.demo";
const ADMIN = "admin@harbourlift.demo";
const TECHNICIAN = "technician@harbourlift.demo"; // Chloe Walker, an employee contractor

const card = (page: Page, status: string, id: string) =>
  page.locator(`[data-status="${status}"] [data-work-order="${id}"]`);

async function firstCard(page: Page, status: string): Promise<string> {
  const id = await page
    .locator(`[data-status="${status}"] [data-work-order]`)
    .first()
    .getAttribute("data-work-order");
  if (!id) throw new Error(`no ${status} card`);
  return id;
}

describe("login", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  it("lists the demo logins in demo mode, signs in with one, and passes WCAG AA checks", async () => {
    const { page, errors } = await openConsole(browser, url);
    await page.getByRole("heading", { name: "Demo logins" }).waitFor();
    expect(await page.getByRole("button", { name: `Sign in as ${MANAGER}` }).count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await savePageShot(page, "login");

    await page.getByLabel("Email").fill(MANAGER);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Invalid email");

    await page.getByLabel("Password").fill("sitesync-demo-1");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Dispatch board" }).waitFor();
    expect(errors).toEqual([]);
  });
});

describe("dispatch board", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  it("shows open work orders by status with site, lift, assignee, due date and late marker", async () => {
    const { page, errors } = await signIn(browser, url, MANAGER);
    for (const status of ["Pending", "Scheduled", "In progress", "On hold"]) {
      await page.getByRole("heading", { level: 3, name: new RegExp(`^${status}`) }).waitFor();
    }
    const pending = page.locator('[data-status="pending"] .card').first();
    await pending.waitFor();
    const text = await pending.textContent();
    for (const field of ["Site", "Lift", "Assignee", "Due"]) expect(text).toContain(field);
    expect(await page.locator(".badge.late").count()).toBeGreaterThan(0);
    expect(await page.locator(".priority-badge").count()).toBeGreaterThan(0);
    // Lifts by site and the technicians panel are filled in.
    expect(await page.locator(".lift").count()).toBeGreaterThan(5);
    expect(await page.locator("[data-technician]").count()).toBe(4);
    expect(await accessibilityViolations(page)).toEqual([]);
    await savePageShot(page, "dispatch-board");
    expect(errors).toEqual([]);
  });

  it("a dispatcher moves a work order and another sees it move live, without a reload", async () => {
    const a = await signIn(browser, url, MANAGER);
    const b = await signIn(browser, url, ADMIN);
    const id = await firstCard(a.page, "pending");
    await card(b.page, "pending", id).waitFor();
    const countBefore = await b.page.locator('[data-status="in_progress"] .count').textContent();

    await card(a.page, "pending", id).getByRole("button").click();
    await a.page.getByLabel("Move to").selectOption("in_progress");
    const [response] = await Promise.all([
      a.page.waitForResponse((r) => r.url().endsWith(`/work-orders/${id}/transition`)),
      a.page.getByRole("button", { name: "Move", exact: true }).click(),
    ]);
    expect(response.status()).toBe(200);
    // Committed when the response is back; the other dispatcher's board follows over the socket.
    // The lag is printed, not asserted: timed assertions flake on a shared 2-core CI machine
    // (house rule: speed is measured by benchmarks). What must hold is that it arrives live,
    // without a reload, once.
    const committed = Date.now();
    await card(b.page, "in_progress", id).waitFor({ timeout: 15_000 });
    console.info(
      `console board: the other dispatcher saw the move after ${Date.now() - committed} ms`,
    );
    expect(await card(b.page, "pending", id).count()).toBe(0);
    expect(Number(await b.page.locator('[data-status="in_progress"] .count').textContent())).toBe(
      Number(countBefore) + 1,
    );
    // The mover's own board too, and the detail panel says where it is now.
    await card(a.page, "in_progress", id).waitFor();
    expect(await a.page.locator('[data-field="status"]').textContent()).toBe("In progress");
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("assigns a technician, and the assignee shows on the other dispatcher's card", async () => {
    const a = await signIn(browser, url, MANAGER);
    const b = await signIn(browser, url, ADMIN);
    const id = await firstCard(a.page, "pending");
    await card(a.page, "pending", id).getByRole("button").click();
    await a.page.getByLabel("Assign to").selectOption({ label: "Aisha King" });
    await a.page.getByRole("button", { name: "Assign", exact: true }).click();
    await expect
      .poll(() => card(b.page, "pending", id).locator(".assignee").textContent())
      .toBe("Aisha King");
  });

  it("requests a diagnosis and shows the AI suggestion when the worker finishes", async () => {
    const { page } = await signIn(browser, url, MANAGER);
    const id = await firstCard(page, "in_progress");
    await card(page, "in_progress", id).getByRole("button").click();
    await page.getByRole("button", { name: "Request AI diagnosis" }).click();
    await page.locator("[data-ai-suggestion]").waitFor({ timeout: 20_000 });
    const suggestion = await page.locator("[data-ai-suggestion]").textContent();
    expect(suggestion).toContain("AI suggestion");
    await savePageShot(page, "dispatch-board-diagnosis");
  });

  it("after going offline it says so, then catches up from its cursor without a reload or duplicates", async () => {
    const a = await tokenOf(url, MANAGER);
    const b = await signIn(browser, url, ADMIN);
    const first = await firstCard(b.page, "pending");
    const second = await firstCard(b.page, "scheduled");
    await b.page.evaluate(() => {
      (globalThis as { loadedOnce?: boolean }).loadedOnce = true;
    });

    await b.context.setOffline(true);
    await b.page.locator(".connection-offline").waitFor();
    expect(await b.page.getByRole("status").filter({ hasText: "Offline" }).count()).toBe(1);
    for (const [id, to] of [
      [first, "on_hold"],
      [second, "in_progress"],
    ] as const) {
      const res = await api(url, "POST", `/api/v1/work-orders/${id}/transition`, {
        token: a,
        body: { to },
      });
      expect(res.status).toBe(200);
    }
    // Still the old board: nothing reached the page while it was offline.
    expect(await card(b.page, "pending", first).count()).toBe(1);

    await b.context.setOffline(false);
    await b.page.locator(".connection-connected").waitFor({ timeout: 15_000 });
    await card(b.page, "on_hold", first).waitFor();
    await card(b.page, "in_progress", second).waitFor();
    // Each work order once on the whole board, and the page was never reloaded.
    for (const id of [first, second]) {
      expect(await b.page.locator(`[data-work-order="${id}"]`).count()).toBe(1);
    }
    const ids = await b.page
      .locator("[data-work-order]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-work-order")));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await b.page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce)).toBe(
      true,
    );
    expect(b.errors).toEqual([]);
  });

  it("shows technicians' presence live", async () => {
    const dispatcher = await signIn(browser, url, MANAGER);
    const chloe = dispatcher.page.locator("[data-technician]").filter({ hasText: "Chloe Walker" });
    await expect.poll(() => chloe.textContent()).toContain("Offline");
    const technician = await signIn(browser, url, TECHNICIAN);
    await expect.poll(() => chloe.textContent()).toContain("Online");
    await technician.context.close();
    await expect.poll(() => chloe.textContent(), { timeout: 10_000 }).toContain("Offline");
  });

  it("works from the keyboard: skip link, choose a card, move it", async () => {
    const { page } = await signIn(browser, url, MANAGER);
    const id = await firstCard(page, "on_hold");
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").textContent()).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.locator(":focus").getAttribute("id")).toBe("main");

    await card(page, "on_hold", id).getByRole("button").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("detail-heading");
    await page.getByLabel("Move to").focus();
    await page.getByLabel("Move to").selectOption("pending");
    await page.getByRole("button", { name: "Move", exact: true }).focus();
    await page.keyboard.press("Enter");
    await card(page, "pending", id).waitFor();
  });
});
