import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { ContractorRow } from "../../shared/schemas/contractor.ts";
import type { ListQuery } from "../http/pagination.ts";
import {
  findRow,
  insertRow,
  listRows,
  type ResourceTable,
  softDeleteRow,
  updateRow,
} from "./resource-table.ts";
import { assignmentsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Contractors of the current organisation (RLS); soft-deleted ones are invisible here. */
const CONTRACTORS: ResourceTable<typeof ContractorRow> & { softDeletes: true } = {
  name: "contractors",
  alias: "c",
  row: ContractorRow,
  kinds: {
    metadata: "jsonb",
    specializations: "text[]",
    trade_types: "text[]",
    manufacturer_certifications: "text[]",
  },
  softDeletes: true,
};

export type ContractorFilters = {
  contractor_type?: string;
  is_active?: boolean;
  is_preferred?: boolean;
  specialization?: string;
};

export async function listContractors(tx: Tx, filters: ContractorFilters, page: ListQuery) {
  const conditions: FragmentSqlToken[] = [];
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
  return listRows(tx, CONTRACTORS, conditions, page);
}

export async function findContractor(
  tx: Tx,
  id: string,
  options: { forShare?: boolean } = {},
): Promise<ContractorRow | null> {
  // FOR SHARE when assigning: the contractor cannot be deactivated under our feet.
  return findRow(tx, CONTRACTORS, id, options.forShare ? "share" : undefined);
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
  return insertRow(tx, CONTRACTORS, { ...values, organization_id: organizationId });
}

export async function updateContractor(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
): Promise<ContractorRow | null> {
  return updateRow(tx, CONTRACTORS, id, assignmentsOf(values, CONTRACTORS.kinds));
}

export async function softDeleteContractor(tx: Tx, id: string): Promise<{ id: string } | null> {
  return softDeleteRow(tx, CONTRACTORS, id);
}
