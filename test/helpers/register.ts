import { expect } from "vitest";
import { api } from "./runtime.ts";

let seq = 0;
/** Unique enough for emails and slugs within one test database. */
export const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

export const OWNER_PASSWORD = "correct horse battery";

/** Registers an organisation through the API: a real owner who can log in with a password. */
export async function registerOwner(baseUrl: string) {
  const email = `owner-${uniq()}@example.test`;
  const res = await api(baseUrl, "POST", "/api/v1/auth/register", {
    body: {
      organization: { name: "Acme", slug: `acme-${uniq()}` },
      user: { email, password: OWNER_PASSWORD },
    },
  });
  expect(res.status).toBe(201);
  return {
    email,
    token: res.body.access_token as string,
    userId: res.body.user.id as string,
    orgId: res.body.organization.id as string,
  };
}
