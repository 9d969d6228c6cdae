-- 0054 wake the hubs only when one is not already polling
--
-- Measured (docs/benchmarks.md): every transaction that NOTIFYs takes PostgreSQL's
-- cluster-wide notify lock and holds it through its WAL flush, so NOTIFYing commits cannot
-- share a flush (group commit) and the write path ran at about half the rate it reaches
-- without NOTIFY. Under steady writes the hubs do not need a wake-up per commit: they are
-- reading anyway.
--
-- So each hub process registers in realtime_pump_nodes and, while it is receiving events,
-- announces that it is polling the outbox itself (every few milliseconds) until
-- polling_until. At COMMIT (a deferred constraint trigger, so the decision is taken as late
-- as possible) a transaction that wrote outbox rows NOTIFYs unless every registered hub is
-- polling for at least another 200 ms: then each of them reads the commit without a
-- wake-up. An idle hub, a hub that just started, or no hub at all means NOTIFY as before.
-- A hub that died stops heart-beating and its row is removed after 30 s; until then its
-- stale polling_until just means writers keep NOTIFYing. Nothing here can lose an event:
-- the outbox is still the source of truth and every pump also reads on a safety timer.

CREATE UNLOGGED TABLE realtime_pump_nodes (
    node_id uuid PRIMARY KEY,
    polling_until timestamptz NOT NULL DEFAULT '-infinity',
    heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE realtime_pump_nodes IS
    'Live realtime hub processes and until when each is polling the outbox (see 0054)';
REVOKE ALL ON realtime_pump_nodes FROM sitesync_app;
GRANT ALL ON realtime_pump_nodes TO sitesync_service;
ALTER TABLE realtime_pump_nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE realtime_pump_nodes FORCE ROW LEVEL SECURITY;

CREATE FUNCTION realtime_wake() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM realtime_pump_nodes)
       OR EXISTS (SELECT 1 FROM realtime_pump_nodes
                   WHERE polling_until < clock_timestamp() + interval '200 milliseconds') THEN
        -- Identical notifications in one transaction are folded into one.
        PERFORM pg_notify('sitesync_realtime', '');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION realtime_wake() IS
    'Deferred (commit-time) trigger: NOTIFY sitesync_realtime unless every hub is polling';
ALTER FUNCTION realtime_wake() OWNER TO sitesync_service;

CREATE CONSTRAINT TRIGGER realtime_events_wake
    AFTER INSERT ON realtime_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION realtime_wake();

-- The capture trigger of 0050, unchanged except that it no longer NOTIFYs itself.
CREATE OR REPLACE FUNCTION realtime_capture() RETURNS trigger
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

    -- The wake-up is decided at commit by realtime_wake() (above).
    RETURN NULL;
END
$$;
