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
 * The console's Messages page in real Chromium against the real server (demo data, hub):
 * two colleagues in two browser contexts chat, with the conversation list's unread counts,
 * live messages, the typing indicator and read receipts; then the keyboard alone.
 */
// At the top level, not in beforeAll: the helpers' afterAll (closing the browser, the
// server, the workers) only registers while the file is being collected.
const { url } = await startConsoleServer();
const browser = await launchBrowser();

const MANAGER = "manager@harbourlift.demo";
const ADMIN = "admin@harbourlift.demo";
const OWNER = "owner@harbourlift.demo";

/** The demo user's id and the name the console shows for them. */
async function person(email: string): Promise<{ id: string; name: string }> {
  const res = await api(url, "GET", "/api/v1/me", { token: await tokenOf(url, email) });
  expect(res.status).toBe(200);
  const u = res.body.user;
  return { id: u.id, name: u.display_name ?? `${u.first_name} ${u.last_name}` };
}

describe("messages", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  it("two users chat: unread counts, live messages, typing indicator and read receipts", async () => {
    const admin = await person(ADMIN);
    const manager = await person(MANAGER);
    const a = await signIn(browser, url, MANAGER);
    const b = await signIn(browser, url, ADMIN);
    await b.page.getByRole("link", { name: "Messages" }).click();
    await b.page.getByRole("heading", { name: "Conversations" }).waitFor();

    // The manager starts a conversation with the admin from the colleague picker.
    await a.page.getByRole("link", { name: "Messages" }).click();
    await a.page.getByLabel("Write to a colleague").selectOption(admin.id);
    await a.page.getByRole("button", { name: "Open conversation" }).click();
    await a.page.getByRole("heading", { level: 2, name: admin.name }).waitFor();
    await a.page.getByLabel(`Message to ${admin.name}`).fill("Lift 3 at Circular Quay again?");
    await a.page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => a.page.url()).toMatch(/#\/messages\/[0-9a-f-]{36}$/);
    const thread = a.page.url().split("/").pop() as string;
    await a.page.locator(".message.mine").filter({ hasText: "Circular Quay" }).waitFor();
    expect(await a.page.locator('[data-receipt="sent"]').count()).toBe(1);

    // The admin's list gains the conversation live, with one unread message.
    const entry = b.page.locator(`[data-thread="${thread}"]`);
    await entry.waitFor({ timeout: 5_000 });
    expect(await entry.locator(".unread").getAttribute("data-unread")).toBe("1");
    expect(await entry.textContent()).toContain(manager.name);
    expect(await accessibilityViolations(b.page)).toEqual([]);

    // Opening it reads it: the unread count goes, and the manager sees the read receipt live.
    await entry.getByRole("link").click();
    await b.page.locator(".message.theirs").filter({ hasText: "Circular Quay" }).waitFor();
    expect(await entry.locator(".unread").count()).toBe(0);
    await a.page.locator('[data-receipt="read"]').waitFor({ timeout: 5_000 });
    expect(await a.page.locator('[data-receipt="read"]').textContent()).toMatch(/^Read /);

    // The admin types: the manager sees the indicator; then the reply arrives live.
    const box = b.page.getByLabel(`Message to ${manager.name}`);
    await box.pressSequentially("On my way", { delay: 20 });
    await a.page
      .getByRole("status")
      .filter({ hasText: `${admin.name} is typing…` })
      .waitFor({ timeout: 5_000 });
    await box.press("Enter");
    await a.page.locator(".message.theirs").filter({ hasText: "On my way" }).waitFor();
    // The indicator goes once their message is in.
    await expect.poll(() => a.page.locator(".typing").textContent()).toBe("");
    // The manager has it open, so it is read at once: the admin's receipt turns to Read.
    await b.page
      .locator(".message.mine")
      .filter({ hasText: "On my way" })
      .locator('[data-receipt="read"]')
      .waitFor({ timeout: 5_000 });
    // Each message once on each side.
    for (const page of [a.page, b.page]) expect(await page.locator(".message").count()).toBe(2);

    expect(await accessibilityViolations(a.page)).toEqual([]);
    await savePageShot(a.page, "messages");
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("catches up on messages sent while it was offline, each once, without a reload", async () => {
    const manager = await person(MANAGER);
    const ownerToken = await tokenOf(url, OWNER);
    const first = await api(url, "POST", "/api/v1/messages", {
      token: ownerToken,
      body: { recipient_id: manager.id, content: "Before the outage", new_conversation: true },
    });
    expect(first.status).toBe(201);
    const thread = first.body.thread_id;
    const { page, context, errors } = await signIn(browser, url, MANAGER);
    await page.goto(`${url}/#/messages/${thread}`);
    await page.locator(".message.theirs").filter({ hasText: "Before the outage" }).waitFor();
    await page.evaluate(() => {
      (globalThis as { loadedOnce?: boolean }).loadedOnce = true;
    });

    await context.setOffline(true);
    await page.locator(".connection-offline").waitFor();
    for (const content of ["During the outage 1", "During the outage 2"]) {
      const res = await api(url, "POST", "/api/v1/messages", {
        token: ownerToken,
        body: { recipient_id: manager.id, content, thread_id: thread },
      });
      expect(res.status).toBe(201);
    }
    await context.setOffline(false);
    await page.locator(".connection-connected").waitFor({ timeout: 15_000 });
    await page.locator(".message").filter({ hasText: "During the outage 2" }).waitFor();
    const texts = await page.locator(".message-body").allTextContents();
    expect(texts).toEqual(["Before the outage", "During the outage 1", "During the outage 2"]);
    expect(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce)).toBe(
      true,
    );
    expect(errors).toEqual([]);
    // Closed: an open conversation reads what arrives in it, on any device.
    await context.close();
  });

  it("counts messages that arrive for a conversation that is not open, and works from the keyboard", async () => {
    const owner = await person(OWNER);
    const manager = await person(MANAGER);
    const ownerToken = await tokenOf(url, OWNER);
    const { page, errors } = await signIn(browser, url, MANAGER);
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByRole("heading", { name: "Conversations" }).waitFor();

    // Two messages through the API (another client of the owner's): the count follows live.
    let thread = "";
    for (const content of ["First", "Second"]) {
      const res = await api(url, "POST", "/api/v1/messages", {
        token: ownerToken,
        // A conversation of its own (the pair has one from the test before).
        body: {
          recipient_id: manager.id,
          content,
          ...(thread ? { thread_id: thread } : { new_conversation: true }),
        },
      });
      expect(res.status).toBe(201);
      thread = res.body.thread_id;
    }
    const entry = page.locator(`[data-thread="${thread}"]`);
    await expect.poll(() => entry.locator(".unread").getAttribute("data-unread")).toBe("2");
    expect(await entry.textContent()).toContain(owner.name);
    // The top bar counts them too, on every page.
    const navCount = page.locator("[data-unread-total]");
    await expect.poll(() => navCount.getAttribute("data-unread-total")).toBe("2");
    expect(await page.getByRole("link", { name: "Messages 2 unread" }).count()).toBe(1);

    // Keyboard only: focus the conversation's link, open it, write and send with Enter.
    await entry.getByRole("link").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("chat-heading");
    expect(await page.locator(".message.theirs").count()).toBe(2);
    await page.keyboard.press("Tab");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("compose-text");
    await page.keyboard.type("Thanks");
    await page.keyboard.press("Enter");
    await page.locator(".message.mine").filter({ hasText: "Thanks" }).waitFor();
    await expect.poll(() => navCount.count()).toBe(0);
    const unread = await api(url, "GET", "/api/v1/messages/unread-count", {
      token: await tokenOf(url, MANAGER),
    });
    expect(unread.body.unread).toBe(0);
    expect(errors).toEqual([]);
  });
});
