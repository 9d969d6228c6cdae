-- 0041 dispatch board function
--
-- The dispatch board (GET /api/v1/dispatch-board) as one plpgsql function, called by
-- server/db/dispatch-board.ts in a single round trip.
--
-- Why a function and not a query string in TypeScript: the board is one statement of 8
-- index scans, 3 joins and an aggregate over 4 RLS-protected tables, and planning it took
-- about as long as running it (≈5 ms each on the 2-core reference machine). plpgsql keeps
-- its statements' plans for the life of the pooled connection, so the planning cost is paid
-- once per connection instead of on every request.
--
-- SECURITY INVOKER (the default): it runs as the caller (sitesync_app), so row-level
-- security applies exactly as for any other query; app_current_org() comes from the
-- transaction-local context set by withTenant().
--
-- Each status is spelled as a constant (`w.status = 'pending'`) so the planner picks the
-- per-status partial indexes of 0040 by predicate proof (enum equality is not LEAKPROOF,
-- so under RLS it could not be an index condition). The site_id filter has its own copy
-- of the statement because a cached generic plan of `(p_site_id IS NULL OR site_id = ...)`
-- could not use the *_site_* indexes.
--
-- Ordering: priority (the enum's order: emergency first), then due_date (NULLs last), then
-- id. Timestamps are formatted like the API's other timestamps (ISO-8601 UTC, ms, 'Z').

CREATE FUNCTION dispatch_board_iso(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE FUNCTION dispatch_board(
    p_site_id uuid,
    p_priority work_order_priority,
    p_limit integer
) RETURNS TABLE (status text, count bigint, work_orders json)
    LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    IF p_site_id IS NULL THEN
        RETURN QUERY
        WITH cards AS (
            (SELECT 0 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'pending' AND w.organization_id = app_current_org()
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 1 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'scheduled' AND w.organization_id = app_current_org()
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 2 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'in_progress' AND w.organization_id = app_current_org()
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 3 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'on_hold' AND w.organization_id = app_current_org()
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit)
        ), columns AS (
            SELECT c.ord,
                   json_agg(json_build_object(
                       'id', c.id, 'work_order_number', c.work_order_number, 'title', c.title,
                       'status', c.status, 'priority', c.priority, 'type', c.type,
                       'due_date', dispatch_board_iso(c.due_date),
                       'scheduled_start', dispatch_board_iso(c.scheduled_start),
                       'site', CASE WHEN s.id IS NULL THEN NULL
                                    ELSE json_build_object('id', s.id, 'name', s.name) END,
                       'elevator', CASE WHEN e.id IS NULL THEN NULL
                                        ELSE json_build_object('id', e.id, 'unit_number', e.unit_number) END,
                       'assignee', CASE WHEN ct.id IS NULL THEN NULL
                                        ELSE json_build_object('id', ct.id, 'contact_name', ct.contact_name) END
                   ) ORDER BY c.priority, c.due_date, c.id) AS work_orders
              FROM cards c
              LEFT JOIN sites s ON s.id = c.site_id
              LEFT JOIN elevators e ON e.id = c.elevator_id
              LEFT JOIN contractors ct ON ct.id = c.assigned_contractor_id
             GROUP BY c.ord
        )
        SELECT k.status, k.count, coalesce(col.work_orders, '[]'::json)
          FROM (VALUES
                ('pending', 0, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'pending' AND w.organization_id = app_current_org()
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('scheduled', 1, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'scheduled' AND w.organization_id = app_current_org()
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('in_progress', 2, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'in_progress' AND w.organization_id = app_current_org()
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('on_hold', 3, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'on_hold' AND w.organization_id = app_current_org()
                                   AND (p_priority IS NULL OR w.priority = p_priority)))
               ) AS k(status, ord, count)
          LEFT JOIN columns col ON col.ord = k.ord
         ORDER BY k.ord;
    ELSE
        RETURN QUERY
        WITH cards AS (
            (SELECT 0 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'pending' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 1 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'scheduled' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 2 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'in_progress' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit) UNION ALL
            (SELECT 3 AS ord, w.id, w.work_order_number, w.title, w.status, w.priority, w.type,
                    w.due_date, w.scheduled_start, w.site_id, w.elevator_id, w.assigned_contractor_id
               FROM work_orders w
              WHERE w.status = 'on_hold' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                AND (p_priority IS NULL OR w.priority = p_priority)
              ORDER BY w.priority, w.due_date, w.id LIMIT p_limit)
        ), columns AS (
            SELECT c.ord,
                   json_agg(json_build_object(
                       'id', c.id, 'work_order_number', c.work_order_number, 'title', c.title,
                       'status', c.status, 'priority', c.priority, 'type', c.type,
                       'due_date', dispatch_board_iso(c.due_date),
                       'scheduled_start', dispatch_board_iso(c.scheduled_start),
                       'site', CASE WHEN s.id IS NULL THEN NULL
                                    ELSE json_build_object('id', s.id, 'name', s.name) END,
                       'elevator', CASE WHEN e.id IS NULL THEN NULL
                                        ELSE json_build_object('id', e.id, 'unit_number', e.unit_number) END,
                       'assignee', CASE WHEN ct.id IS NULL THEN NULL
                                        ELSE json_build_object('id', ct.id, 'contact_name', ct.contact_name) END
                   ) ORDER BY c.priority, c.due_date, c.id) AS work_orders
              FROM cards c
              LEFT JOIN sites s ON s.id = c.site_id
              LEFT JOIN elevators e ON e.id = c.elevator_id
              LEFT JOIN contractors ct ON ct.id = c.assigned_contractor_id
             GROUP BY c.ord
        )
        SELECT k.status, k.count, coalesce(col.work_orders, '[]'::json)
          FROM (VALUES
                ('pending', 0, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'pending' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('scheduled', 1, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'scheduled' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('in_progress', 2, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'in_progress' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                                   AND (p_priority IS NULL OR w.priority = p_priority))),
                ('on_hold', 3, (SELECT count(*) FROM work_orders w
                                 WHERE w.status = 'on_hold' AND w.organization_id = app_current_org() AND w.site_id = p_site_id
                                   AND (p_priority IS NULL OR w.priority = p_priority)))
               ) AS k(status, ord, count)
          LEFT JOIN columns col ON col.ord = k.ord
         ORDER BY k.ord;
    END IF;
END
$$;

COMMENT ON FUNCTION dispatch_board(uuid, work_order_priority, integer) IS
    'Open work orders of the current organisation by status (count + first p_limit cards); RLS applies';

GRANT EXECUTE ON FUNCTION dispatch_board_iso(timestamptz), dispatch_board(uuid, work_order_priority, integer)
    TO sitesync_app, sitesync_service;
