import { type ChatMessage, chatCompletion } from "../../server/ai/openai-compatible.ts";
import type { DiagnosisTarget } from "../../server/db/diagnosis.ts";
import type { Env } from "../../server/env.ts";
import type { Diagnosis } from "./rank.ts";

/**
 * The optional LLM step: phrases the ranked evidence as a short note for the technician
 * through any OpenAI-compatible chat endpoint (DIAGNOSIS_LLM_BASE_URL; off when unset).
 * It only rephrases: the causes, parts and confidence are decided by rankCauses, and the
 * prompt tells the model to add nothing. With no evidence it is not called at all.
 */
export function diagnosisPrompt(target: DiagnosisTarget, d: Diagnosis): ChatMessage[] {
  const lines = d.causes.map(
    (c, i) =>
      `${i + 1}. ${c.cause} (score ${c.score.toFixed(2)}, ${c.support.length} supporting records)`,
  );
  return [
    {
      role: "system",
      content:
        "You summarise lift (elevator) fault diagnoses for field technicians. Use only the " +
        "causes, parts and facts given. Do not add causes, parts or advice that are not listed. " +
        "Two or three sentences, plain text.",
    },
    {
      role: "user",
      content: [
        `Work order: ${target.title}`,
        `Lift: ${[target.manufacturer, target.model].filter(Boolean).join(" ") || "unknown"}`,
        `Fault code: ${target.fault_code ?? "none"}`,
        `Symptoms: ${(target.reported_symptoms ?? []).join("; ") || "none reported"}`,
        "Likely causes from this organisation's resolved work orders and approved knowledge:",
        ...lines,
        `Parts used on similar fixes: ${d.parts.join(", ") || "none recorded"}`,
        `Known quirks of this lift that match: ${d.quirks.join("; ") || "none"}`,
        `Confidence in the first cause: ${Math.round(d.confidence * 100)}%`,
      ].join("\n"),
    },
  ];
}

export async function summariseDiagnosis(
  env: Env,
  target: DiagnosisTarget,
  d: Diagnosis,
): Promise<string | null> {
  if (!env.DIAGNOSIS_LLM_BASE_URL || d.causes.length === 0) return null;
  return chatCompletion(
    {
      baseUrl: env.DIAGNOSIS_LLM_BASE_URL,
      apiKey: env.DIAGNOSIS_LLM_API_KEY,
      model: env.DIAGNOSIS_LLM_MODEL,
      timeoutMs: 20_000,
    },
    diagnosisPrompt(target, d),
  );
}
