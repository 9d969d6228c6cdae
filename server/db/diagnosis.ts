import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * What fault diagnosis reads and writes (workers/handlers/diagnose.ts). Every query runs
 * in the requesting user's RLS context, so evidence never crosses organisations; approved
 * knowledge contributions are platform-wide by their own policy.
 */
export const DiagnosisTarget = z.object({
  id: z.string(),
  organization_id: z.string(),
  elevator_id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  fault_code: z.string().nullable(),
  reported_symptoms: z.array(z.string()).nullable(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  known_quirks: z.array(z.string()).nullable(),
  ai_diagnosis_id: z.string().nullable(),
});
export type DiagnosisTarget = z.infer<typeof DiagnosisTarget>;

export async function loadDiagnosisTarget(tx: Tx, id: string): Promise<DiagnosisTarget | null> {
  return tx.maybeOne(sql.type(DiagnosisTarget)`
    SELECT w.id, w.organization_id, w.elevator_id, w.title, w.description, w.fault_code,
           w.reported_symptoms, e.manufacturer, e.model, e.known_quirks, w.ai_diagnosis_id
      FROM work_orders w JOIN elevators e ON e.id = w.elevator_id
     WHERE w.id = ${id}`);
}

export const ResolvedWorkOrder = z.object({
  id: z.string(),
  elevator_id: z.string(),
  fault_code: z.string().nullable(),
  reported_symptoms: z.array(z.string()).nullable(),
  root_cause: z.string(),
  resolution_notes: z.string().nullable(),
  parts_used: z.array(z.string()),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
});
export type ResolvedWorkOrder = z.infer<typeof ResolvedWorkOrder>;

/**
 * Resolved work orders (completed or invoiced, with a root cause) of the organisation that
 * share the fault code, a reported symptom, or the lift model with a similar title.
 * Parts used come from `custom_fields.parts_used` until part usage has its own table.
 */
export async function findResolvedHistory(
  tx: Tx,
  target: DiagnosisTarget,
  limit = 500,
): Promise<readonly ResolvedWorkOrder[]> {
  const symptoms = sql.array(target.reported_symptoms ?? [], "text");
  return tx.any(sql.type(ResolvedWorkOrder)`
    SELECT w.id, w.elevator_id, w.fault_code, w.reported_symptoms, w.root_cause,
           w.resolution_notes, e.manufacturer, e.model,
           CASE WHEN jsonb_typeof(w.custom_fields -> 'parts_used') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(w.custom_fields -> 'parts_used'))
                ELSE ARRAY[]::text[] END AS parts_used
      FROM work_orders w JOIN elevators e ON e.id = w.elevator_id
     WHERE w.organization_id = ${target.organization_id}
       AND w.id <> ${target.id}
       AND w.status IN ('completed', 'invoiced')
       AND w.root_cause IS NOT NULL AND btrim(w.root_cause) <> ''
       AND ((${target.fault_code}::text IS NOT NULL AND w.fault_code = ${target.fault_code})
            OR w.reported_symptoms && ${symptoms}
            OR (e.manufacturer = ${target.manufacturer} AND e.model = ${target.model}
                AND similarity(w.title, ${target.title}) > 0.4))
     ORDER BY w.completed_at DESC NULLS LAST
     LIMIT ${limit}`);
}

export const KnowledgeEvidence = z.object({
  id: z.string(),
  title: z.string(),
  content: z.string(),
  contribution_type: z.string(),
  fault_code: z.string().nullable(),
  equipment_manufacturer: z.string().nullable(),
  equipment_model: z.string().nullable(),
  similarity: z.number().nullable(),
});
export type KnowledgeEvidence = z.infer<typeof KnowledgeEvidence>;

/**
 * Approved knowledge contributions that match the fault code (for the same manufacturer,
 * or none given) or the lift's manufacturer and model, plus the `nearest` most similar by
 * embedding, each with its cosine similarity to the work order's text (the ranking decides
 * which similarity is enough).
 */
export async function findKnowledgeEvidence(
  tx: Tx,
  target: DiagnosisTarget,
  queryVector: string | null,
  options: { nearest?: number } = {},
): Promise<readonly KnowledgeEvidence[]> {
  const similarity = queryVector
    ? sql.fragment`1 - (k.embedding <=> ${queryVector}::vector)`
    : sql.fragment`NULL::float8`;
  const nearest = queryVector
    ? sql.fragment`
        UNION
        SELECT id FROM (
          SELECT k.id FROM knowledge_contributions k
           WHERE k.status = 'approved' AND k.embedding IS NOT NULL
           ORDER BY k.embedding <=> ${queryVector}::vector
           LIMIT ${options.nearest ?? 5}) n`
    : sql.fragment``;
  return tx.any(sql.type(KnowledgeEvidence)`
    WITH candidates AS (
      SELECT k.id FROM knowledge_contributions k
       WHERE k.status = 'approved'
         AND ((${target.fault_code}::text IS NOT NULL AND k.fault_code = ${target.fault_code}
               AND (k.equipment_manufacturer IS NULL
                    OR k.equipment_manufacturer = ${target.manufacturer}))
              OR (k.equipment_manufacturer = ${target.manufacturer}
                  AND k.equipment_model = ${target.model}))
      ${nearest}
    )
    SELECT k.id, k.title, k.content, k.contribution_type::text AS contribution_type,
           k.fault_code, k.equipment_manufacturer, k.equipment_model,
           (${similarity})::float8 AS similarity
      FROM knowledge_contributions k JOIN candidates c ON c.id = k.id`);
}

/** Locks the work order and says which diagnosis it shows (null: none yet). */
export async function lockDiagnosisState(
  tx: Tx,
  id: string,
): Promise<{ ai_diagnosis_id: string | null } | null> {
  return tx.maybeOne(sql.type(z.object({ ai_diagnosis_id: z.string().nullable() }))`
    SELECT ai_diagnosis_id FROM work_orders WHERE id = ${id} FOR UPDATE`);
}

export async function writeDiagnosis(
  tx: Tx,
  id: string,
  result: { diagnosisId: string; causes: string[]; parts: string[]; confidence: number },
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE work_orders
       SET ai_diagnosis_id = ${result.diagnosisId},
           ai_suggested_causes = ${sql.array(result.causes, "text")},
           ai_suggested_parts = ${sql.array(result.parts, "text")},
           ai_confidence = ${result.confidence.toFixed(2)}::numeric,
           ai_diagnosis_at = now()
     WHERE id = ${id}`);
}
