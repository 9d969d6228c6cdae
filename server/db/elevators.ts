import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { ElevatorRow, type ElevatorStatus } from "../../shared/schemas/elevator.ts";
import {
  keysetAfter,
  keysetOrder,
  type ListQuery,
  pageOf,
  parseCursor,
} from "../http/pagination.ts";
import { assignmentsOf, type ColumnKinds, columnsOf, insertParts } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Elevators of the current organisation (RLS); soft-deleted ones are invisible here. */
const KINDS: ColumnKinds = {
  car_dimensions: "jsonb",
  specifications: "jsonb",
  metadata: "jsonb",
  known_quirks: "text[]",
  v2_document_ids: "int4[]",
};
const E = sql.identifier(["e"]);

export type ElevatorFilters = {
  site_id?: string;
  status?: ElevatorStatus;
  manufacturer?: string;
  /** next_inspection_due between today and today + N days (database date, inclusive). */
  inspection_due_within_days?: number;
};

export async function listElevators(tx: Tx, filters: ElevatorFilters, page: ListQuery) {
  const after = parseCursor(page.cursor);
  const days = filters.inspection_due_within_days;
  const conditions: FragmentSqlToken[] = [
    sql.fragment`e.deleted_at IS NULL`,
    keysetAfter(after, E),
  ];
  if (filters.site_id !== undefined) conditions.push(sql.fragment`e.site_id = ${filters.site_id}`);
  if (filters.status !== undefined) conditions.push(sql.fragment`e.status = ${filters.status}`);
  if (filters.manufacturer !== undefined) {
    conditions.push(sql.fragment`e.manufacturer = ${filters.manufacturer}`);
  }
  if (days !== undefined) {
    conditions.push(
      sql.fragment`e.next_inspection_due BETWEEN current_date AND current_date + ${days}::int`,
    );
  }
  const rows = await tx.any(sql.type(ElevatorRow)`
    SELECT ${columnsOf(ElevatorRow, "e")} FROM elevators e
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder(E)}
     LIMIT ${page.limit + 1}`);
  return pageOf(rows, page.limit);
}

export async function findElevator(
  tx: Tx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ElevatorRow | null> {
  return tx.maybeOne(sql.type(ElevatorRow)`
    SELECT ${columnsOf(ElevatorRow)} FROM elevators WHERE id = ${id} AND deleted_at IS NULL
    ${options.forUpdate ? sql.fragment`FOR UPDATE` : sql.fragment``}`);
}

export async function insertElevator(
  tx: Tx,
  organizationId: string,
  values: Record<string, unknown>,
): Promise<ElevatorRow> {
  const parts = insertParts({ ...values, organization_id: organizationId }, KINDS);
  return tx.one(sql.type(ElevatorRow)`
    INSERT INTO elevators (${parts.columns}) VALUES (${parts.values})
    RETURNING ${columnsOf(ElevatorRow)}`);
}

/** `statusChanged` stamps status_changed_at with the transaction's time. */
export async function updateElevator(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
  options: { statusChanged: boolean },
): Promise<ElevatorRow | null> {
  const all = options.statusChanged
    ? { ...values, status_changed_at: sql.fragment`now()` }
    : values;
  const set = assignmentsOf(all, KINDS);
  if (!set) return findElevator(tx, id);
  return tx.maybeOne(sql.type(ElevatorRow)`
    UPDATE elevators SET ${set} WHERE id = ${id} AND deleted_at IS NULL
    RETURNING ${columnsOf(ElevatorRow)}`);
}

export async function softDeleteElevator(tx: Tx, id: string): Promise<{ id: string } | null> {
  return tx.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE elevators SET deleted_at = now() WHERE id = ${id} AND deleted_at IS NULL RETURNING id`);
}
