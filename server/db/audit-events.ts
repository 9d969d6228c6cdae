import { type CommonQueryMethods, type SerializableValue, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/** One audit_events row as written; the JSON columns hold plain JSON values. */
export type AuditEventInsert = {
  organization_id: string | null;
  event_type: string;
  entity_type: string;
  entity_id: string;
  actor_id: string;
  actor_type: "user" | "api_key" | "system";
  actor_email: string | null;
  event_data: SerializableValue;
  previous_state: SerializableValue;
  new_state: SerializableValue;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
};

const jsonb = (v: SerializableValue) => (v === null ? null : sql.jsonb(v));

/**
 * Inserts one audit event in the caller's transaction (server/audit/record.ts builds it).
 * The hash chain (previous_hash, hash, chain position) is filled by the BEFORE INSERT
 * trigger of migrations/0020_audit_chain.sql; no RETURNING, since an organisation-less
 * event is not visible to its writer afterwards.
 */
export async function insertAuditEvent(tx: Tx, e: AuditEventInsert): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    INSERT INTO audit_events (
      organization_id, event_type, entity_type, entity_id, actor_id, actor_type, actor_email,
      event_data, previous_state, new_state, ip_address, user_agent, request_id, hash)
    VALUES (
      ${e.organization_id}, ${e.event_type}, ${e.entity_type}, ${e.entity_id},
      ${e.actor_id}, ${e.actor_type}, ${e.actor_email},
      ${jsonb(e.event_data)}, ${jsonb(e.previous_state)}, ${jsonb(e.new_state)},
      ${e.ip_address}, ${e.user_agent}, ${e.request_id}, '')`);
}

const ChainRow = z.object({
  id: z.string(),
  chain_seq: z.number().nullable(),
  previous_hash: z.string().nullable(),
  hash: z.string(),
  expected: z.string(),
});

export const ChainVerificationSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first event that is tampered with or follows a missing one; null when intact. */
  first_bad: z
    .object({ id: z.string().nullable(), chain_seq: z.number().int(), problem: z.string() })
    .nullable(),
});
export type ChainVerification = z.infer<typeof ChainVerificationSchema>;

/**
 * Walks one organisation's hash chain in order and names the first broken link: an
 * edited row (its hash no longer matches its content), a re-linked row (previous_hash
 * differs from the hash before it) or a missing row (a gap in chain_seq, or a head
 * that is further along than the last row). The digest is recomputed by the same SQL
 * function that wrote it (migrations/0020_audit_chain.sql).
 */
export async function verifyChain(
  db: CommonQueryMethods,
  organizationId: string,
): Promise<ChainVerification> {
  const rows = await db.any(sql.type(ChainRow)`
    SELECT a.id, a.chain_seq, a.previous_hash, a.hash,
           audit_event_digest(a.previous_hash, audit_event_canonical(a)) AS expected
      FROM audit_events a
     WHERE a.organization_id = ${organizationId}
     ORDER BY a.chain_seq NULLS FIRST, a.created_at`);
  const head = await db.maybeOne(sql.type(
    z.object({ last_seq: z.number(), last_hash: z.string() }),
  )`
    SELECT last_seq, last_hash FROM audit_chain_heads WHERE organization_id = ${organizationId}`);

  let previousHash: string | null = null;
  let expectedSeq = 1;
  let checked = 0;
  for (const row of rows) {
    const bad = (problem: string): ChainVerification => ({
      ok: false,
      checked,
      first_bad: { id: row.id, chain_seq: row.chain_seq ?? expectedSeq, problem },
    });
    if (row.chain_seq === null) return bad("event is not part of the chain");
    if (row.chain_seq > expectedSeq) {
      return {
        ok: false,
        checked,
        first_bad: { id: null, chain_seq: expectedSeq, problem: "missing event" },
      };
    }
    if (row.chain_seq < expectedSeq) return bad("duplicate chain position");
    if (row.previous_hash !== previousHash)
      return bad("previous_hash does not match the event before it");
    if (row.hash !== row.expected) return bad("content does not match its hash");
    previousHash = row.hash;
    expectedSeq++;
    checked++;
  }
  if (head && (head.last_seq !== checked || (checked > 0 && head.last_hash !== previousHash))) {
    return {
      ok: false,
      checked,
      first_bad: {
        id: null,
        chain_seq: checked + 1,
        problem: "missing event at the end of the chain",
      },
    };
  }
  return { ok: true, checked, first_bad: null };
}

export async function organizationsWithAudit(db: CommonQueryMethods): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ organization_id: z.string() }))`
    SELECT organization_id FROM audit_chain_heads
    UNION SELECT DISTINCT organization_id FROM audit_events WHERE organization_id IS NOT NULL`);
}

/**
 * Creates audit_events partitions for the current month and `monthsAhead` more (skips
 * those that exist; migration 0011). Service role only: it needs partition DDL rights.
 */
export async function ensureAuditPartitions(
  serviceDb: CommonQueryMethods,
  monthsAhead: number,
): Promise<number> {
  return serviceDb.oneFirst(sql.type(z.object({ created: z.number() }))`
    SELECT ensure_audit_partitions(${monthsAhead}) AS created`);
}
