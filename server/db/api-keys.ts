import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { type Cursor, keysetAfter, keysetOrder } from "../http/pagination.ts";
import type { Tx } from "./tenant-context.ts";

/** An API key as the API shows it: the prefix identifies it, the hash never leaves the database. */
export const ApiKeyRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  created_by: z.string(),
  key_prefix: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  scopes: z.array(z.string()).nullable(),
  rate_limit_per_hour: z.number().nullable(),
  is_active: z.boolean().nullable(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  created_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKeyRow = z.infer<typeof ApiKeyRow>;

const columns = sql.fragment`
  id, organization_id, created_by, key_prefix, name, description, scopes, rate_limit_per_hour,
  is_active, last_used_at, expires_at, created_at, revoked_at`;

export async function insertApiKey(
  tx: Tx,
  key: {
    organization_id: string;
    created_by: string;
    key_prefix: string;
    key_hash: string;
    name: string;
    description: string | null;
    scopes: string[];
    rate_limit_per_hour: number;
    expires_at: string | null;
  },
): Promise<ApiKeyRow> {
  return tx.one(sql.type(ApiKeyRow)`
    INSERT INTO api_keys (organization_id, created_by, key_prefix, key_hash, name, description,
                          scopes, rate_limit_per_hour, expires_at)
    VALUES (${key.organization_id}, ${key.created_by}, ${key.key_prefix}, ${key.key_hash},
            ${key.name}, ${key.description}, ${sql.array(key.scopes, "text")},
            ${key.rate_limit_per_hour}, ${key.expires_at}::timestamptz)
    RETURNING ${columns}`);
}

/** RLS limits this to keys the caller created, or all of the organisation's for admins. */
export async function listApiKeys(
  tx: Tx,
  filters: { is_active?: boolean },
  page: { after: Cursor | null; limit: number },
): Promise<readonly ApiKeyRow[]> {
  const conditions: FragmentSqlToken[] = [keysetAfter(page.after)];
  if (filters.is_active !== undefined) {
    conditions.push(
      filters.is_active
        ? sql.fragment`is_active AND revoked_at IS NULL`
        : sql.fragment`(NOT is_active OR revoked_at IS NOT NULL)`,
    );
  }
  return tx.any(sql.type(ApiKeyRow)`
    SELECT ${columns} FROM api_keys
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder()}
     LIMIT ${page.limit + 1}`);
}

export async function getApiKey(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  return tx.maybeOne(sql.type(ApiKeyRow)`SELECT ${columns} FROM api_keys WHERE id = ${id}`);
}

export async function lockApiKey(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  return tx.maybeOne(
    sql.type(ApiKeyRow)`SELECT ${columns} FROM api_keys WHERE id = ${id} FOR UPDATE`,
  );
}

export async function revokeApiKey(tx: Tx, id: string): Promise<ApiKeyRow> {
  return tx.one(sql.type(ApiKeyRow)`
    UPDATE api_keys SET is_active = false, revoked_at = coalesce(revoked_at, now())
     WHERE id = ${id} RETURNING ${columns}`);
}
