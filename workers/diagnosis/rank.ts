import { jaccard, normalise, words } from "../../server/ai/text.ts";
import type {
  DiagnosisTarget,
  KnowledgeEvidence,
  ResolvedWorkOrder,
} from "../../server/db/diagnosis.ts";

/** One piece of evidence behind a cause, with the weight it added and why. */
export type Support = {
  kind: "work_order" | "knowledge" | "quirk";
  id: string | null;
  weight: number;
  matched: string[];
};

export type RankedCause = { cause: string; score: number; support: Support[] };

export type Diagnosis = {
  causes: RankedCause[];
  parts: string[];
  /** Estimated probability that the first cause is right; 0 with no evidence. */
  confidence: number;
  evidence: { work_orders: number; knowledge: number; quirks: number };
  quirks: string[];
};

/** How much each match is worth (docs/workers.md#diagnosis). */
export const WEIGHTS = {
  faultCode: 1,
  symptoms: 0.5,
  sameModel: 0.2,
  sameManufacturer: 0.1,
  sameElevator: 0.2,
  knowledgeFaultCode: 1,
  knowledgeModel: 0.3,
  /** Knowledge found by similarity alone counts only above this cosine similarity. */
  minSimilarity: 0.35,
  quirk: 0.5,
  /** Pseudo-weight of "something else" in the confidence: little evidence, low confidence. */
  prior: 2,
} as const;

const MAX_CAUSES = 3;
const MAX_PARTS = 5;

const symptomSet = (s: readonly string[] | null) => new Set((s ?? []).map(normalise));
const wordSet = (text: string) => new Set(words(text));
const codesAgree = (a: string | null, b: string | null, ma: string | null, mb: string | null) =>
  a !== null && a === b && (ma === null || mb === null || ma === mb);

function historyWeight(t: DiagnosisTarget, h: ResolvedWorkOrder): Support | null {
  const matched: string[] = [];
  let w = 0;
  if (codesAgree(t.fault_code, h.fault_code, t.manufacturer, h.manufacturer)) {
    w += WEIGHTS.faultCode;
    matched.push("fault_code");
  }
  const overlap = jaccard(symptomSet(t.reported_symptoms), symptomSet(h.reported_symptoms));
  if (overlap > 0) {
    w += WEIGHTS.symptoms * overlap;
    matched.push("symptoms");
  }
  if (w === 0 && !(t.model && t.model === h.model)) return null;
  if (t.model && t.model === h.model && t.manufacturer === h.manufacturer) {
    w += WEIGHTS.sameModel;
    matched.push("model");
  } else if (t.manufacturer && t.manufacturer === h.manufacturer) {
    w += WEIGHTS.sameManufacturer;
    matched.push("manufacturer");
  }
  if (t.elevator_id === h.elevator_id) {
    w += WEIGHTS.sameElevator;
    matched.push("same_elevator");
  }
  return { kind: "work_order", id: h.id, weight: w, matched };
}

function knowledgeWeight(t: DiagnosisTarget, k: KnowledgeEvidence): Support | null {
  const matched: string[] = [];
  let w = 0;
  if (codesAgree(t.fault_code, k.fault_code, t.manufacturer, k.equipment_manufacturer)) {
    w += WEIGHTS.knowledgeFaultCode;
    matched.push("fault_code");
  }
  if (t.model && t.model === k.equipment_model && t.manufacturer === k.equipment_manufacturer) {
    w += WEIGHTS.knowledgeModel;
    matched.push("model");
  }
  if ((k.similarity ?? 0) >= WEIGHTS.minSimilarity) {
    w += k.similarity ?? 0;
    matched.push("similar_text");
  }
  return w > 0 ? { kind: "knowledge", id: k.id, weight: w, matched } : null;
}

/** A cause named by a text: its normalised words all occur there, in order. */
const mentions = (text: string, cause: string) => {
  const c = normalise(cause);
  return c.length > 0 && normalise(text).includes(c);
};

/**
 * Ranks root causes from the evidence. Only causes that evidence names are ever suggested:
 * the root cause of a resolved work order, or an approved solution/quirk contribution (by
 * its title) when it names none of those. Quirks of the lift only strengthen causes they
 * mention. Confidence is the first cause's share of all the weight plus a prior, so it
 * grows with the amount of evidence and with its agreement.
 */
export function rankCauses(
  target: DiagnosisTarget,
  history: readonly ResolvedWorkOrder[],
  knowledge: readonly KnowledgeEvidence[],
): Diagnosis {
  type Entry = RankedCause & { parts: Map<string, number> };
  const byCause = new Map<string, Entry>();
  const add = (cause: string, support: Support, parts: readonly string[] = []) => {
    const key = normalise(cause);
    if (!key) return;
    const entry: Entry = byCause.get(key) ?? {
      cause: cause.trim(),
      score: 0,
      support: [],
      parts: new Map(),
    };
    entry.score += support.weight;
    entry.support.push(support);
    for (const p of parts) entry.parts.set(p, (entry.parts.get(p) ?? 0) + support.weight);
    byCause.set(key, entry);
  };

  let workOrders = 0;
  for (const h of history) {
    const s = historyWeight(target, h);
    if (!s) continue;
    workOrders++;
    add(h.root_cause, s, h.parts_used);
  }
  let knowledgeCount = 0;
  for (const k of knowledge) {
    const s = knowledgeWeight(target, k);
    if (!s) continue;
    const named = [...byCause.values()].filter((c) => mentions(`${k.title} ${k.content}`, c.cause));
    if (named.length > 0) {
      knowledgeCount++;
      for (const c of named) add(c.cause, { ...s, weight: s.weight / named.length });
    } else if (k.contribution_type === "solution" || k.contribution_type === "equipment_quirk") {
      knowledgeCount++;
      add(k.title, s);
    }
  }
  const quirks: string[] = [];
  for (const q of target.known_quirks ?? []) {
    const qWords = wordSet(q);
    let used = false;
    for (const c of byCause.values()) {
      if (mentions(q, c.cause) || jaccard(qWords, wordSet(c.cause)) >= 0.3) {
        add(c.cause, { kind: "quirk", id: null, weight: WEIGHTS.quirk, matched: [q] });
        used = true;
      }
    }
    if (used) quirks.push(q);
  }

  const ranked = [...byCause.values()].sort(
    (a, b) => b.score - a.score || a.cause.localeCompare(b.cause),
  );
  const top = ranked[0];
  const total = ranked.reduce((sum, c) => sum + c.score, 0);
  const kept = ranked.filter((c) => top && c.score >= 0.1 * top.score).slice(0, MAX_CAUSES);
  const partScores = new Map<string, number>();
  for (const c of kept) {
    for (const [part, w] of c.parts) partScores.set(part, (partScores.get(part) ?? 0) + w);
  }
  const parts = [...partScores.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_PARTS)
    .map(([p]) => p);
  const confidence = top ? Math.round((top.score / (total + WEIGHTS.prior)) * 100) / 100 : 0;
  return {
    causes: kept.map(({ cause, score, support }) => ({ cause, score, support })),
    parts,
    confidence,
    evidence: { work_orders: workOrders, knowledge: knowledgeCount, quirks: quirks.length },
    quirks,
  };
}
