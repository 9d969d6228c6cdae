import { sql } from "slonik";
import { z } from "zod";
import { type ColumnKinds, setClause } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

export const OrganizationRow = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  logo_url: z.string().nullable(),
  organization_type: z.string(),
  contact_email: z.string().nullable(),
  contact_phone: z.string().nullable(),
  website_url: z.string().nullable(),
  address_line1: z.string().nullable(),
  address_line2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  country: z.string().nullable(),
  abn: z.string().nullable(),
  acn: z.string().nullable(),
  subscription_tier: z.string().nullable(),
  subscription_started_at: z.string().nullable(),
  subscription_ends_at: z.string().nullable(),
  trial_ends_at: z.string().nullable(),
  settings: z.unknown(),
  is_verified: z.boolean().nullable(),
  verified_at: z.string().nullable(),
  metadata: z.unknown(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
});
export type OrganizationRow = z.infer<typeof OrganizationRow>;

const columns = sql.fragment`
  id, name, slug, logo_url, organization_type, contact_email, contact_phone, website_url,
  address_line1, address_line2, city, state, postal_code, country, abn, acn,
  subscription_tier, subscription_started_at, subscription_ends_at, trial_ends_at,
  settings, is_verified, verified_at, metadata, created_at, updated_at, deleted_at`;

/** What an organisation's admins may change; subscription and verification are platform-managed. */
export const ORGANIZATION_EDITABLE: ColumnKinds = {
  name: "value",
  slug: "value",
  logo_url: "value",
  contact_email: "value",
  contact_phone: "value",
  website_url: "value",
  address_line1: "value",
  address_line2: "value",
  city: "value",
  state: "value",
  postal_code: "value",
  country: "value",
  abn: "value",
  acn: "value",
  settings: "jsonb",
};

export async function insertOrganization(
  tx: Tx,
  org: { id: string; name: string; slug: string; organization_type: string },
): Promise<OrganizationRow> {
  return tx.one(sql.type(OrganizationRow)`
    INSERT INTO organizations (id, name, slug, organization_type)
    VALUES (${org.id}, ${org.name}, ${org.slug}, ${org.organization_type})
    RETURNING ${columns}`);
}

/** RLS shows only the current organisation, so any other id is simply not found. */
export async function getOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return tx.maybeOne(sql.type(OrganizationRow)`
    SELECT ${columns} FROM organizations WHERE id = ${id} AND deleted_at IS NULL`);
}

export async function lockOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return tx.maybeOne(sql.type(OrganizationRow)`
    SELECT ${columns} FROM organizations WHERE id = ${id} AND deleted_at IS NULL FOR UPDATE`);
}

export async function updateOrganization(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<OrganizationRow | null> {
  const set = setClause(patch, ORGANIZATION_EDITABLE);
  if (!set) return getOrganization(tx, id);
  return tx.maybeOne(sql.type(OrganizationRow)`
    UPDATE organizations SET ${set} WHERE id = ${id} AND deleted_at IS NULL RETURNING ${columns}`);
}
