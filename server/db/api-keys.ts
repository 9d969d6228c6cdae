import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import type { Page } from "./keyset.ts";
import { findRow, listRows, type ResourceTable } from "./resource-table.ts";
import { columnsOf } from "./row-values.ts";
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

/** Keys are revoked, never deleted: a revoked key stays listed as history. */
const API_KEYS: ResourceTable<typeof ApiKeyRow> = {
  name: "api_keys",
  alias: "k",
  row: ApiKeyRow,
  kinds: {},
  softDeletes: false,
};

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
    RETURNING ${columnsOf(ApiKeyRow)}`);
}

/** RLS limits this to keys the caller created, or all of the organisation's for admins. */
export async function listApiKeys(tx: Tx, query: { is_active?: boolean } & Page) {
  const conditions: FragmentSqlToken[] = [];
  if (query.is_active !== undefined) {
    conditions.push(
      query.is_active
        ? sql.fragment`k.is_active AND k.revoked_at IS NULL`
        : sql.fragment`(NOT k.is_active OR k.revoked_at IS NOT NULL)`,
    );
  }
  return listRows(tx, API_KEYS, conditions, query);
}

export async function getApiKey(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  return findRow(tx, API_KEYS, id);
}

export async function lockApiKey(tx: Tx, id: string): Promise<ApiKeyRow | null> {
  return findRow(tx, API_KEYS, id, "update");
}

export async function revokeApiKey(tx: Tx, id: string): Promise<ApiKeyRow> {
  return tx.one(sql.type(ApiKeyRow)`
    UPDATE api_keys SET is_active = false, revoked_at = coalesce(revoked_at, now())
     WHERE id = ${id} RETURNING ${columnsOf(ApiKeyRow)}`);
}
