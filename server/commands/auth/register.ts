import { randomUUID } from "node:crypto";
import type { Request } from "express";
import { recordAudit } from "../../audit/record.ts";
import { hashPassword } from "../../auth/passwords.ts";
import { insertOrganization, type OrganizationRow } from "../../db/organizations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { insertUser, type UserRow } from "../../db/users.ts";
import type { Runtime } from "../../runtime.ts";
import { clientOf, openSession, type TokenPair } from "./session.ts";

export type RegisterInput = {
  organization: { name: string; slug: string; organization_type?: string };
  user: { email: string; password: string; first_name?: string; last_name?: string };
};

/**
 * Creates an organisation and its owner and signs them in. No request context exists
 * before the organisation does, so both ids are generated here and the transaction runs
 * with that context already set: RLS then admits exactly these two rows (the policies
 * check organization id = app.current_org), and no BYPASSRLS role is needed.
 * A taken slug or email hits a unique index and becomes 409.
 */
export async function register(
  runtime: Runtime,
  req: Request,
  input: RegisterInput,
): Promise<{ user: UserRow; organization: OrganizationRow } & TokenPair> {
  const organizationId = randomUUID();
  const userId = randomUUID();
  const passwordHash = await hashPassword(input.user.password);
  return withTenant(runtime.db, { organizationId, userId }, async (tx) => {
    const organization = await insertOrganization(tx, {
      id: organizationId,
      name: input.organization.name,
      slug: input.organization.slug,
      organization_type: input.organization.organization_type ?? "service_company",
    });
    const user = await insertUser(tx, {
      id: userId,
      organization_id: organizationId,
      email: input.user.email.trim(),
      password_hash: passwordHash,
      role: "owner",
      first_name: input.user.first_name ?? null,
      last_name: input.user.last_name ?? null,
    });
    const client = clientOf(req);
    const audit = {
      actorId: userId,
      actorType: "user" as const,
      actorEmail: user.email,
      ip: client.ip,
      userAgent: client.userAgent,
      requestId: req.id ? String(req.id) : null,
    };
    await recordAudit(tx, audit, {
      organizationId,
      eventType: "settings_changed",
      entityType: "organization",
      entityId: organizationId,
      data: { action: "organization_registered" },
      newState: organization,
    });
    await recordAudit(tx, audit, {
      organizationId,
      eventType: "user_created",
      entityType: "user",
      entityId: userId,
      data: { role: "owner", via: "register" },
      newState: user,
    });
    const { tokens } = await openSession(tx, runtime.env, { id: userId, organizationId }, client);
    return { user, organization, ...tokens };
  });
}
