import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { Mailbox } from "./mailbox.ts";
import { tokenIn } from "./mailbox.ts";
import { api } from "./runtime.ts";

let seq = 0;
/** Unique enough for emails and slugs within one test database. */
export const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

export const OWNER_PASSWORD = "correct horse battery";

/**
 * Each registrant in a test comes from its own client address (the app trusts
 * X-Forwarded-For from loopback proxies), so suites that register many organisations do
 * not run into the per-IP registration limit, which has its own test.
 */
export const freshClient = () => ({
  "x-forwarded-for": `10.${[1, 2, 3].map(() => randomBytes(1)[0]).join(".")}`,
});

export type RegisterBody = {
  organization: { name: string; slug: string; organization_type?: string };
  user: { email: string; password: string; first_name?: string; last_name?: string };
};

/**
 * Registers the way a person does: POST /auth/register (202), then the link from the
 * e-mail that the test's SMTP server received (POST /auth/register/verify, 201). Returns
 * the 201 body: user, organization and the first token pair.
 */
export async function registerThroughEmail(
  server: { url: string; mailbox: Mailbox },
  body: RegisterBody,
): Promise<any> {
  const res = await api(server.url, "POST", "/api/v1/auth/register", {
    body,
    headers: freshClient(),
  });
  if (res.status !== 202) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  const mail = await server.mailbox.waitFor(body.user.email, (m) =>
    m.text.includes(body.organization.name),
  );
  const done = await api(server.url, "POST", "/api/v1/auth/register/verify", {
    body: { token: tokenIn(mail) },
  });
  if (done.status !== 201) throw new Error(`verify: ${done.status} ${JSON.stringify(done.body)}`);
  return done.body;
}

/** Registers an organisation through the API: a real owner who can log in with a password. */
export async function registerOwner(server: { url: string; mailbox: Mailbox }) {
  const email = `owner-${uniq()}@example.test`;
  const body = await registerThroughEmail(server, {
    organization: { name: `Acme ${uniq()}`, slug: `acme-${uniq()}` },
    user: { email, password: OWNER_PASSWORD },
  });
  expect(body.user.email).toBe(email);
  return {
    email,
    token: body.access_token as string,
    refreshToken: body.refresh_token as string,
    userId: body.user.id as string,
    orgId: body.organization.id as string,
  };
}
