-- 0104 realtime streams learn "hold": rows a moderator has not approved are not streamed
--
-- A forum thread or post in a requires_moderation category starts held
-- (is_approved = false, migration 0103): only its author and the moderators may see it,
-- so it must not reach the forum_category:/forum_thread: topics, whose watchers are
-- everyone the category admits. The stream declaration (shared/realtime/streams.ts) gets
-- one more word:
--
--   hold  NULL, or '<flag column>': while the flag is false the row is held and no change
--         of it is an event (insert, update, delete); the update that sets it true is
--         <entity>.created (the row appears, as for a new row), one that sets it false
--         again is <entity>.deleted.
--
-- realtime_stream() takes it as `hold => 'is_approved'` and realtime_stream_refresh()
-- (0056's generator, repeated here with the hold added: the generated functions are the
-- same for streams without one) writes the checks into the table's capture function. The
-- forum tables are declared again with it, which also regenerates forum_threads' capture
-- for 0103's new timestamptz column (last_activity_at).

ALTER TABLE realtime_streams ADD COLUMN hold text;

CREATE OR REPLACE FUNCTION realtime_stream_refresh(p_table regclass) RETURNS void
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
    v_hold text := '';
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

    IF s.hold IS NOT NULL THEN
        v_hold := format($h$
        -- Held rows (the flag false) are not streamed: becoming visible is a creation,
        -- becoming held again a deletion.
        IF (v_old ->> %1$L)::boolean IS FALSE THEN
            IF (v_new ->> %1$L)::boolean IS FALSE THEN
                RETURN NULL;
            END IF;
            v_action := 'created';
        ELSIF (v_new ->> %1$L)::boolean IS FALSE THEN
            v_action := 'deleted';
        END IF;$h$, realtime_stream_column(p_table, s.hold));
    END IF;

    EXECUTE format($fn$
CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $body$
-- Generated by realtime_stream_refresh() from the realtime_streams row of %2$s
-- (migrations/0056_realtime_streams.sql, 0104): change the declaration, not this.
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
BEGIN%11$s
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO v_changes
          FROM jsonb_each(v_new) n
         WHERE n.key <> 'updated_at'
           AND n.value IS DISTINCT FROM v_old -> n.key;
        -- An UPDATE that changed nothing is not an event.
        IF cardinality(v_changes) = 0 THEN
            RETURN NULL;
        END IF;%3$s%4$s%12$s
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
        v_data, v_anonymous, s.entity || '.', s.entity,
        CASE WHEN s.hold IS NULL THEN '' ELSE format($i$
    -- A row inserted or deleted while held is no event.
    IF (v_row ->> %L)::boolean IS FALSE AND TG_OP <> 'UPDATE' THEN
        RETURN NULL;
    END IF;$i$, s.hold) END,
        v_hold);

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

DROP FUNCTION realtime_stream(regclass, text, text, text[], text[], text[]);

-- Declares (or re-declares) a streamed table and generates its capture.
CREATE FUNCTION realtime_stream(
    p_table regclass,
    p_entity text,
    organization text DEFAULT NULL,
    topics text[] DEFAULT '{}',
    updates text[] DEFAULT '{}',
    anonymous text[] DEFAULT NULL,
    hold text DEFAULT NULL
) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_table text := (SELECT relname FROM pg_class WHERE oid = p_table);
BEGIN
    INSERT INTO realtime_streams (table_name, entity, organization, topics, updates, anonymous, hold)
    VALUES (v_table, p_entity, organization, topics, updates, anonymous, hold)
    ON CONFLICT (table_name) DO UPDATE
       SET entity = EXCLUDED.entity, organization = EXCLUDED.organization,
           topics = EXCLUDED.topics, updates = EXCLUDED.updates,
           anonymous = EXCLUDED.anonymous, hold = EXCLUDED.hold;
    PERFORM realtime_stream_refresh(p_table);
END
$$;

-- Only migrations declare streams.
REVOKE ALL ON FUNCTION realtime_stream(regclass, text, text, text[], text[], text[], text),
                       realtime_stream_refresh(regclass)
    FROM PUBLIC, sitesync_app, sitesync_service;

SELECT realtime_stream('forum_threads', 'forum_thread',
    organization => 'author_organization_id',
    topics => ARRAY['forum_category:category_id', 'forum_thread:id', 'forum_category:old.category_id'],
    anonymous => ARRAY['is_anonymous', 'author_id', 'author_organization_id'],
    hold => 'is_approved');

SELECT realtime_stream('forum_posts', 'forum_post',
    topics => ARRAY['forum_thread:thread_id', 'forum_thread:old.thread_id'],
    anonymous => ARRAY['is_anonymous', 'author_id'],
    hold => 'is_approved');
