import pg from "pg";

/**
 * EXPLAIN for the statements inside dispatch_board() (migration 0041). EXPLAIN of the
 * function call only shows "Function Scan", so this reads the function's own source from
 * pg_proc, prepares each RETURN QUERY statement with the function's parameters as $1..$3,
 * and explains it as sitesync_app under an organisation's RLS context, with the plan the
 * function will really run: `generic` is the cached plan plpgsql settles on, `custom` the
 * plan of its first calls. Used by the dispatch board EXPLAIN test and the benchmark.
 */
export type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
};

export type DispatchExplain = {
  plan: PlanNode;
  executionMs: number | null;
  planningMs: number | null;
};

async function statementsOf(client: pg.Client): Promise<{ orgWide: string; bySite: string }> {
  const { rows } = await client.query<{ prosrc: string }>(
    "SELECT prosrc FROM pg_proc WHERE proname = 'dispatch_board'",
  );
  const statements = (rows[0]?.prosrc ?? "")
    .split("RETURN QUERY")
    .slice(1)
    .map((part) => part.slice(0, part.indexOf(";")))
    .map((s) =>
      s.replaceAll("p_site_id", "$1").replaceAll("p_priority", "$2").replaceAll("p_limit", "$3"),
    );
  const [orgWide, bySite] = statements;
  if (!orgWide || !bySite) throw new Error("dispatch_board() does not have the expected shape");
  return { orgWide, bySite };
}

/** `appUrl` must connect as sitesync_app, so that row-level security applies. */
export async function explainDispatch(
  appUrl: string,
  options: {
    organizationId: string;
    siteId?: string | null;
    priority?: string | null;
    limit?: number;
    mode: "generic" | "custom";
    analyze?: boolean;
  },
): Promise<DispatchExplain> {
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.current_org', $1, true)", [options.organizationId]);
    await client.query("SELECT set_config('plan_cache_mode', $1, true)", [
      `force_${options.mode}_plan`,
    ]);
    const { orgWide, bySite } = await statementsOf(client);
    await client.query(
      `PREPARE dispatch_explain(uuid, work_order_priority, int) AS ${options.siteId ? bySite : orgWide}`,
    );
    const lit = (v: string | null | undefined) => (v ? client.escapeLiteral(v) : "NULL");
    const { rows } = await client.query<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (${options.analyze ? "ANALYZE, " : ""}FORMAT JSON)
       EXECUTE dispatch_explain(${lit(options.siteId)}::uuid, ${lit(options.priority)}::work_order_priority,
                                ${Math.trunc(options.limit ?? 50)})`,
    );
    const raw = rows[0]?.["QUERY PLAN"];
    const doc = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{
      Plan: PlanNode;
      "Execution Time"?: number;
      "Planning Time"?: number;
    }>;
    const top = doc[0];
    if (!top) throw new Error("EXPLAIN returned nothing");
    return {
      plan: top.Plan,
      executionMs: top["Execution Time"] ?? null,
      planningMs: top["Planning Time"] ?? null,
    };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    await client.end();
  }
}

export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** One line per table scan: "Index Only Scan using idx_… on work_orders". */
export function scanSummary(plan: PlanNode): string[] {
  return planNodes(plan)
    .filter((n) => n["Node Type"].includes("Scan") && n["Relation Name"])
    .map(
      (n) =>
        `${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""} on ${n["Relation Name"]}`,
    );
}
