-- 0040 dispatch board indexes
--
-- GET /api/v1/dispatch-board reads, per open status, the organisation's count and its
-- first N work orders ordered by (priority, due_date, id) (server/db/dispatch-board.ts).
--
-- One partial index per open status, not one index on (organization_id, status, ...):
-- under row-level security Postgres only turns LEAKPROOF operators of the query into
-- index conditions, and enum equality (enum_eq) is not LEAKPROOF, so `status = 'pending'`
-- would be a filter applied after reading every open row of the organisation. A partial
-- index whose predicate is `status = 'pending'` is chosen by predicate proof instead, and
-- its leading organization_id column matches the policy's own condition. The index order
-- is the board's order, so a column reads just N entries; counts are index-only scans.
--
-- The *_site_* variants serve `?site_id=` (uuid equality is LEAKPROOF, so it can be an
-- index condition). Only open work orders are indexed: a few percent of the table.

CREATE INDEX idx_work_orders_board_pending ON work_orders
    (organization_id, priority, due_date, id) WHERE status = 'pending';
CREATE INDEX idx_work_orders_board_scheduled ON work_orders
    (organization_id, priority, due_date, id) WHERE status = 'scheduled';
CREATE INDEX idx_work_orders_board_in_progress ON work_orders
    (organization_id, priority, due_date, id) WHERE status = 'in_progress';
CREATE INDEX idx_work_orders_board_on_hold ON work_orders
    (organization_id, priority, due_date, id) WHERE status = 'on_hold';

CREATE INDEX idx_work_orders_board_site_pending ON work_orders
    (organization_id, site_id, priority, due_date, id) WHERE status = 'pending';
CREATE INDEX idx_work_orders_board_site_scheduled ON work_orders
    (organization_id, site_id, priority, due_date, id) WHERE status = 'scheduled';
CREATE INDEX idx_work_orders_board_site_in_progress ON work_orders
    (organization_id, site_id, priority, due_date, id) WHERE status = 'in_progress';
CREATE INDEX idx_work_orders_board_site_on_hold ON work_orders
    (organization_id, site_id, priority, due_date, id) WHERE status = 'on_hold';
