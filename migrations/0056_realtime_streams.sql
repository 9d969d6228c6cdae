-- 0056 realtime capture generated from each stream's declaration
--
-- Until now one realtime_capture() held every streamed table's topics, organisation and
-- special actions in one CASE (0050), so changing one line meant copying its 80 lines
-- (0054). The realtime contract has one source now, shared/realtime/streams.ts, and a
-- streamed table is declared to the database with the same strings by one call:
--
--   SELECT realtime_stream('work_orders', 'work_order',
--       organization => 'organization_id',
--       topics => ARRAY['org', 'site:site_id', 'work_order:id', 'site:old.site_id']);
--
-- (`node scripts/realtime-stream-sql.ts <entity>` prints it from the declaration, and
-- test/realtime-contract.test.ts fails while the two differ.) realtime_stream() records the
-- declaration in realtime_streams and generates the table's own capture function,
-- realtime_capture_<table>(), and its trigger <table>_realtime from it and from the
-- table's current columns. The generated function computes exactly its table's topics,
-- organisation and actions with plain expressions: nothing is looked up or parsed per row
-- change, and the numeric and timestamptz columns are reformatted by one
-- jsonb_build_object instead of a loop (docs/realtime.md, "Performance notes").
--
-- The declaration's vocabulary (docs/realtime.md, "Adding a streamed table"):
--   organization  the event's organisation: '<column>', 'site:<column>' (the organisation
--                 of the site that column names) or NULL;
--   topics        'org' (the event's organisation), '<kind>:<column>' (the row, or the
--                 deleted row), '<kind>:old.<column>' (the row before an update);
--   updates       '<action>:<column>' (an update changing that column is <entity>.<action>
--                 instead of <entity>.updated), '<action>:<column>=<json text>' (changing
--                 it to that value);
--   anonymous     NULL, or ARRAY['<flag column>', '<hidden column>', …]: when the flag is
--                 true the event leaves out those columns, its actor and its organisation.
--
-- A later migration that adds, drops or retypes a numeric or timestamptz column of a
-- streamed table calls realtime_stream_refresh('<table>') (test/realtime-capture.test.ts
-- fails until it does); one that changes the generator calls realtime_stream_refresh() for
-- every table.

CREATE TABLE realtime_streams (
    table_name text PRIMARY KEY,
    entity text NOT NULL UNIQUE,
    organization text,
    topics text[] NOT NULL,
    updates text[] NOT NULL DEFAULT '{}',
    anonymous text[],
    -- What the generated function reformats, as of its last generation (tests compare it
    -- with the table's current columns).
    numeric_columns text[] NOT NULL DEFAULT '{}',
    timestamptz_columns text[] NOT NULL DEFAULT '{}'
);

COMMENT ON TABLE realtime_streams IS
    'Streamed tables as declared by realtime_stream() (shared/realtime/streams.ts); their capture functions are generated from these rows';

-- Configuration, not tenant data: the request role has no business with it.
REVOKE ALL ON realtime_streams FROM sitesync_app;
GRANT SELECT ON realtime_streams TO sitesync_service;

-- A column of the table, or an error naming the declaration's mistake.
CREATE FUNCTION realtime_stream_column(p_table regclass, p_column text) RETURNS text
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = p_table AND attname = p_column
                      AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'realtime_stream: % has no column "%"', p_table, p_column;
    END IF;
    RETURN p_column;
END
$$;

-- (Re)generates one streamed table's capture function and trigger from its declaration.
CREATE FUNCTION realtime_stream_refresh(p_table regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $gen$
DECLARE
    v_table text := (SELECT relname FROM pg_class WHERE oid = p_table);
    v_function text := 'realtime_capture_' || v_table;
    s realtime_streams;
    v_org text;
    v_topics text[] := '{}';
    v_updates text := '';
    v_soft_delete text := '';
    v_pairs text[] := '{}';
    v_data text := 'v_row';
    v_anonymous text := '';
    v_numeric text[];
    v_timestamptz text[];
    t text;
    v_kind text;
    v_source text;
    v_action text;
    v_column text;
    v_value text;
    i int;
BEGIN
    SELECT * INTO s FROM realtime_streams WHERE table_name = v_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'realtime_stream_refresh: % is not streamed (declare it with realtime_stream())', v_table;
    END IF;

    v_org := CASE
        WHEN s.organization IS NULL THEN 'NULL'
        WHEN s.organization LIKE 'site:%' THEN format(
            '(SELECT s.organization_id FROM sites s WHERE s.id = (v_row ->> %L)::uuid)',
            realtime_stream_column(p_table, substr(s.organization, 6)))
        ELSE format('(v_row ->> %L)::uuid', realtime_stream_column(p_table, s.organization))
    END;

    FOREACH t IN ARRAY s.topics LOOP
        IF t = 'org' THEN
            v_topics := v_topics || $t$'org:' || v_org::text$t$::text;
            CONTINUE;
        END IF;
        v_kind := split_part(t, ':', 1);
        v_source := substr(t, length(v_kind) + 2);
        IF v_kind = '' OR v_source = '' THEN
            RAISE EXCEPTION 'realtime_stream: topic "%" of % is not <kind>:<column>', t, v_table;
        END IF;
        v_topics := v_topics || CASE WHEN v_source LIKE 'old.%'
            THEN format('%L || (v_old ->> %L)', v_kind || ':',
                        realtime_stream_column(p_table, substr(v_source, 5)))
            ELSE format('%L || (v_row ->> %L)', v_kind || ':',
                        realtime_stream_column(p_table, v_source)) END;
    END LOOP;
    IF cardinality(v_topics) = 0 THEN
        RAISE EXCEPTION 'realtime_stream: % declares no topic', v_table;
    END IF;

    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname = 'deleted_at'
                                            AND NOT attisdropped) THEN
        v_soft_delete := $s$
        -- A soft delete (deleted_at set) is a delete.
        IF v_old ->> 'deleted_at' IS NULL AND v_new ->> 'deleted_at' IS NOT NULL THEN
            v_action := 'deleted';
        END IF;$s$;
    END IF;

    FOREACH t IN ARRAY s.updates LOOP
        v_action := split_part(t, ':', 1);
        v_column := split_part(substr(t, length(v_action) + 2), '=', 1);
        v_value := nullif(substr(t, length(v_action) + length(v_column) + 3), '');
        v_updates := v_updates || format($u$
        IF v_action = 'updated' AND %L = ANY (v_changes)%s THEN
            v_action := %L;
        END IF;$u$,
            realtime_stream_column(p_table, v_column),
            CASE WHEN v_value IS NULL THEN ''
                 ELSE format(' AND v_new ->> %L = %L', v_column, v_value) END,
            v_action);
    END LOOP;

    -- Row data in the REST API's JSON shapes: money (numeric) as exact decimal strings,
    -- timestamps as ISO-8601 UTC with milliseconds. A NULL stays a JSON null.
    SELECT coalesce(array_agg(attname ORDER BY attnum)
                        FILTER (WHERE atttypid = 'numeric'::regtype), '{}'),
           coalesce(array_agg(attname ORDER BY attnum)
                        FILTER (WHERE atttypid = 'timestamptz'::regtype), '{}')
      INTO v_numeric, v_timestamptz
      FROM pg_attribute
     WHERE attrelid = p_table AND attnum > 0 AND NOT attisdropped;
    FOREACH t IN ARRAY v_numeric LOOP
        v_pairs := v_pairs || format('%L, v_row ->> %L', t, t);
    END LOOP;
    FOREACH t IN ARRAY v_timestamptz LOOP
        v_pairs := v_pairs || format(
            $f$%L, to_char((v_row ->> %L)::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')$f$,
            t, t);
    END LOOP;
    -- jsonb_build_object takes at most 100 arguments: 50 columns a call.
    i := 1;
    WHILE i <= cardinality(v_pairs) LOOP
        v_data := v_data || format(E'\n                   || jsonb_build_object(\n                          %s)',
                                   array_to_string(v_pairs[i:i + 49], E',\n                          '));
        i := i + 50;
    END LOOP;

    IF s.anonymous IS NOT NULL THEN
        v_anonymous := format($a$
    -- Anonymous authors stay anonymous on the wire.
    IF coalesce((v_row ->> %L)::boolean, false) THEN
        v_data := v_data - %L::text[];
        v_actor := NULL;
        v_org := NULL;
    END IF;$a$,
            realtime_stream_column(p_table, s.anonymous[1]),
            s.anonymous[2:]);
        PERFORM realtime_stream_column(p_table, c) FROM unnest(s.anonymous[2:]) AS c;
    END IF;

    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $body$
-- Generated by realtime_stream_refresh() from the realtime_streams row of %2$s
-- (migrations/0056_realtime_streams.sql): change the declaration, not this.
DECLARE
    v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    v_row jsonb := coalesce(v_new, v_old);
    v_action text := CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated'
                                ELSE 'deleted' END;
    v_changes text[];
    v_org uuid;
    v_topics text[];
    v_data jsonb;
    v_actor uuid := nullif(current_setting('app.current_user', true), '')::uuid;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO v_changes
          FROM jsonb_each(v_new) n
         WHERE n.key <> 'updated_at'
           AND n.value IS DISTINCT FROM v_old -> n.key;
        -- An UPDATE that changed nothing is not an event.
        IF cardinality(v_changes) = 0 THEN
            RETURN NULL;
        END IF;%3$s%4$s
    END IF;

    v_org := %5$s;
    v_topics := realtime_topic_list(ARRAY[%6$s]);
    -- A deleted row goes out as its id only.
    v_data := CASE WHEN v_action = 'deleted' THEN jsonb_build_object('id', v_row -> 'id')
                   ELSE %7$s END;%8$s

    INSERT INTO realtime_events (topics, type, entity_type, entity_id, organization_id,
                                 actor_id, changes, data)
    VALUES (v_topics, %9$L || v_action, %10$L, (v_row ->> 'id')::uuid, v_org, v_actor,
            CASE WHEN v_action IN ('created', 'deleted') THEN NULL ELSE v_changes END,
            v_data);

    -- Wake-up only; identical notifications in one transaction are folded into one.
    PERFORM pg_notify('sitesync_realtime', '');
    RETURN NULL;
END
$body$
$fn$,
        v_function, v_table, v_soft_delete, v_updates, v_org,
        array_to_string(v_topics, E',\n                                     '),
        v_data, v_anonymous, s.entity || '.', s.entity);

    EXECUTE format('ALTER FUNCTION %I() OWNER TO sitesync_service', v_function);
    EXECUTE format('COMMENT ON FUNCTION %I() IS %L', v_function,
                   'Realtime capture of ' || v_table || ', generated from its realtime_streams row');
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', v_table || '_realtime', p_table);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION %I()', v_table || '_realtime', p_table, v_function);

    UPDATE realtime_streams
       SET numeric_columns = v_numeric, timestamptz_columns = v_timestamptz
     WHERE table_name = v_table;
END
$gen$;

-- Every streamed table (after a change to the generator).
CREATE FUNCTION realtime_stream_refresh() RETURNS void
    LANGUAGE sql
AS $$
    SELECT realtime_stream_refresh(table_name::regclass) FROM realtime_streams;
$$;

-- Declares (or re-declares) a streamed table and generates its capture.
CREATE FUNCTION realtime_stream(
    p_table regclass,
    p_entity text,
    organization text DEFAULT NULL,
    topics text[] DEFAULT '{}',
    updates text[] DEFAULT '{}',
    anonymous text[] DEFAULT NULL
) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_table text := (SELECT relname FROM pg_class WHERE oid = p_table);
BEGIN
    INSERT INTO realtime_streams (table_name, entity, organization, topics, updates, anonymous)
    VALUES (v_table, p_entity, organization, topics, updates, anonymous)
    ON CONFLICT (table_name) DO UPDATE
       SET entity = EXCLUDED.entity, organization = EXCLUDED.organization,
           topics = EXCLUDED.topics, updates = EXCLUDED.updates,
           anonymous = EXCLUDED.anonymous;
    PERFORM realtime_stream_refresh(p_table);
END
$$;

-- Only migrations declare streams.
REVOKE ALL ON FUNCTION realtime_stream(regclass, text, text, text[], text[], text[]),
                       realtime_stream_refresh(regclass), realtime_stream_refresh(),
                       realtime_stream_column(regclass, text)
    FROM PUBLIC, sitesync_app, sitesync_service;

-- The old generic capture (0050, 0054) goes away table by table as each is declared.
DROP FUNCTION realtime_stream(regclass);

SELECT realtime_stream('work_orders', 'work_order',
    organization => 'organization_id',
    topics => ARRAY['org', 'site:site_id', 'elevator:elevator_id', 'work_order:id',
                    'site:old.site_id', 'elevator:old.elevator_id']);

SELECT realtime_stream('elevators', 'elevator',
    organization => 'organization_id',
    topics => ARRAY['org', 'site:site_id', 'elevator:id', 'site:old.site_id'],
    updates => ARRAY['status_changed:status']);

SELECT realtime_stream('service_requests', 'service_request',
    organization => 'site:site_id',
    topics => ARRAY['org', 'site:site_id', 'service_request:id', 'tenant:tenant_id',
                    'site:old.site_id', 'tenant:old.tenant_id']);

SELECT realtime_stream('forum_threads', 'forum_thread',
    organization => 'author_organization_id',
    topics => ARRAY['forum_category:category_id', 'forum_thread:id',
                    'forum_category:old.category_id'],
    anonymous => ARRAY['is_anonymous', 'author_id', 'author_organization_id']);

SELECT realtime_stream('forum_posts', 'forum_post',
    topics => ARRAY['forum_thread:thread_id', 'forum_thread:old.thread_id'],
    anonymous => ARRAY['is_anonymous', 'author_id']);

SELECT realtime_stream('messages', 'message',
    topics => ARRAY['user:sender_id', 'user:recipient_id'],
    updates => ARRAY['read:is_read=true']);

SELECT realtime_stream('notifications', 'notification',
    topics => ARRAY['user:user_id'],
    updates => ARRAY['read:is_read=true']);

DROP FUNCTION realtime_capture();
DROP FUNCTION realtime_format_row(jsonb, text, text);
