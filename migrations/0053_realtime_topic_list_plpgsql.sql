-- 0053 cheaper topic de-duplication in the realtime capture trigger
--
-- realtime_topic_list() runs once per streamed row change. The set-based SQL version
-- (unnest + GROUP BY + array_agg) cost about 10 % of a work order UPDATE's throughput
-- (pgbench, 4 writers, docs/benchmarks.md); a loop over the at most six candidates does
-- the same job (keep the first occurrence, drop NULLs) for a fraction of it.
CREATE OR REPLACE FUNCTION realtime_topic_list(p_topics text[]) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    result text[] := '{}';
    t text;
BEGIN
    FOREACH t IN ARRAY p_topics LOOP
        IF t IS NOT NULL AND NOT (t = ANY (result)) THEN
            result := result || t;
        END IF;
    END LOOP;
    RETURN result;
END
$$;
