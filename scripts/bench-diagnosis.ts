/**
 * Diagnosis accuracy benchmark (docs/benchmarks.md, "Diagnosis accuracy").
 *
 *   npm run bench:diagnosis [-- --seeds 1,2,3]
 *
 * For each demo seed: loads the demo data set into a private database and, leaving one out,
 * runs the real diagnosis job on every resolved breakdown/callback with a fault code (as
 * its creator, under RLS). The job never uses the work order's own fix (its evidence query
 * excludes the work order itself), so each one is held out from its own diagnosis. Top-1
 * and top-3 root-cause accuracy are compared with the baseline "most frequent cause for
 * this fault code" over the same organisation's other resolved work orders, and confidence
 * is checked against accuracy (calibration).
 */
import { randomUUID } from "node:crypto";
import { sql } from "slonik";
import { z } from "zod";
import { logger } from "../server/logger.ts";
import { diagnose } from "../workers/handlers/diagnose.ts";
import { appendRun, demoDatabase, runHeader, table } from "./bench/quality-db.ts";

const args = process.argv.slice(2);
const seedsArg = args[args.indexOf("--seeds") + 1];
const SEEDS = args.includes("--seeds") && seedsArg ? seedsArg.split(",").map(Number) : [1, 2, 3];
const TODAY = "2026-06-01";

const Resolved = z.object({
  id: z.string(),
  organization_id: z.string(),
  created_by: z.string(),
  fault_code: z.string(),
  manufacturer: z.string().nullable(),
  root_cause: z.string(),
});
type Resolved = z.infer<typeof Resolved>;

type Outcome = { top1: boolean; top3: boolean; suggested: boolean; confidence: number };

function baseline(all: readonly Resolved[], t: Resolved): string[] {
  const counts = new Map<string, number>();
  for (const r of all) {
    if (r.id === t.id || r.organization_id !== t.organization_id || r.fault_code !== t.fault_code)
      continue;
    if (r.manufacturer !== t.manufacturer) continue;
    counts.set(r.root_cause, (counts.get(r.root_cause) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
}

const score = (suggested: readonly string[], truth: string, confidence = 0): Outcome => ({
  top1: suggested[0] === truth,
  top3: suggested.slice(0, 3).includes(truth),
  suggested: suggested.length > 0,
  confidence,
});

async function runSeed(seed: number) {
  const bench = await demoDatabase(`sitesync_bench_diagnosis_${process.pid}`, seed, TODAY);
  const { runtime } = bench;
  try {
    const all = await runtime.serviceDb.any(sql.type(Resolved)`
      SELECT w.id, w.organization_id, w.created_by, w.fault_code, e.manufacturer, w.root_cause
        FROM work_orders w JOIN elevators e ON e.id = w.elevator_id
       WHERE w.type IN ('breakdown', 'callback') AND w.status IN ('completed', 'invoiced')
         AND w.fault_code IS NOT NULL AND w.root_cause IS NOT NULL
       ORDER BY w.id`);
    const test = all;
    const diagnosis: Outcome[] = [];
    const base: Outcome[] = [];
    for (const t of test) {
      await diagnose(
        {
          organization_id: t.organization_id,
          work_order_id: t.id,
          diagnosis_id: randomUUID(),
          requested_by: t.created_by,
        },
        { runtime, signal: new AbortController().signal, jobId: "bench", attempt: 1, log: logger },
      );
      const row = await runtime.serviceDb.one(
        sql.type(
          z.object({ causes: z.array(z.string()).nullable(), confidence: z.string().nullable() }),
        )`SELECT ai_suggested_causes AS causes, ai_confidence AS confidence FROM work_orders WHERE id = ${t.id}`,
      );
      diagnosis.push(score(row.causes ?? [], t.root_cause, Number(row.confidence ?? 0)));
      base.push(score(baseline(all, t), t.root_cause));
    }
    return { seed, resolved: all.length, test: test.length, diagnosis, base };
  } finally {
    await bench.close();
  }
}

const pct = (n: number, d: number) => (d === 0 ? "–" : `${((100 * n) / d).toFixed(1)} %`);

async function main() {
  const runs: Array<Awaited<ReturnType<typeof runSeed>>> = [];
  for (const seed of SEEDS) {
    console.log(`seed ${seed}…`);
    runs.push(await runSeed(seed));
  }
  const all = (k: "diagnosis" | "base") => runs.flatMap((r) => r[k]);
  const line = (name: string, o: Outcome[]) => [
    name,
    o.length,
    pct(o.filter((x) => x.top1).length, o.length),
    pct(o.filter((x) => x.top3).length, o.length),
    pct(o.filter((x) => x.suggested).length, o.length),
  ];
  const perSeed = runs.map((r) => [
    r.seed,
    r.resolved,
    pct(r.diagnosis.filter((x) => x.top1).length, r.test),
    pct(r.base.filter((x) => x.top1).length, r.test),
    pct(r.diagnosis.filter((x) => x.top3).length, r.test),
    pct(r.base.filter((x) => x.top3).length, r.test),
  ]);
  const buckets = [0, 0.4, 0.5, 0.6, 0.7, 1.01];
  const calibration = buckets.slice(0, -1).map((lo, i) => {
    const hi = buckets[i + 1]!;
    const inBucket = all("diagnosis").filter(
      (o) => o.suggested && o.confidence >= lo && o.confidence < hi,
    );
    const mean = inBucket.reduce((s, o) => s + o.confidence, 0) / (inBucket.length || 1);
    return [
      `${lo.toFixed(1)}–${Math.min(hi, 1).toFixed(1)}`,
      inBucket.length,
      inBucket.length ? mean.toFixed(2) : "–",
      pct(inBucket.filter((o) => o.top1).length, inBucket.length),
    ];
  });
  const summary = table(
    ["method", "diagnosed", "top-1", "top-3", "suggested anything"],
    [
      line("diagnosis (diagnosis.run)", all("diagnosis")),
      line("baseline: most frequent cause for the fault code", all("base")),
    ],
  );
  const seeds = table(
    ["seed", "resolved with code", "top-1", "baseline top-1", "top-3", "baseline top-3"],
    perSeed,
  );
  const cal = table(["confidence", "diagnoses", "mean confidence", "top-1 right"], calibration);
  console.log(`\n${summary}\n\n${seeds}\n\n${cal}\n`);
  await appendRun(
    "Diagnosis accuracy",
    `\`npm run bench:diagnosis\` (scripts/bench-diagnosis.ts). Demo data sets (seeds ${SEEDS.join(", ")}, dated ${TODAY}); leave-one-out: the real \`diagnosis.run\` job diagnoses every resolved breakdown and callback with a fault code, as its creator under RLS, never seeing that work order's own fix (its evidence query excludes the work order itself). The baseline predicts the most frequent root causes for the same fault code and manufacturer among the same organisation's other resolved work orders. In the demo catalogue a work order's cause is drawn independently of its symptoms and lift, so the fault code's cause frequencies are all there is to learn: where the fault code has history the diagnosis can at best match the baseline; where it has none the baseline says nothing and the diagnosis still ranks the causes of work orders with shared symptoms or the same model. Knowledge contributions and quirks are not in the demo data, so they do not show here.`,
    `### Run of ${new Date().toISOString().slice(0, 10)}\n\n${runHeader()}\n\n${summary}\n\nPer seed:\n\n${seeds}\n\nCalibration (diagnoses that suggested a cause, by confidence):\n\n${cal}`,
  );
}

await main();
process.exit(0);
