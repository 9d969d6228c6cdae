-- 0054 realtime capture: column formats as trigger arguments
--
-- The row is sent in the REST API's JSON shapes (money as exact decimal strings,
-- timestamps as ISO-8601 UTC with milliseconds). 0050 found the columns to reformat with a
-- pg_attribute query on every row change; that query cost about a quarter of a work order
-- UPDATE's throughput (pgbench, docs/realtime.md "Performance notes"). The column lists
-- are now fixed when the trigger is created and passed as its two arguments, and
-- realtime_format_row() rewrites just those keys with plain expressions.
--
-- realtime_stream(table) (re)creates a table's trigger from its current columns. A later
-- migration that adds, drops or retypes a numeric or timestamptz column of a streamed table
-- must call it again; test/realtime-capture.test.ts fails until it does.

-- p_numeric, p_timestamptz: comma-separated column names ('' for none).
CREATE FUNCTION realtime_format_row(p_row jsonb, p_numeric text, p_timestamptz text)
    RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    formatted jsonb := '{}';
    c text;
BEGIN
    IF p_numeric <> '' THEN
        FOREACH c IN ARRAY string_to_array(p_numeric, ',') LOOP
            IF p_row ->> c IS NOT NULL THEN
                formatted := formatted || jsonb_build_object(c, p_row ->> c);
            END IF;
        END LOOP;
    END IF;
    IF p_timestamptz <> '' THEN
        FOREACH c IN ARRAY string_to_array(p_timestamptz, ',') LOOP
            IF p_row ->> c IS NOT NULL THEN
                formatted := formatted || jsonb_build_object(c,
                    to_char((p_row ->> c)::timestamptz AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
            END IF;
        END LOOP;
    END IF;
    RETURN p_row || formatted;
END
$$;

ALTER FUNCTION realtime_format_row(jsonb, text, text) OWNER TO sitesync_service;

-- Same as 0050 except the data line (and the argument check): see the header.
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
    IF TG_NARGS <> 2 THEN
        RAISE EXCEPTION 'realtime_capture on %: create the trigger with realtime_stream()', TG_TABLE_NAME;
    END IF;
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
                   ELSE realtime_format_row(v_row, TG_ARGV[0], TG_ARGV[1]) END;

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

-- The trigger name stays <table>_realtime, as in 0050.
CREATE FUNCTION realtime_stream(p_table regclass) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_trigger text := (SELECT relname FROM pg_class WHERE oid = p_table) || '_realtime';
    v_numeric text;
    v_timestamptz text;
BEGIN
    SELECT coalesce(string_agg(attname, ',' ORDER BY attnum)
                        FILTER (WHERE atttypid = 'numeric'::regtype), ''),
           coalesce(string_agg(attname, ',' ORDER BY attnum)
                        FILTER (WHERE atttypid = 'timestamptz'::regtype), '')
      INTO v_numeric, v_timestamptz
      FROM pg_attribute
     WHERE attrelid = p_table AND attnum > 0 AND NOT attisdropped;
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', v_trigger, p_table);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION realtime_capture(%L, %L)',
                   v_trigger, p_table, v_numeric, v_timestamptz);
END
$$;

COMMENT ON FUNCTION realtime_stream(regclass) IS
    '(Re)creates the realtime capture trigger of a streamed table with its current column formats';

SELECT realtime_stream(t)
  FROM unnest(ARRAY['work_orders', 'elevators', 'service_requests', 'forum_threads',
                    'forum_posts', 'messages', 'notifications']::regclass[]) AS t;

DROP FUNCTION realtime_row_json(oid, jsonb);
