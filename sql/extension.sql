-- The extension's footprint: its objects live in schema leadscore (the
-- grade operators and min/max in pg_catalog, so they work whatever the
-- search_path), nothing is created in public, and the extension drops and
-- re-creates cleanly.
SELECT extname, extversion, nspname AS schema, extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'leadscore';

-- Every member object, by kind and schema.
SELECT classid::regclass AS catalog, n.nspname AS schema, count(*)
FROM pg_depend d
LEFT JOIN LATERAL (
	SELECT pronamespace AS ns FROM pg_proc WHERE d.classid = 'pg_proc'::regclass AND oid = d.objid
	UNION ALL SELECT typnamespace FROM pg_type WHERE d.classid = 'pg_type'::regclass AND oid = d.objid
	UNION ALL SELECT oprnamespace FROM pg_operator WHERE d.classid = 'pg_operator'::regclass AND oid = d.objid
	UNION ALL SELECT opcnamespace FROM pg_opclass WHERE d.classid = 'pg_opclass'::regclass AND oid = d.objid
	UNION ALL SELECT opfnamespace FROM pg_opfamily WHERE d.classid = 'pg_opfamily'::regclass AND oid = d.objid
	UNION ALL SELECT relnamespace FROM pg_class WHERE d.classid = 'pg_class'::regclass AND oid = d.objid
) o ON true
LEFT JOIN pg_namespace n ON n.oid = o.ns
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore')
  AND d.deptype = 'e'
GROUP BY 1, 2
ORDER BY classid::regclass::text, 2;

-- Nothing in public.
SELECT count(*) AS objects_in_public
FROM pg_depend d
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore')
  AND p.pronamespace = 'public'::regnamespace;

-- The grade operators resolve without leadscore on the search_path.
SET search_path = pg_catalog;
SELECT 'B+'::leadscore.grade > 'B' AS works_without_search_path,
       max(g), min(g)
FROM unnest(ARRAY['B', 'A-', 'C']::leadscore.grade[]) AS g;
RESET search_path;

-- No function trusts the caller's search_path: every SQL and PL/pgSQL
-- function pins it or has a standard SQL body, bound when it was created
-- (C functions run schema-qualified SQL only).
SELECT l.lanname, count(*) AS functions,
       count(*) FILTER (WHERE p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp']
                           OR p.prosqlbody IS NOT NULL) AS search_path_safe,
       count(*) FILTER (WHERE p.prosecdef) AS security_definer
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'leadscore'::regnamespace AND l.lanname NOT IN ('c', 'internal')  -- aggregates are 'internal'
GROUP BY l.lanname ORDER BY 1;

-- Drop and re-create: CRM tables that use the grade type block the drop.
CREATE TABLE public.contacts_with_grade (id int, g leadscore.grade);
DROP EXTENSION leadscore;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE public.contacts_with_grade;
DROP EXTENSION leadscore;
-- The schema named in the control file is created by CREATE EXTENSION but,
-- by PostgreSQL's rule, is not a member of the extension: it stays, empty.
SELECT count(*) AS schema_left, (SELECT count(*) FROM pg_proc WHERE pronamespace = 'leadscore'::regnamespace) AS functions_left
FROM pg_namespace WHERE nspname = 'leadscore';
CREATE EXTENSION leadscore;
SELECT 'A'::leadscore.grade + 1 AS recreated;
