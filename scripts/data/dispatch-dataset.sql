-- Synthetic data set for the dispatch board benchmark (scripts/bench-dispatch.ts).
-- Parameters (psql-style placeholders are replaced by scripts/data/generate-dispatch.ts):
--   :orgs       organisations
--   :per_org    work orders per organisation
-- Each organisation: 1 owner user, 40 sites, 4 elevators per site, 25 contractors.
-- Status mix per organisation: ~82% closed (completed/invoiced/cancelled), ~3% drafts and
-- ~15% open (pending/scheduled/in_progress/on_hold) — a service company's history is
-- mostly finished work, and the board only shows what is open.
--
-- Runs as sitesync_owner in ONE transaction, on a dedicated benchmark database only:
-- the tables are briefly NO FORCE ROW LEVEL SECURITY (so the owner may write rows of many
-- organisations in one statement) and work_orders' user triggers are disabled (no realtime
-- outbox event per generated row; numbering and total_cost are written explicitly). Both
-- are restored before COMMIT, so no other session ever sees the relaxed state.

SET LOCAL synchronous_commit = off;
ALTER TABLE organizations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sites NO FORCE ROW LEVEL SECURITY;
ALTER TABLE elevators NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contractors NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_orders NO FORCE ROW LEVEL SECURITY;
ALTER TABLE work_order_counters NO FORCE ROW LEVEL SECURITY;
ALTER TABLE elevators DISABLE TRIGGER USER;
ALTER TABLE work_orders DISABLE TRIGGER USER;

INSERT INTO organizations (name, slug, organization_type)
SELECT 'Bench Org ' || o, 'bench-org-' || o, 'service_company'
  FROM generate_series(1, :orgs) AS o;

INSERT INTO users (organization_id, email, role, user_type, first_name, last_name)
SELECT id, slug || '@bench.test', 'owner', 'standard', 'Bench', 'Owner'
  FROM organizations WHERE slug LIKE 'bench-org-%';

INSERT INTO sites (organization_id, name, city, state)
SELECT o.id, 'Site ' || s, 'Sydney', 'NSW'
  FROM organizations o CROSS JOIN generate_series(1, 40) AS s
 WHERE o.slug LIKE 'bench-org-%';

INSERT INTO elevators (organization_id, site_id, unit_number, manufacturer, model)
SELECT s.organization_id, s.id, 'L' || e, 'KONE', 'MonoSpace 500'
  FROM sites s CROSS JOIN generate_series(1, 4) AS e;

INSERT INTO contractors (organization_id, contractor_type, contact_name, is_active)
SELECT o.id, 'employee', 'Tech ' || c, true
  FROM organizations o CROSS JOIN generate_series(1, 25) AS c
 WHERE o.slug LIKE 'bench-org-%';

-- Per organisation: arrays of its elevators (with their site) and contractors, so the big
-- INSERT ... SELECT below picks by index instead of joining per row.
CREATE TEMP TABLE bench_org AS
SELECT o.id AS organization_id,
       row_number() OVER (ORDER BY o.slug) AS n,
       (SELECT u.id FROM users u WHERE u.organization_id = o.id LIMIT 1) AS user_id,
       (SELECT array_agg(e.id ORDER BY e.id) FROM elevators e WHERE e.organization_id = o.id) AS elevator_ids,
       (SELECT array_agg(e.site_id ORDER BY e.id) FROM elevators e WHERE e.organization_id = o.id) AS site_ids,
       (SELECT array_agg(c.id ORDER BY c.id) FROM contractors c WHERE c.organization_id = o.id) AS contractor_ids
  FROM organizations o WHERE o.slug LIKE 'bench-org-%';

INSERT INTO work_orders (
  organization_id, elevator_id, site_id, work_order_number, type, priority, status, title,
  due_date, scheduled_start, reported_at, created_at, assigned_contractor_id, assigned_at,
  parts_cost, labor_cost, total_cost, created_by, completed_at)
SELECT b.organization_id,
       b.elevator_ids[1 + (g.i * 7919) % 160],
       b.site_ids[1 + (g.i * 7919) % 160],
       'WO-' || lpad(g.i::text, 6, '0'),
       (ARRAY['breakdown','preventive','inspection','callback','audit']::work_order_type[])[1 + g.i % 5],
       (ARRAY['emergency','high','medium','medium','low','scheduled']::work_order_priority[])[1 + (g.i / 3) % 6],
       CASE
         WHEN g.r < 0.05 THEN 'pending'
         WHEN g.r < 0.09 THEN 'scheduled'
         WHEN g.r < 0.13 THEN 'in_progress'
         WHEN g.r < 0.15 THEN 'on_hold'
         WHEN g.r < 0.18 THEN 'draft'
         WHEN g.r < 0.22 THEN 'cancelled'
         WHEN g.r < 0.60 THEN 'invoiced'
         ELSE 'completed'
       END::work_order_status,
       'Bench work order ' || g.i,
       now() + ((g.i % 720) - 240) * interval '1 hour',
       now() + ((g.i % 500) - 200) * interval '1 hour',
       now() - (:per_org - g.i) * interval '5 minutes',
       now() - (:per_org - g.i) * interval '5 minutes',
       CASE WHEN g.i % 4 = 0 THEN NULL ELSE b.contractor_ids[1 + g.i % 25] END,
       CASE WHEN g.i % 4 = 0 THEN NULL ELSE now() - (:per_org - g.i) * interval '5 minutes' END,
       ((g.i % 500) * 1.25)::numeric(10, 2),
       ((g.i % 300) * 2.10)::numeric(10, 2),
       ((g.i % 500) * 1.25)::numeric(10, 2) + ((g.i % 300) * 2.10)::numeric(10, 2),
       b.user_id,
       CASE WHEN g.r >= 0.22 THEN now() - (:per_org - g.i) * interval '4 minutes' END
  FROM bench_org b
 CROSS JOIN LATERAL (
   SELECT i, ((i::bigint * 2654435761 + b.n * 97) % 1000) / 1000.0 AS r
     FROM generate_series(1, :per_org) AS i
 ) g;

-- The numbering trigger was off: put each counter past the imported numbers.
INSERT INTO work_order_counters (organization_id, last_number)
SELECT organization_id, :per_org FROM bench_org;

ALTER TABLE elevators ENABLE TRIGGER USER;
ALTER TABLE work_orders ENABLE TRIGGER USER;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
ALTER TABLE elevators FORCE ROW LEVEL SECURITY;
ALTER TABLE contractors FORCE ROW LEVEL SECURITY;
ALTER TABLE work_orders FORCE ROW LEVEL SECURITY;
ALTER TABLE work_order_counters FORCE ROW LEVEL SECURITY;
