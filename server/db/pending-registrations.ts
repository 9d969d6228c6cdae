import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * Registrations waiting for the owner's e-mail link (migration 0080). Written and
 * consumed as sitesync_app under the context of the ids chosen for the organisation and
 * its owner; only the look-up by token hash, before any context exists, uses the service
 * pool.
 */
export const PendingRegistration = z.object({
  id: z.string(),
  organization_id: z.string(),
  user_id: z.string(),
  email: z.string(),
  password_hash: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  organization_name: z.string(),
  organization_slug: z.string(),
  organization_type: z.string(),
  expires_at: z.string(),
});
export type PendingRegistration = z.infer<typeof PendingRegistration>;

export async function insertPendingRegistration(
  tx: Tx,
  row: Omit<PendingRegistration, "id" | "expires_at"> & { token_hash: string; ttlHours: number },
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    INSERT INTO pending_registrations
      (organization_id, user_id, email, password_hash, first_name, last_name,
       organization_name, organization_slug, organization_type, token_hash, expires_at)
    VALUES (${row.organization_id}, ${row.user_id}, ${row.email}, ${row.password_hash},
            ${row.first_name}, ${row.last_name}, ${row.organization_name},
            ${row.organization_slug}, ${row.organization_type}, ${row.token_hash},
            now() + make_interval(hours => ${row.ttlHours}))`);
}

/** The ids a token names, found before any context exists (the token is the credential). */
export async function findPendingRegistrationIds(
  serviceDb: DatabasePool,
  tokenHash: string,
): Promise<{ id: string; organization_id: string; user_id: string } | null> {
  return serviceDb.maybeOne(
    sql.type(
      z.object({ id: z.string(), organization_id: z.string(), user_id: z.string() }),
    )`SELECT id, organization_id, user_id FROM pending_registrations WHERE token_hash = ${tokenHash}`,
  );
}

/**
 * Takes the registration (DELETE ... RETURNING): of two requests racing with one link,
 * exactly one gets the row. Null when already used or expired.
 */
export async function takePendingRegistration(
  tx: Tx,
  id: string,
): Promise<PendingRegistration | null> {
  return tx.maybeOne(sql.type(PendingRegistration)`
    DELETE FROM pending_registrations WHERE id = ${id} AND expires_at > now()
    RETURNING id, organization_id, user_id, email, password_hash, first_name, last_name,
              organization_name, organization_slug, organization_type, expires_at`);
}

/** Expired requests are dropped when the next registration comes in (service pool). */
export async function deleteExpiredPendingRegistrations(serviceDb: DatabasePool): Promise<void> {
  await serviceDb.query(sql.type(z.object({}))`
    DELETE FROM pending_registrations WHERE expires_at < now() - interval '1 day'`);
}

/** Whether an organisation already has this slug (service pool: no context at register). */
export async function organizationSlugTaken(
  serviceDb: DatabasePool,
  slug: string,
): Promise<boolean> {
  return serviceDb.exists(sql.type(z.object({ x: z.number() }))`
    SELECT 1 AS x FROM organizations WHERE slug = ${slug}`);
}
