import { embeddingProviderFor, vectorLiteral } from "../../server/ai/embeddings.ts";
import { recordAudit } from "../../server/audit/record.ts";
import {
  findKnowledgeEvidence,
  findResolvedHistory,
  loadDiagnosisTarget,
  lockDiagnosisState,
  writeDiagnosis,
} from "../../server/db/diagnosis.ts";
import { withTenant } from "../../server/db/tenant-context.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import { rankCauses } from "../diagnosis/rank.ts";
import { summariseDiagnosis } from "../diagnosis/summary.ts";
import type { JobContext } from "./context.ts";

export type DiagnoseResult =
  | { outcome: "completed"; causes: number; confidence: number }
  | { outcome: "already_done" | "work_order_not_found" };

/**
 * Diagnoses a work order for the user who asked, under that user's RLS context: the
 * evidence is what they could see themselves. Two transactions, so no row lock is held
 * while the (optional) LLM is called:
 *   1. read the work order and the evidence, and rank;
 *   2. lock the work order; unless this diagnosis_id is already written, write the ai_*
 *      columns and the diagnosis_completed audit event together.
 * Idempotent: a retry after a crash in 1 or 2 redoes the work (2 commits all or nothing);
 * a run after 2 committed changes nothing. The UPDATE streams as work_order.updated.
 */
export async function diagnose(
  payload: JobPayload<"diagnosis.run">,
  { runtime, signal, log }: JobContext,
): Promise<DiagnoseResult> {
  const context = { organizationId: payload.organization_id, userId: payload.requested_by };
  const provider = embeddingProviderFor(runtime.env);

  const gathered = await withTenant(runtime.db, context, async (tx) => {
    const target = await loadDiagnosisTarget(tx, payload.work_order_id);
    if (!target) return null;
    if (target.ai_diagnosis_id === payload.diagnosis_id) return { target, done: true as const };
    const text = [target.title, target.description, ...(target.reported_symptoms ?? [])]
      .filter(Boolean)
      .join("\n");
    const [vector] = await provider.embed([text]);
    const history = await findResolvedHistory(tx, target);
    const knowledge = await findKnowledgeEvidence(
      tx,
      target,
      vector ? vectorLiteral(vector) : null,
    );
    return { target, done: false as const, diagnosis: rankCauses(target, history, knowledge) };
  });
  if (!gathered) return { outcome: "work_order_not_found" };
  if (gathered.done) return { outcome: "already_done" };
  const { target, diagnosis } = gathered;

  let summary: string | null = null;
  try {
    summary = await summariseDiagnosis(runtime.env, target, diagnosis);
  } catch (err) {
    // The summary is a nicety: the ranked diagnosis stands without it.
    log.warn({ err: (err as Error).message }, "diagnosis summary failed; saved without it");
  }

  return withTenant(runtime.db, context, async (tx): Promise<DiagnoseResult> => {
    const state = await lockDiagnosisState(tx, target.id);
    if (!state) return { outcome: "work_order_not_found" };
    if (state.ai_diagnosis_id === payload.diagnosis_id) return { outcome: "already_done" };
    const causes = diagnosis.causes.map((c) => c.cause);
    await writeDiagnosis(tx, target.id, {
      diagnosisId: payload.diagnosis_id,
      causes,
      parts: diagnosis.parts,
      confidence: diagnosis.confidence,
    });
    await recordAudit(
      tx,
      { actorId: payload.requested_by, actorType: "system" },
      {
        organizationId: target.organization_id,
        eventType: "diagnosis_completed",
        entityType: "work_order",
        entityId: target.id,
        data: {
          diagnosis_id: payload.diagnosis_id,
          requested_by: payload.requested_by,
          no_evidence: causes.length === 0,
          evidence: diagnosis.evidence,
          causes: diagnosis.causes,
          parts: diagnosis.parts,
          confidence: diagnosis.confidence,
          quirks: diagnosis.quirks,
          summary,
          embedding_provider: provider.id,
        },
      },
    );
    // A shutdown abort here rolls everything back; the job returns to the queue.
    signal.throwIfAborted();
    return { outcome: "completed", causes: causes.length, confidence: diagnosis.confidence };
  });
}
