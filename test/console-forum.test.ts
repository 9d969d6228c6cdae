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
 * The console's forum in real Chromium against the real server (demo data, hub): the
 * categories, a thread that receives a reply live in another browser, upvotes and an
 * accepted answer reaching the other side, and the moderation queue of an organisation's
 * moderated category.
 */
// At the top level, not in beforeAll: the helpers' afterAll (closing the browser, the
// server, the workers) only registers while the file is being collected.
const { url } = await startConsoleServer();
const browser = await launchBrowser();

const MANAGER = "manager@harbourlift.demo";
const TECHNICIAN = "technician@harbourlift.demo";
const ADMIN = "admin@harbourlift.demo";

describe("forum", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  it("lists the categories, and a thread receives a reply, an upvote and an accepted answer live", async () => {
    const a = await signIn(browser, url, MANAGER);
    await a.page.getByRole("link", { name: "Forum" }).click();
    await a.page.getByRole("heading", { name: "Categories" }).waitFor();
    for (const name of ["Elevators – General", "KONE", "Otis", "Schindler"]) {
      await a.page.getByRole("link", { name, exact: true }).waitFor();
    }
    expect(await accessibilityViolations(a.page)).toEqual([]);
    await savePageShot(a.page, "forum");

    // The manager starts a thread in KONE.
    await a.page.getByRole("link", { name: "KONE", exact: true }).click();
    await a.page.getByRole("heading", { name: "Threads" }).waitFor();
    expect(await a.page.locator("[data-thread]").count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(a.page)).toEqual([]);
    await savePageShot(a.page, "forum-category");
    await a.page.getByLabel("Title").fill("MonoSpace door fault after a power cut");
    await a.page
      .getByLabel("Your question (Markdown)")
      .fill("Doors stay shut after the mains came back. **Any ideas?**");
    await a.page.getByRole("button", { name: "Start thread" }).click();
    await a.page.getByRole("heading", { level: 1, name: "MonoSpace door fault" }).waitFor();
    await expect.poll(() => a.page.url()).toMatch(/#\/forum\/t\/[0-9a-f-]{36}$/);
    const threadId = a.page.url().split("/").pop() as string;
    // Markdown as the server rendered it.
    expect(await a.page.locator(".thread .post-body strong").textContent()).toBe("Any ideas?");

    // A technician watching the category sees the new thread, opens it and replies.
    const b = await signIn(browser, url, TECHNICIAN);
    await b.page.goto(`${url}/#/forum/t/${threadId}`);
    await b.page.getByRole("heading", { level: 1, name: "MonoSpace door fault" }).waitFor();
    await b.page
      .getByLabel("Your reply (Markdown)")
      .fill("Check the door operator's *reset* relay.");
    await b.page.getByRole("button", { name: "Post reply" }).click();
    const replyOnA = a.page.locator(".post").filter({ hasText: "reset relay" });
    await replyOnA.waitFor({ timeout: 5_000 });
    expect(await replyOnA.locator("em").textContent()).toBe("reset");
    expect(await a.page.locator(".post").count()).toBe(1);

    // The technician upvotes the question: the author's count follows.
    await b.page.getByRole("button", { name: /Upvote the question/ }).click();
    await expect
      .poll(() => a.page.locator(".thread > .post-actions .votes").textContent())
      .toBe("1 upvotes");

    // The author accepts the reply: the technician sees it marked and the thread answered.
    await replyOnA.getByRole("button", { name: "Accept as answer" }).click();
    await b.page.locator(".post.answer").filter({ hasText: "reset relay" }).waitFor();
    await expect
      .poll(() => b.page.locator("[data-thread-status]").first().getAttribute("data-thread-status"))
      .toBe("answered");
    expect(await b.page.locator(".badge.accepted").count()).toBe(1);
    expect(await accessibilityViolations(b.page)).toEqual([]);
    await savePageShot(b.page, "forum-thread");
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("works from the keyboard: open a category and a thread, and reply", async () => {
    const { page, errors } = await signIn(browser, url, ADMIN);
    await page.getByRole("link", { name: "Forum" }).click();
    await page.getByRole("link", { name: "Otis", exact: true }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("category-h");
    await page.locator("[data-thread] a").first().waitFor();
    await page.locator("[data-thread] a").first().focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(":focus").getAttribute("id")).toBe("thread-h");
    const before = await page.locator(".post").count();
    await page.getByLabel("Your reply (Markdown)").focus();
    await page.keyboard.type("Same here: a firmware update fixed it.");
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").textContent()).toContain("Post reply");
    await page.keyboard.press("Enter");
    await page.locator(".post").filter({ hasText: "firmware update" }).waitFor();
    expect(await page.locator(".post").count()).toBe(before + 1);
    expect(errors).toEqual([]);
  });

  it("holds a thread in a moderated category until a moderator approves it from the queue", async () => {
    const admin = await tokenOf(url, ADMIN);
    const created = await api(url, "POST", "/api/v1/forum-categories", {
      token: admin,
      body: {
        name: "Harbour Lift – internal",
        scope_type: "organization",
        visibility: "organization",
        requires_moderation: true,
      },
    });
    expect(created.status).toBe(201);
    const categoryId = created.body.id;

    const author = await signIn(browser, url, MANAGER);
    await author.page.goto(`${url}/#/forum/c/${categoryId}`);
    await author.page.getByLabel("Title").fill("Roster for the Christmas break");
    await author.page.getByLabel("Your question (Markdown)").fill("Who is on call on the 25th?");
    await author.page.getByRole("button", { name: "Start thread" }).click();
    await author.page
      .getByRole("heading", { level: 1, name: "Roster for the Christmas break" })
      .waitFor();
    expect(await author.page.locator(".badge.held").count()).toBe(1);

    // A colleague watching the category sees nothing until it is approved.
    const colleague = await signIn(browser, url, TECHNICIAN);
    await colleague.page.goto(`${url}/#/forum/c/${categoryId}`);
    await colleague.page.getByRole("heading", { name: "Threads" }).waitFor();
    expect(await colleague.page.locator("[data-thread]").count()).toBe(0);

    const moderator = await signIn(browser, url, ADMIN);
    await moderator.page.getByRole("link", { name: "Forum" }).click();
    await moderator.page.getByRole("link", { name: "Moderation queue" }).click();
    const item = moderator.page.locator(".queue-item").filter({ hasText: "Christmas break" });
    await item.waitFor();
    expect(await accessibilityViolations(moderator.page)).toEqual([]);
    await savePageShot(moderator.page, "forum-moderation");
    await item.getByRole("button", { name: "Approve" }).click();
    await moderator.page.getByText("Nothing is waiting for review.").waitFor();

    // Approval is the thread's created event: it appears in the colleague's list live.
    await colleague.page
      .locator("[data-thread]")
      .filter({ hasText: "Christmas break" })
      .waitFor({ timeout: 5_000 });
    expect([...author.errors, ...colleague.errors, ...moderator.errors]).toEqual([]);
  });
});
