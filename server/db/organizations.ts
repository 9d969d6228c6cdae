import { sql } from "slonik";
import { z } from "zod";
import { findRow, type ResourceTable, updateRow } from "./resource-table.ts";
import { type ColumnKinds, columnsOf, setClause } from "./row-values.ts";
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

const ORGANIZATIONS: ResourceTable<typeof OrganizationRow> = {
  name: "organizations",
  alias: "o",
  row: OrganizationRow,
  kinds: {},
  softDeletes: true,
};

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
    RETURNING ${columnsOf(OrganizationRow)}`);
}

/** RLS shows only the current organisation, so any other id is simply not found. */
export async function getOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return findRow(tx, ORGANIZATIONS, id);
}

export async function lockOrganization(tx: Tx, id: string): Promise<OrganizationRow | null> {
  return findRow(tx, ORGANIZATIONS, id, "update");
}

export async function updateOrganization(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<OrganizationRow | null> {
  return updateRow(tx, ORGANIZATIONS, id, setClause(patch, ORGANIZATION_EDITABLE));
}
