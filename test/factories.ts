import { randomUUID } from "node:crypto";
import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import { sha256, signAccessToken } from "../server/auth/tokens.ts";
import type { Role } from "../shared/permissions.ts";

/**
 * Test data builders. They insert through the service pool (BYPASSRLS) because fixtures
 * are set-up, not the behaviour under test; tests then act through the app role / HTTP.
 */
const Id = z.object({ id: z.string() });
let counter = 0;
const next = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function buildOrganization(
  db: DatabasePool,
  overrides: { name?: string; slug?: string; organization_type?: string } = {},
): Promise<{ id: string; slug: string }> {
  const slug = overrides.slug ?? `org-${next()}`;
  const row = await db.one(sql.type(Id)`
    INSERT INTO organizations (name, slug, organization_type)
    VALUES (${overrides.name ?? `Org ${slug}`}, ${slug}, ${overrides.organization_type ?? "service_company"})
    RETURNING id`);
  return { id: row.id, slug };
}

export async function buildUser(
  db: DatabasePool,
  overrides: {
    organizationId: string | null;
    role?: Role;
    email?: string;
    userType?: string;
    passwordHash?: string | null;
  },
): Promise<{ id: string; email: string; organizationId: string | null; role: Role }> {
  const email = overrides.email ?? `user-${next()}@example.test`;
  const role = overrides.role ?? "admin";
  const row = await db.one(sql.type(Id)`
    INSERT INTO users (organization_id, email, role, user_type, first_name, last_name, password_hash)
    VALUES (${overrides.organizationId}, ${email}, ${role}, ${overrides.userType ?? "standard"},
            'Test', 'User', ${overrides.passwordHash ?? null})
    RETURNING id`);
  return { id: row.id, email, organizationId: overrides.organizationId, role };
}

/** Creates a real session row and signs an access token for it. */
export async function sessionFor(
  db: DatabasePool,
  user: { id: string; organizationId: string | null },
  options: { secret?: string; ttlSeconds?: number } = {},
): Promise<{ token: string; sessionId: string }> {
  const sessionId = randomUUID();
  await db.query(sql.unsafe`
    INSERT INTO user_sessions (id, user_id, session_token_hash, expires_at)
    VALUES (${sessionId}, ${user.id}, ${sha256(sessionId)}, now() + interval '1 day')`);
  const token = await signAccessToken(
    options.secret ?? process.env.JWT_SECRET ?? "dev-only-secret-change-me-0123456789abcdef",
    { userId: user.id, organizationId: user.organizationId, sessionId },
    options.ttlSeconds ?? 900,
  );
  return { token, sessionId };
}

/** An organisation with one user of the given role and a usable access token. */
export async function buildOrgWithUser(
  db: DatabasePool,
  role: Role = "admin",
): Promise<{ orgId: string; userId: string; token: string; sessionId: string; email: string }> {
  const org = await buildOrganization(db);
  const user = await buildUser(db, { organizationId: org.id, role });
  const { token, sessionId } = await sessionFor(db, user);
  return { orgId: org.id, userId: user.id, token, sessionId, email: user.email };
}

export async function buildSite(
  db: DatabasePool,
  organizationId: string,
  overrides: { name?: string; state?: string } = {},
) {
  return db.one(sql.type(Id)`
    INSERT INTO sites (organization_id, name, city, state)
    VALUES (${organizationId}, ${overrides.name ?? `Site ${next()}`}, 'Sydney', ${overrides.state ?? "NSW"})
    RETURNING id`);
}

export async function buildElevator(
  db: DatabasePool,
  organizationId: string,
  siteId: string,
  overrides: { unit_number?: string } = {},
) {
  return db.one(sql.type(Id)`
    INSERT INTO elevators (organization_id, site_id, unit_number, manufacturer, model)
    VALUES (${organizationId}, ${siteId}, ${overrides.unit_number ?? `L${next()}`}, 'KONE', 'MonoSpace 500')
    RETURNING id`);
}

export async function buildContractor(
  db: DatabasePool,
  organizationId: string,
  overrides: { is_active?: boolean } = {},
) {
  return db.one(sql.type(Id)`
    INSERT INTO contractors (organization_id, contractor_type, contact_name, is_active)
    VALUES (${organizationId}, 'employee', ${`Tech ${next()}`}, ${overrides.is_active ?? true})
    RETURNING id`);
}

export async function buildWorkOrder(
  db: DatabasePool,
  input: {
    organizationId: string;
    siteId: string;
    elevatorId: string;
    createdBy: string;
    status?: string;
    priority?: string;
    type?: string;
  },
) {
  return db.one(sql.type(z.object({ id: z.string(), work_order_number: z.string() }))`
    INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status, priority, title)
    VALUES (${input.organizationId}, ${input.siteId}, ${input.elevatorId}, ${input.createdBy},
            ${input.type ?? "breakdown"}, ${input.status ?? "pending"}, ${input.priority ?? "medium"}, 'Lift stuck between floors')
    RETURNING id, work_order_number`);
}
