import { randomUUID } from "node:crypto";
import type pg from "pg";
import { sha256, signAccessToken } from "../../../server/auth/tokens.ts";
import { envelopeFor } from "../../../server/realtime/audience.ts";
import type { Envelope } from "../../../shared/realtime/envelope.ts";

/** `tokens[i]` is an access token of user `userIds[i]`. */
export type BenchOrg = { id: string; workOrderIds: string[]; userIds: string[]; tokens: string[] };

/**
 * Organisations with admins, real sessions and signed access tokens, one site, one
 * elevator and a few work orders each. Inserted in bulk as the service role (set-up, not
 * the thing measured); the hub then authenticates every socket against these rows.
 */
export async function buildFixtures(
  c: pg.Client,
  options: { orgs: number; usersPerOrg: number; workOrdersPerOrg: number; jwtSecret: string },
): Promise<BenchOrg[]> {
  const orgs = await c.query<{ id: string }>(
    `INSERT INTO organizations (name, slug, organization_type)
     SELECT 'Bench ' || g, 'bench-relay-' || lpad(g::text, 4, '0'), 'service_company'
       FROM generate_series(1, $1) g
     RETURNING id`,
    [options.orgs],
  );
  const users = await c.query<{ id: string; organization_id: string }>(
    `INSERT INTO users (organization_id, email, role, user_type, first_name, last_name)
     SELECT o.id, 'bench-' || o.slug || '-' || g || '@example.test', 'admin', 'standard',
            'Bench', 'Dispatcher'
       FROM organizations o, generate_series(1, $1) g
      WHERE o.slug LIKE 'bench-relay-%'
     RETURNING id, organization_id`,
    [options.usersPerOrg],
  );
  const sessionIds = users.rows.map(() => randomUUID());
  await c.query(
    `INSERT INTO user_sessions (id, user_id, session_token_hash, expires_at)
     SELECT s, u, h, now() + interval '1 day'
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(s, u, h)`,
    [sessionIds, users.rows.map((u) => u.id), sessionIds.map((s) => sha256(s))],
  );
  const sites = await c.query<{ id: string; organization_id: string }>(
    `INSERT INTO sites (organization_id, name, city, state)
     SELECT id, 'Bench tower', 'Sydney', 'NSW' FROM organizations WHERE slug LIKE 'bench-relay-%'
     RETURNING id, organization_id`,
  );
  await c.query(
    `INSERT INTO elevators (organization_id, site_id, unit_number, manufacturer, model)
     SELECT organization_id, id, 'L1', 'KONE', 'MonoSpace 500' FROM sites WHERE id = ANY($1::uuid[])`,
    [sites.rows.map((s) => s.id)],
  );
  const wos = await c.query<{ id: string; organization_id: string }>(
    `INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status,
                              priority, title)
     SELECT e.organization_id, e.site_id, e.id,
            (SELECT u.id FROM users u WHERE u.organization_id = e.organization_id LIMIT 1),
            'breakdown', 'pending', 'medium', 'bench 0'
       FROM elevators e, generate_series(1, $1) g
      WHERE e.site_id = ANY($2::uuid[])
     RETURNING id, organization_id`,
    [options.workOrdersPerOrg, sites.rows.map((s) => s.id)],
  );

  const byOrg = new Map<string, BenchOrg>(
    orgs.rows.map((o) => [o.id, { id: o.id, workOrderIds: [], userIds: [], tokens: [] }]),
  );
  for (const w of wos.rows) byOrg.get(w.organization_id)?.workOrderIds.push(w.id);
  const signed = await Promise.all(
    users.rows.map(async (u, i) => {
      const token = await signAccessToken(
        options.jwtSecret,
        { userId: u.id, organizationId: u.organization_id, sessionId: sessionIds[i]! },
        3_600,
      );
      return { u, token };
    }),
  );
  // In the users' order, so tokens[i] belongs to userIds[i].
  for (const { u, token } of signed) {
    const org = byOrg.get(u.organization_id);
    org?.userIds.push(u.id);
    org?.tokens.push(token);
  }
  return [...byOrg.values()];
}

export type BenchForum = { categoryIds: string[]; threadIds: string[][] };

/**
 * Forum categories (global, so technicians of every organisation may watch them) with a
 * few threads each, written by a bench user. A thread change reaches every socket watching
 * its category: the large fan-out.
 */
export async function buildForum(
  c: pg.Client,
  options: { categories: number; threadsPerCategory: number },
): Promise<BenchForum> {
  const categories = await c.query<{ id: string }>(
    `INSERT INTO forum_categories (name, slug, scope_type)
     SELECT 'Bench category ' || g, 'bench-relay-' || g, 'global'
       FROM generate_series(1, $1) g
     RETURNING id`,
    [options.categories],
  );
  const categoryIds = categories.rows.map((r) => r.id);
  const threads = await c.query<{ id: string; category_id: string }>(
    `INSERT INTO forum_threads (category_id, author_id, author_organization_id, title, slug)
     SELECT cat, u.id, u.organization_id, 'bench 0', 'bench-' || cat || '-' || g
       FROM unnest($1::uuid[]) AS cat, generate_series(1, $2) g,
            (SELECT id, organization_id FROM users WHERE email LIKE 'bench-%' LIMIT 1) u
     RETURNING id, category_id`,
    [categoryIds, options.threadsPerCategory],
  );
  return {
    categoryIds,
    threadIds: categoryIds.map((cat) =>
      threads.rows.filter((t) => t.category_id === cat).map((t) => t.id),
    ),
  };
}

/**
 * The envelope the hub sends for a real update of one of these rows (`work_order.updated`
 * or `forum_thread.updated`): the bare broadcast sends exactly this shape and size, so the
 * two ceilings move the same bytes.
 */
export async function sampleEnvelope(
  c: pg.Client,
  table: "work_orders" | "forum_threads",
  id: string,
): Promise<Envelope> {
  await c.query(`UPDATE ${table} SET title = 'bench 1' WHERE id = $1`, [id]);
  const { rows } = await c.query<{
    id: string;
    xid: string;
    topics: string[];
    type: string;
    entity_type: string;
    entity_id: string;
    organization_id: string | null;
    actor_id: string | null;
    changes: string[] | null;
    data: Record<string, unknown>;
    occurred_at: Date;
  }>(
    `SELECT id::text, xid::text, topics, type, entity_type, entity_id, organization_id, actor_id,
            changes, data, occurred_at
       FROM realtime_events WHERE entity_id = $1 ORDER BY xid DESC, id DESC LIMIT 1`,
    [id],
  );
  const r = rows[0];
  if (!r) throw new Error("no outbox row for the sample update");
  const row = { ...r, id: Number(r.id), occurred_at: r.occurred_at.toISOString() };
  return envelopeFor(row, { xid: BigInt(r.xid), id: BigInt(r.id) }, r.topics[0]!, "staff");
}
