-- 0107 forum_categories_select: the row's own columns first, the moderator check last
--
-- Same rule as 0103's policy, in another order. Every forum read passes through it (a
-- thread's and a post's policies look their category up under its RLS), once per row.
-- 0103 put app_is_forum_moderator() first in the OR; that function is not inlined (its
-- body's sub-selects keep the planner from it), so each row paid a function call of about
-- a millisecond before the cheap visibility test that admits nearly every row: a thread
-- page of a 600-post thread took over a second as the app role (bench:forum --smoke,
-- EXPLAIN ANALYZE: SubPlan loops=600, 1.0 ms each). PostgreSQL evaluates an OR's arms in
-- the order written and stops at the first true one, so the moderator check now runs only
-- for rows the visibility rule does not admit (inactive, or not visible to the caller).

DROP POLICY forum_categories_select ON forum_categories;
CREATE POLICY forum_categories_select ON forum_categories FOR SELECT
    USING ((is_active IS NOT FALSE
            AND (visibility = 'public'
                 OR (app_current_user() IS NOT NULL
                     AND (required_user_type IS NULL
                          OR required_user_type = (SELECT app_current_user_type()))
                     AND (visibility IN ('authenticated', 'role_based')
                          OR (visibility = 'organization'
                              AND organization_id = app_current_org())))))
           OR app_is_forum_moderator(organization_id));
