-- 0050 realtime outbox
--
-- Every change to the streamed tables writes one row to realtime_events in the
-- SAME transaction (AFTER row triggers), so the database itself is the source
-- of truth: changes made by the API, a worker or plain SQL in psql all produce
-- events, and an aborted transaction produces none. NOTIFY is only a wake-up
-- with an empty payload (its 8,000-byte limit never touches event data); the
-- hub reads the rows.
--
-- Ordering (docs/realtime.md): a bigserial id alone is not a safe cursor,
-- because ids are taken at INSERT time and transactions commit in another
-- order (Hasura #8632). Each row records its transaction id (xid8); readers
-- only take rows whose xid is below the snapshot's xmin (every transaction
-- below it has finished) and order by (xid, id). That order never gains a row
-- behind a reader's position.

CREATE TABLE realtime_events (
    id bigserial PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    topics text[] NOT NULL,
    type text NOT NULL,
    entity_type text NOT NULL,
    entity_id uuid NOT NULL,
    organization_id uuid,
    actor_id uuid,
    changes text[],
    data jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

COMMENT ON TABLE realtime_events IS
    'Outbox of row changes for the realtime hub; position = (xid, id); pruned after REALTIME_RETENTION_HOURS';

CREATE INDEX idx_realtime_events_position ON realtime_events (xid, id);
CREATE INDEX idx_realtime_events_topics ON realtime_events USING GIN (topics);
CREATE INDEX idx_realtime_events_occurred ON realtime_events (occurred_at);

-- Highest position ever pruned: a replay cursor at or below it may have lost
-- events, so the hub answers reset: true.
CREATE TABLE realtime_retention (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    floor_xid xid8 NOT NULL DEFAULT '0',
    floor_id bigint NOT NULL DEFAULT 0
);
INSERT INTO realtime_retention DEFAULT VALUES;

-- The request role has no business with the outbox: the triggers write it as
-- their owner (sitesync_service) and the hub reads it with the service pool.
REVOKE ALL ON realtime_events, realtime_retention FROM sitesync_app;
REVOKE ALL ON SEQUENCE realtime_events_id_seq FROM sitesync_app;
GRANT ALL ON realtime_events, realtime_retention TO sitesync_service;
GRANT ALL ON SEQUENCE realtime_events_id_seq TO sitesync_service;
ALTER TABLE realtime_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE realtime_events FORCE ROW LEVEL SECURITY;
ALTER TABLE realtime_retention ENABLE ROW LEVEL SECURITY;
ALTER TABLE realtime_retention FORCE ROW LEVEL SECURITY;

-- Keeps the first occurrence of each topic, drops NULLs (a missing tenant_id).
CREATE FUNCTION realtime_topic_list(p_topics text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT coalesce(array_agg(t ORDER BY first_ord), '{}')
      FROM (SELECT t, min(ord) AS first_ord
              FROM unnest(p_topics) WITH ORDINALITY AS u(t, ord)
             WHERE t IS NOT NULL
             GROUP BY t) s
$$;

-- Row data in the REST API's JSON shapes: money (numeric) as exact decimal strings,
-- timestamps as ISO-8601 UTC with milliseconds (docs/api-conventions.md).
CREATE FUNCTION realtime_row_json(p_relid oid, p_row jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
AS $$
    SELECT p_row || coalesce(jsonb_object_agg(a.attname,
               CASE WHEN a.atttypid = 'numeric'::regtype THEN to_jsonb(p_row ->> a.attname)
                    ELSE to_jsonb(to_char((p_row ->> a.attname)::timestamptz AT TIME ZONE 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END), '{}')
      FROM pg_attribute a
     WHERE a.attrelid = p_relid AND a.attnum > 0 AND NOT a.attisdropped
       AND a.atttypid IN ('numeric'::regtype, 'timestamptz'::regtype)
       AND p_row ->> a.attname IS NOT NULL
$$;

CREATE FUNCTION realtime_capture() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    v_row jsonb;
    v_changes text[];
    v_action text;
    v_entity text;
    v_org uuid;
    v_topics text[];
    v_data jsonb;
    v_actor uuid := nullif(current_setting('app.current_user', true), '')::uuid;
BEGIN
    v_row := coalesce(v_new, v_old);
    v_action := CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;

    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO v_changes
          FROM jsonb_each(v_new) n
         WHERE n.key <> 'updated_at'
           AND n.value IS DISTINCT FROM v_old -> n.key;
        -- An UPDATE that changed nothing is not an event.
        IF cardinality(v_changes) = 0 THEN
            RETURN NULL;
        END IF;
        IF v_new ? 'deleted_at'
           AND v_old ->> 'deleted_at' IS NULL AND v_new ->> 'deleted_at' IS NOT NULL THEN
            v_action := 'deleted';
        END IF;
    END IF;

    CASE TG_TABLE_NAME
    WHEN 'work_orders' THEN
        v_entity := 'work_order';
        v_org := (v_row ->> 'organization_id')::uuid;
        v_topics := ARRAY['org:' || (v_row ->> 'organization_id'),
                          'site:' || (v_row ->> 'site_id'),
                          'elevator:' || (v_row ->> 'elevator_id'),
                          'work_order:' || (v_row ->> 'id'),
                          -- watchers of the old site/elevator learn that it moved away
                          'site:' || (v_old ->> 'site_id'),
                          'elevator:' || (v_old ->> 'elevator_id')];
    WHEN 'elevators' THEN
        v_entity := 'elevator';
        v_org := (v_row ->> 'organization_id')::uuid;
        v_topics := ARRAY['org:' || (v_row ->> 'organization_id'),
                          'site:' || (v_row ->> 'site_id'),
                          'elevator:' || (v_row ->> 'id'),
                          'site:' || (v_old ->> 'site_id')];
        IF v_action = 'updated' AND 'status' = ANY (v_changes) THEN
            v_action := 'status_changed';
        END IF;
    WHEN 'service_requests' THEN
        v_entity := 'service_request';
        SELECT s.organization_id INTO v_org FROM sites s WHERE s.id = (v_row ->> 'site_id')::uuid;
        v_topics := ARRAY['org:' || v_org::text,
                          'site:' || (v_row ->> 'site_id'),
                          'service_request:' || (v_row ->> 'id'),
                          'tenant:' || (v_row ->> 'tenant_id'),
                          'site:' || (v_old ->> 'site_id'),
                          'tenant:' || (v_old ->> 'tenant_id')];
    WHEN 'forum_threads' THEN
        v_entity := 'forum_thread';
        v_org := (v_row ->> 'author_organization_id')::uuid;
        v_topics := ARRAY['forum_category:' || (v_row ->> 'category_id'),
                          'forum_thread:' || (v_row ->> 'id'),
                          'forum_category:' || (v_old ->> 'category_id')];
    WHEN 'forum_posts' THEN
        v_entity := 'forum_post';
        v_org := NULL;
        v_topics := ARRAY['forum_thread:' || (v_row ->> 'thread_id'),
                          'forum_thread:' || (v_old ->> 'thread_id')];
    WHEN 'messages' THEN
        v_entity := 'message';
        v_org := NULL;
        v_topics := ARRAY['user:' || (v_row ->> 'sender_id'),
                          'user:' || (v_row ->> 'recipient_id')];
        IF v_action = 'updated' AND 'is_read' = ANY (v_changes)
           AND (v_new ->> 'is_read')::boolean THEN
            v_action := 'read';
        END IF;
    WHEN 'notifications' THEN
        v_entity := 'notification';
        v_org := NULL;
        v_topics := ARRAY['user:' || (v_row ->> 'user_id')];
        IF v_action = 'updated' AND 'is_read' = ANY (v_changes)
           AND (v_new ->> 'is_read')::boolean THEN
            v_action := 'read';
        END IF;
    ELSE
        RAISE EXCEPTION 'realtime_capture: table % is not streamed', TG_TABLE_NAME;
    END CASE;

    -- A deleted row goes out as its id only.
    v_data := CASE WHEN v_action = 'deleted' THEN jsonb_build_object('id', v_row -> 'id')
                   ELSE realtime_row_json(TG_RELID, v_row) END;

    -- Anonymous forum authors stay anonymous on the wire.
    IF TG_TABLE_NAME IN ('forum_threads', 'forum_posts')
       AND coalesce((v_row ->> 'is_anonymous')::boolean, false) THEN
        v_data := v_data - 'author_id' - 'author_organization_id';
        v_actor := NULL;
        v_org := NULL;
    END IF;

    INSERT INTO realtime_events (topics, type, entity_type, entity_id, organization_id,
                                 actor_id, changes, data)
    VALUES (realtime_topic_list(v_topics), v_entity || '.' || v_action, v_entity,
            (v_row ->> 'id')::uuid, v_org, v_actor,
            CASE WHEN v_action IN ('created', 'deleted') THEN NULL ELSE v_changes END,
            v_data);

    -- Wake-up only; identical notifications in one transaction are folded into one.
    PERFORM pg_notify('sitesync_realtime', '');
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION realtime_capture() IS
    'AFTER row trigger: writes the change to realtime_events in the same transaction and wakes the hub';

ALTER FUNCTION realtime_capture() OWNER TO sitesync_service;
ALTER FUNCTION realtime_topic_list(text[]) OWNER TO sitesync_service;
ALTER FUNCTION realtime_row_json(oid, jsonb) OWNER TO sitesync_service;

CREATE TRIGGER work_orders_realtime AFTER INSERT OR UPDATE OR DELETE ON work_orders
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER elevators_realtime AFTER INSERT OR UPDATE OR DELETE ON elevators
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER service_requests_realtime AFTER INSERT OR UPDATE OR DELETE ON service_requests
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER forum_threads_realtime AFTER INSERT OR UPDATE OR DELETE ON forum_threads
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER forum_posts_realtime AFTER INSERT OR UPDATE OR DELETE ON forum_posts
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER messages_realtime AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
CREATE TRIGGER notifications_realtime AFTER INSERT OR UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION realtime_capture();
