import { z } from "zod";

/**
 * The demo data set's logins (docs/demo-data.md). The loader (scripts/data/demo) creates
 * them; with DEMO_MODE=true the server lists them at GET /api/v1/demo/logins, which the
 * console's login page shows.
 */

/** Every demo login's email ends in this, so --reset can find demo users without an org. */
export const DEMO_EMAIL_SUFFIX = ".demo";

/** The documented password of every demo user. */
export const DEMO_PASSWORD = "sitesync-demo-1";

export const DemoLogin = z.object({
  email: z.string(),
  role: z.string(),
  /** The organisation's name, or "tenant portal" for a portal user of no organisation. */
  organization: z.string(),
});
export type DemoLogin = z.infer<typeof DemoLogin>;

export const DemoLogins = z.object({ password: z.string(), logins: z.array(DemoLogin) });
export type DemoLogins = z.infer<typeof DemoLogins>;
