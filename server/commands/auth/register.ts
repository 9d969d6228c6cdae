import { randomUUID } from "node:crypto";
import type { Request } from "express";
import { recordAudit } from "../../audit/record.ts";
import { hashPassword } from "../../auth/passwords.ts";
import { newOneTimeToken, sha256 } from "../../auth/tokens.ts";
import { insertOrganization, type OrganizationRow } from "../../db/organizations.ts";
import {
  deleteExpiredPendingRegistrations,
  findPendingRegistrationIds,
  insertPendingRegistration,
  organizationSlugTaken,
  takePendingRegistration,
} from "../../db/pending-registrations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { findLoginCandidate, insertUser, type UserRow } from "../../db/users.ts";
import { AppError, conflict } from "../../errors.ts";
import { consumeAccountMailLimits } from "../../http/rate-limit.ts";
import { logger } from "../../logger.ts";
import { appLink, templates } from "../../mail/templates.ts";
import type { Runtime } from "../../runtime.ts";
import { clientOf, openSession, type TokenPair } from "./session.ts";

export const REGISTRATION_TTL_HOURS = 24;

export type RegisterInput = {
  organization: { name: string; slug: string; organization_type?: string };
  user: { email: string; password: string; first_name?: string; last_name?: string };
};

/** The one answer to every accepted registration request, whether or not the email exists. */
export const REGISTRATION_PENDING = {
  status: "pending_verification",
  detail: "Check your e-mail: the link in it finishes the registration.",
} as const;

/**
 * POST /auth/register. Answers the same (202, REGISTRATION_PENDING) whether or not the
 * address has an account, so registering tells nobody which addresses do:
 * - new address: the request waits in pending_registrations and the address gets a link
 *   that creates the organisation and its owner (completeRegistration);
 * - existing address: nothing is stored; its owner gets a "someone tried to register
 *   with your address" mail instead.
 * Both branches hash the password (the dominant cost) and send in the background after
 * the answer is decided, so timing does not tell them apart either. A taken slug is still
 * 409: organisation slugs are chosen to be unique, and that reveals nothing about people.
 */
export async function requestRegistration(
  runtime: Runtime,
  req: Request,
  input: RegisterInput,
): Promise<void> {
  const email = input.user.email.trim();
  const client = clientOf(req);
  await consumeAccountMailLimits(runtime, {
    "register-ip": client.ip ?? "unknown",
    "register-email": email,
  });
  // Service pool: there is no context yet, and RLS hides organisations and users without one.
  if (await organizationSlugTaken(runtime.serviceDb, input.organization.slug)) {
    throw conflict("An organisation with this slug already exists");
  }
  const passwordHash = await hashPassword(input.user.password);
  const existing = await findLoginCandidate(runtime.serviceDb, email);
  const { APP_URL } = runtime.env;
  if (existing) {
    runtime.mail.sendLater(
      templates.registrationExisting(existing.email, {
        loginLink: appLink(APP_URL, "login"),
        resetLink: appLink(APP_URL, "forgot-password"),
      }),
    );
    return;
  }
  const token = newOneTimeToken("ssr");
  const organizationId = randomUUID();
  const userId = randomUUID();
  // Runs with the context of the ids the organisation and owner will get: RLS admits
  // exactly this row (migration 0080).
  await withTenant(runtime.db, { organizationId, userId }, (tx) =>
    insertPendingRegistration(tx, {
      organization_id: organizationId,
      user_id: userId,
      email,
      password_hash: passwordHash,
      first_name: input.user.first_name ?? null,
      last_name: input.user.last_name ?? null,
      organization_name: input.organization.name,
      organization_slug: input.organization.slug,
      organization_type: input.organization.organization_type ?? "service_company",
      token_hash: sha256(token),
      ttlHours: REGISTRATION_TTL_HOURS,
    }),
  );
  // After the commit: the mail names a row that exists.
  runtime.mail.sendLater(
    templates.registrationVerify(email, {
      organization: input.organization.name,
      link: appLink(APP_URL, "register/verify", token),
      validHours: REGISTRATION_TTL_HOURS,
    }),
  );
  deleteExpiredPendingRegistrations(runtime.serviceDb).catch((err: Error) =>
    logger.warn({ err: err.message }, "dropping expired registrations failed"),
  );
}

const linkInvalid = () =>
  new AppError(401, "unauthorized", "The registration link is not valid or has expired");

/**
 * POST /auth/register/verify: the link from the mail proves the address, so the
 * organisation, its owner (email_verified), the first session and two audit events are
 * written in one transaction, and the pending row is taken (DELETE ... RETURNING) in the
 * same one: a link works once, even when two requests race. It runs as sitesync_app with
 * the ids chosen at request time as its context, so RLS admits exactly these rows. A slug
 * or address taken since the request is 409 (the pending row stays; register again).
 */
export async function completeRegistration(
  runtime: Runtime,
  req: Request,
  token: string,
): Promise<{ user: UserRow; organization: OrganizationRow } & TokenPair> {
  const found = await findPendingRegistrationIds(runtime.serviceDb, sha256(token));
  if (!found) throw linkInvalid();
  const organizationId = found.organization_id;
  const userId = found.user_id;
  return withTenant(runtime.db, { organizationId, userId }, async (tx) => {
    const pending = await takePendingRegistration(tx, found.id);
    if (!pending) throw linkInvalid();
    const organization = await insertOrganization(tx, {
      id: organizationId,
      name: pending.organization_name,
      slug: pending.organization_slug,
      organization_type: pending.organization_type,
    });
    const user = await insertUser(tx, {
      id: userId,
      organization_id: organizationId,
      email: pending.email,
      password_hash: pending.password_hash,
      role: "owner",
      first_name: pending.first_name,
      last_name: pending.last_name,
      email_verified: true,
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
