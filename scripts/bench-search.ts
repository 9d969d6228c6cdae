/**
 * Search quality benchmark (docs/benchmarks.md, "Search quality").
 *
 *   npm run bench:search [-- --seed 42]
 *   EMBEDDINGS_PROVIDER=openai EMBEDDINGS_BASE_URL=… npm run bench:search   (a semantic provider)
 *
 * Loads the demo data set into a private database and adds the knowledge base a service
 * company would have: one approved solution per cause of the demo fault catalogue
 * (scripts/data/demo/catalogue/faults.ts). The embeddings sweep embeds everything with the
 * configured provider. A labelled query set, built from the same catalogue, asks for each
 * fault by its title, by a symptom, and by its title with a typo; the relevant results
 * are that fault's solutions and the demo forum threads about it. Each query runs through
 * the real hybridSearch as a demo technician (RLS applies) with one retriever at a time and
 * with all three fused; recall@10 and MRR are reported per query kind.
 */
import { sql } from "slonik";
import { z } from "zod";
import { embeddingProviderFor } from "../server/ai/embeddings.ts";
import { logger } from "../server/logger.ts";
import { hybridSearch, type RetrieverSet } from "../server/search/hybrid.ts";
import type { SearchMethod } from "../shared/search.ts";
import { sweepEmbeddings } from "../workers/handlers/embeddings-sweep.ts";
import { appendRun, demoDatabase, runHeader, table } from "./bench/quality-db.ts";
import { FAULTS, type Fault } from "./data/demo/catalogue/faults.ts";

const args = process.argv.slice(2);
const SEED = args.includes("--seed") ? Number(args[args.indexOf("--seed") + 1]) : 42;
const TODAY = "2026-06-01";

type Query = { kind: "title" | "symptom" | "typo"; q: string; relevant: Set<string> };

/** A deterministic typo: the two middle letters of the title's longest word swapped. */
function typo(text: string): string {
  const words = text.split(" ");
  const i = words.reduce((best, w, j) => (w.length > (words[best]?.length ?? 0) ? j : best), 0);
  const w = words[i] ?? "";
  const m = Math.floor(w.length / 2);
  words[i] = `${w.slice(0, m - 1)}${w[m]}${w[m - 1]}${w.slice(m + 1)}`;
  return words.join(" ");
}

async function main() {
  const bench = await demoDatabase(`sitesync_bench_search_${process.pid}`, SEED, TODAY);
  const { runtime } = bench;
  try {
    const db = runtime.serviceDb;
    const author = await db.one(sql.type(z.object({ id: z.string(), organization_id: z.string() }))`
      SELECT id, organization_id FROM users WHERE email = 'technician@harbourlift.demo'`);
    // The knowledge base: one approved, platform-wide solution per catalogue cause.
    const knowledgeOf = new Map<Fault, string[]>();
    for (const f of FAULTS) {
      const ids: string[] = [];
      for (const c of f.causes) {
        const row = await db.one(sql.type(z.object({ id: z.string() }))`
          INSERT INTO knowledge_contributions (author_id, title, content, contribution_type, status,
                                               fault_code, equipment_manufacturer)
          VALUES (${author.id}, ${`${c.rootCause} (${f.manufacturer} ${f.code})`},
                  ${`${f.title}. Seen as: ${f.symptoms.join(", ")}. Cause: ${c.rootCause}. Fix: ${c.resolution}.`},
                  'solution', 'approved', ${f.code}, ${f.manufacturer})
          RETURNING id`);
        ids.push(row.id);
      }
      knowledgeOf.set(f, ids);
    }
    const threads = await db.any(sql.type(
      z.object({ id: z.string(), fault_code: z.string(), manufacturer: z.string() }),
    )`SELECT id, fault_code, equipment_manufacturer AS manufacturer FROM forum_threads
       WHERE fault_code IS NOT NULL AND equipment_manufacturer IS NOT NULL`);
    const relevantTo = (f: Fault) =>
      new Set([
        ...(knowledgeOf.get(f) ?? []),
        ...threads
          .filter((t) => t.fault_code === f.code && t.manufacturer === f.manufacturer)
          .map((t) => t.id),
      ]);
    const queries: Query[] = [];
    for (const f of FAULTS) {
      queries.push({ kind: "title", q: f.title, relevant: relevantTo(f) });
      queries.push({ kind: "typo", q: typo(f.title), relevant: relevantTo(f) });
      const symptom = f.symptoms[1] ?? f.symptoms[0] ?? "";
      // Every fault of the manufacturer that lists the symptom is a right answer.
      const sharing = FAULTS.filter(
        (g) => g.manufacturer === f.manufacturer && g.symptoms.includes(symptom),
      );
      queries.push({
        kind: "symptom",
        q: `${f.manufacturer} ${symptom}`,
        relevant: new Set(sharing.flatMap((g) => [...relevantTo(g)])),
      });
    }

    const ctx = {
      runtime,
      signal: new AbortController().signal,
      jobId: "bench",
      attempt: 1,
      log: logger,
    };
    for (let i = 0; i < 10; i++) {
      const r = await sweepEmbeddings({ batch_size: 100 }, ctx);
      if (Object.values(r).every((c) => c.embedded + c.unchanged === 0)) break;
    }
    const tenant = { organizationId: author.organization_id, userId: author.id };
    const setups: Array<[string, RetrieverSet]> = [
      ["full-text", ["full_text"]],
      ["trigram", ["trigram"]],
      ["vector", ["vector"]],
      ["hybrid (all three, RRF)", ["full_text", "trigram", "vector"] satisfies SearchMethod[]],
    ];
    const kinds = ["title", "symptom", "typo"] as const;
    const rows: Array<Array<string | number>> = [];
    for (const [name, methods] of setups) {
      const per: Record<string, { recall: number; rr: number; n: number }> = {};
      for (const query of queries) {
        const res = await hybridSearch(
          runtime,
          tenant,
          { q: query.q, types: ["knowledge", "forum_threads"], limit: 10 },
          methods,
        );
        const ids = res.data.map((r) => r.id);
        const found = ids.filter((id) => query.relevant.has(id)).length;
        const first = ids.findIndex((id) => query.relevant.has(id));
        for (const key of [query.kind, "all"]) {
          const acc = per[key] ?? { recall: 0, rr: 0, n: 0 };
          per[key] = acc;
          acc.recall += found / Math.min(10, query.relevant.size);
          acc.rr += first === -1 ? 0 : 1 / (first + 1);
          acc.n++;
        }
      }
      const cell = (k: string) => {
        const a = per[k]!;
        return `${(a.recall / a.n).toFixed(3)} / ${(a.rr / a.n).toFixed(3)}`;
      };
      rows.push([name, ...kinds.map(cell), cell("all")]);
    }
    const provider = embeddingProviderFor(runtime.env).id;
    const result = table(
      ["retrievers", "by title", "by symptom", "title with a typo", "all queries"],
      rows,
    );
    const counts = `${queries.length} queries (${FAULTS.length} faults × 3 kinds) over ${[...knowledgeOf.values()].flat().length} knowledge contributions and ${threads.length} fault threads (plus the demo's other threads); embedding provider \`${provider}\`; cells are recall@10 / MRR.`;
    console.log(`\n${counts}\n\n${result}\n`);
    await appendRun(
      "Search quality",
      "`npm run bench:search` (scripts/bench-search.ts). The demo data set (seed and date in each run) plus one approved knowledge contribution per cause of the demo fault catalogue; a labelled query set from the same catalogue asks for each fault by its title, by one of its symptoms (with the manufacturer), and by its title with a typo; the relevant results are that fault's contributions and the demo forum threads about it (for a symptom, every fault of that manufacturer listing it). Queries run through the real `hybridSearch` as a demo technician under RLS, with each retriever alone and all three fused. The corpus and the queries share the catalogue's wording, so this measures how each retriever handles exact words, word pieces and typos; it has no paraphrases, which is where a semantic provider would add most: rerun with `EMBEDDINGS_PROVIDER=openai` (and a reachable endpoint) to measure it.",
      `### Run of ${new Date().toISOString().slice(0, 10)} (seed ${SEED}, provider ${provider})\n\n${runHeader()}\n\n${counts}\n\n${result}`,
    );
  } finally {
    await bench.close();
  }
}

await main();
process.exit(0);
