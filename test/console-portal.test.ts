import { describe, expect, it } from "vitest";
import {
  accessibilityViolations,
  BROWSER_TEST_TIMEOUT,
  launchBrowser,
  savePageShot,
  signIn,
  startConsoleServer,
  tokenOf,
} from "./helpers/console.ts";
import { api } from "./helpers/runtime.ts";

/**
 * The console's tenant portal in real Chromium against the real server (demo data, hub):
 * a tenant's portal user sends a request and watches it live while staff, through the
 * API, acknowledge it, convert it into a work order and work that to completion; then the
 * tenant rates it.
 */
// At the top level, not in beforeAll: the helpers' afterAll (closing the browser, the
// server, the workers) only registers while the file is being collected.
const { url } = await startConsoleServer();
const browser = await launchBrowser();

type Login = { email: string; role: string; organization: string };

/** A demo portal user, its tenant, and a manager of the organisation that runs the site. */
async function cast() {
  const logins: Login[] = (await api(url, "GET", "/api/v1/demo/logins")).body.logins;
  const portal = logins.find((l) => l.role === "tenant");
  if (!portal) throw new Error("the demo data has no portal user");
  const tenants = await api(url, "GET", "/api/v1/tenants", {
    token: await tokenOf(url, portal.email),
  });
  const tenant = tenants.body.data[0];
  // The manager whose organisation sees the tenant (another organisation's gets 404).
  for (const l of logins.filter((x) => x.role === "manager")) {
    const token = await tokenOf(url, l.email);
    const res = await api(url, "GET", `/api/v1/tenants/${tenant.id}`, { token });
    if (res.status === 200) return { portal: portal.email, tenant, staff: token };
  }
  throw new Error("no demo manager runs the tenant's site");
}

describe("tenant portal", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  it("a tenant sends a request, watches it live until staff resolve it, then rates it", async () => {
    const { portal, staff } = await cast();
    const { page, errors } = await signIn(browser, url, portal);
    await page.getByRole("heading", { name: "Tenant portal" }).waitFor();
    // The tenant's nav has the portal only.
    expect(await page.getByRole("link", { name: "Dispatch board" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Messages" }).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await savePageShot(page, "tenant-portal");

    await page.getByLabel("What is it about?").selectOption("issue_report");
    await page.getByLabel("Subject").fill("Lift doors keep reopening");
    await page.getByLabel("Details (optional)").fill("Since this morning, on every floor.");
    const lift = page.getByLabel("Lift (optional)");
    const liftId = await lift.locator("option").nth(1).getAttribute("value");
    await lift.selectOption(liftId as string);
    await page.getByRole("button", { name: "Send request" }).click();
    await page.getByRole("heading", { level: 2, name: "Lift doors keep reopening" }).waitFor();
    await expect.poll(() => page.url()).toMatch(/#\/portal\/[0-9a-f-]{36}$/);
    const requestId = page.url().split("/").pop() as string;
    const step = () => page.locator('.step[aria-current="step"]').getAttribute("data-step");
    expect(await step()).toBe("open");

    // Staff acknowledge: the page moves on by itself, and the timeline says so.
    const call = (path: string, body: unknown = {}) =>
      api(url, "POST", `/api/v1${path}`, { token: staff, body });
    expect(
      (await call(`/service-requests/${requestId}/acknowledge`, { priority: "high" })).status,
    ).toBe(200);
    await expect.poll(step, { timeout: 5_000 }).toBe("acknowledged");
    await page.locator(".timeline li").nth(1).waitFor();

    // Converted into a work order, which staff then work: the request follows it.
    const converted = await call(`/service-requests/${requestId}/convert`, { type: "breakdown" });
    expect(converted.status).toBe(201);
    const wo = converted.body.work_order.id;
    expect((await call(`/work-orders/${wo}/transition`, { to: "in_progress" })).status).toBe(200);
    await expect.poll(step, { timeout: 5_000 }).toBe("in_progress");
    const note = "Fixed: the door sensor was replaced. Thanks for reporting it.";
    const done = await call(`/work-orders/${wo}/transition`, {
      to: "completed",
      reason: "Door operator belt replaced",
      tenant_note: note,
    });
    expect(done.status).toBe(200);
    await expect.poll(step, { timeout: 5_000 }).toBe("resolved");
    await expect.poll(() => page.locator("[data-resolution]").textContent()).toBe(note);
    // Every step the tenant was told about is on the timeline, newest first, once each.
    await expect.poll(() => page.locator(".timeline li").count()).toBeGreaterThanOrEqual(4);
    const titles = await page.locator(".timeline .timeline-title").allTextContents();
    expect(titles.at(-1)).toBe("You sent the request");
    expect(new Set(titles).size).toBe(titles.length);
    // The work order's internal reason never reaches the tenant.
    expect(await page.locator("main").textContent()).not.toContain("Door operator belt");

    // Rate it, from the keyboard's point of view: a labelled radio group.
    expect(await accessibilityViolations(page)).toEqual([]);
    await savePageShot(page, "tenant-portal-request");
    await page.getByRole("radio", { name: "4 out of 5" }).check();
    await page.getByLabel("Anything to add? (optional)").fill("Quick and friendly.");
    await page.getByRole("button", { name: "Send rating" }).click();
    await page.locator('[data-rated="4"]').waitFor();
    const stored = await api(url, "GET", `/api/v1/service-requests/${requestId}`, { token: staff });
    expect(stored.body).toMatchObject({
      status: "resolved",
      satisfaction_rating: 4,
      feedback_text: "Quick and friendly.",
    });
    expect(errors).toEqual([]);
  });

  it("works from the keyboard: send a request, then rate it with the arrow keys", async () => {
    const { portal, staff } = await cast();
    const { page, errors } = await signIn(browser, url, portal);
    await page.getByRole("heading", { name: "New request" }).waitFor();
    await page.getByLabel("What is it about?").focus();
    await page.keyboard.press("ArrowDown"); // the second type: a question
    await page.keyboard.press("Tab");
    await page.keyboard.type("Is the goods lift booked on Friday?");
    await page.keyboard.press("Tab");
    await page.keyboard.type("We have a delivery at 9.");
    await page.keyboard.press("Tab"); // the lift: none in particular
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").textContent()).toContain("Send request");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("request-heading");
    const requestId = page.url().split("/").pop() as string;
    expect(await page.locator("[data-step]").first().textContent()).toContain("Sent");

    // Staff answer it without a work order.
    const res = await api(url, "POST", `/api/v1/service-requests/${requestId}/resolve`, {
      token: staff,
      body: { resolution_notes: "Yes: booked for you from 8.30." },
    });
    expect(res.status).toBe(200);
    await page.getByRole("radio", { name: "1 out of 5" }).waitFor();
    await page.getByRole("radio", { name: "1 out of 5" }).focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("radio", { name: "5 out of 5" }).isChecked()).toBe(true);
    await page.keyboard.press("Tab"); // the comment
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.locator('[data-rated="5"]').waitFor();
    expect(errors).toEqual([]);
  });
});
