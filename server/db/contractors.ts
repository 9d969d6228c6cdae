import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { ContractorRow } from "../../shared/schemas/contractor.ts";
import {
  keysetAfter,
  keysetOrder,
  type ListQuery,
  pageOf,
  parseCursor,
} from "../http/pagination.ts";
import { assignmentsOf, type ColumnKinds, columnsOf, insertParts } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Contractors of the current organisation (RLS); soft-deleted ones are invisible here. */
const KINDS: ColumnKinds = {
  metadata: "jsonb",
  specializations: "text[]",
  trade_types: "text[]",
  manufacturer_certifications: "text[]",
};
const C = sql.identifier(["c"]);

export type ContractorFilters = {
  contractor_type?: string;
  is_active?: boolean;
  is_preferred?: boolean;
  specialization?: string;
};

export async function listContractors(tx: Tx, filters: ContractorFilters, page: ListQuery) {
  const after = parseCursor(page.cursor);
  const conditions: FragmentSqlToken[] = [
    sql.fragment`c.deleted_at IS NULL`,
    keysetAfter(after, C),
  ];
  if (filters.contractor_type !== undefined) {
    conditions.push(sql.fragment`c.contractor_type = ${filters.contractor_type}`);
  }
  if (filters.is_active !== undefined) {
    conditions.push(
      sql.fragment`c.is_active IS ${filters.is_active ? sql.fragment`TRUE` : sql.fragment`NOT TRUE`}`,
    );
  }
  if (filters.is_preferred !== undefined) {
    conditions.push(
      sql.fragment`c.is_preferred IS ${filters.is_preferred ? sql.fragment`TRUE` : sql.fragment`NOT TRUE`}`,
    );
  }
  if (filters.specialization !== undefined) {
    conditions.push(
      sql.fragment`c.specializations @> ${sql.array([filters.specialization], "text")}`,
    );
  }
  const rows = await tx.any(sql.type(ContractorRow)`
    SELECT ${columnsOf(ContractorRow, "c")} FROM contractors c
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder(C)}
     LIMIT ${page.limit + 1}`);
  return pageOf(rows, page.limit);
}

export async function findContractor(
  tx: Tx,
  id: string,
  options: { forShare?: boolean } = {},
): Promise<ContractorRow | null> {
  // FOR SHARE when assigning: the contractor cannot be deactivated under our feet.
  return tx.maybeOne(sql.type(ContractorRow)`
    SELECT ${columnsOf(ContractorRow)} FROM contractors WHERE id = ${id} AND deleted_at IS NULL
    ${options.forShare ? sql.fragment`FOR SHARE` : sql.fragment``}`);
}

/** True when the user belongs to the current organisation (helper from migration 0002). */
export async function userInCurrentOrg(tx: Tx, userId: string): Promise<boolean> {
  return tx.oneFirst(
    sql.type(z.object({ ok: z.boolean() }))`SELECT app_user_in_current_org(${userId}) AS ok`,
  );
}

export async function insertContractor(
  tx: Tx,
  organizationId: string,
  values: Record<string, unknown>,
): Promise<ContractorRow> {
  const parts = insertParts({ ...values, organization_id: organizationId }, KINDS);
  return tx.one(sql.type(ContractorRow)`
    INSERT INTO contractors (${parts.columns}) VALUES (${parts.values})
    RETURNING ${columnsOf(ContractorRow)}`);
}

export async function updateContractor(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
): Promise<ContractorRow | null> {
  const set = assignmentsOf(values, KINDS);
  if (!set) return findContractor(tx, id);
  return tx.maybeOne(sql.type(ContractorRow)`
    UPDATE contractors SET ${set} WHERE id = ${id} AND deleted_at IS NULL
    RETURNING ${columnsOf(ContractorRow)}`);
}

export async function softDeleteContractor(tx: Tx, id: string): Promise<{ id: string } | null> {
  return tx.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE contractors SET deleted_at = now() WHERE id = ${id} AND deleted_at IS NULL RETURNING id`);
}
