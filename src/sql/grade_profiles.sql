-- Grade profiles and their criteria: checks, create, change, drop, and
-- grading any attributes (grade(), explain_grade()).  After the tables they
-- write; create_model(), before, calls _profile_id() from PL/pgSQL, bound
-- when it runs.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- The checks in C: a criterion, and every grade profile compiled against
-- every attached lead table.
CREATE FUNCTION leadscore._check_criterion(profile text, criterion_names text[], name text, condition text,
		steps integer) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_check_criterion' LANGUAGE C;
CREATE FUNCTION leadscore._check_lead_tables() RETURNS void
	AS 'MODULE_PATHNAME', 'leadscore_check_lead_tables' LANGUAGE C
	SET search_path = pg_catalog, pg_temp;

-- A NULL profile name is a NULL argument (22004), not a profile that does
-- not exist.
CREATE FUNCTION leadscore._profile_id(profile text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	found integer;
BEGIN
	IF profile IS NULL THEN
		RAISE EXCEPTION 'a grade profile name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	SELECT p.id INTO found FROM leadscore.grade_profiles p WHERE p.name = profile;
	IF found IS NULL THEN
		RAISE EXCEPTION 'grade profile "%" does not exist', profile USING ERRCODE = '42704',
			HINT = 'leadscore.grade_profiles lists them; leadscore.create_grade_profile() makes one.';
	END IF;
	RETURN found;
END $$;

CREATE FUNCTION leadscore.create_grade_profile(name text, base leadscore.grade DEFAULT 'C') RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id integer;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'a grade profile name is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	IF btrim(name) = '' THEN
		RAISE EXCEPTION 'grade profile name must not be empty' USING ERRCODE = '22023';
	END IF;
	IF base IS NULL THEN
		RAISE EXCEPTION 'base grade must not be NULL' USING ERRCODE = '22004';
	END IF;
	IF EXISTS (SELECT 1 FROM leadscore.grade_profiles p WHERE p.name = create_grade_profile.name) THEN
		RAISE EXCEPTION 'grade profile "%" already exists', name USING ERRCODE = '42710';
	END IF;
	INSERT INTO leadscore.grade_profiles (name, base) VALUES (name, base) RETURNING id INTO new_id;
	PERFORM leadscore._invalidate();
	RETURN new_id;
END $$;

-- Criterion changes grade new and changed lead rows at once; the leads
-- already graded keep their grade until rescore().
CREATE FUNCTION leadscore._criteria_change_notice(profile text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM leadscore.attachments WHERE kind = 'leads') THEN
		RAISE NOTICE 'criteria of grade profile "%" changed: new and changed lead rows use them now', profile
			USING HINT = 'Run SELECT leadscore.rescore() to regrade every lead.';
	END IF;
END $$;

CREATE FUNCTION leadscore.add_criterion(profile text, condition text, steps integer, name text DEFAULT NULL)
	RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pid integer := leadscore._profile_id(profile);
	names text[];
	criterion_name text := name;
	normalized text;
	new_id integer;
BEGIN
	-- One criterion change at a time per profile: names stay unique.
	PERFORM 1 FROM leadscore.grade_profiles p WHERE p.id = pid FOR UPDATE;
	SELECT coalesce(array_agg(c.name), '{}') INTO names FROM leadscore.grade_criteria c WHERE c.profile_id = pid;
	IF criterion_name IS NULL THEN
		-- criterion_<n>: of n names, one of n + 1 candidates is free.
		SELECT 'criterion_' || min(n) INTO criterion_name
		FROM generate_series(cardinality(names) + 1, 2 * cardinality(names) + 1) n
		WHERE NOT ('criterion_' || n) = ANY (names);
	END IF;
	normalized := leadscore._check_criterion(profile, names, criterion_name, condition, steps);
	INSERT INTO leadscore.grade_criteria (profile_id, name, condition, steps)
	VALUES (pid, criterion_name, normalized, steps)
	RETURNING id INTO new_id;
	PERFORM leadscore._check_lead_tables();
	PERFORM leadscore._invalidate();
	PERFORM leadscore._criteria_change_notice(profile);
	RETURN new_id;
END $$;

CREATE FUNCTION leadscore.remove_criterion(id integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	profile text;
BEGIN
	IF id IS NULL THEN
		RAISE EXCEPTION 'a criterion id is needed, not NULL' USING ERRCODE = '22004';
	END IF;
	DELETE FROM leadscore.grade_criteria c WHERE c.id = remove_criterion.id
	RETURNING (SELECT p.name FROM leadscore.grade_profiles p WHERE p.id = c.profile_id) INTO profile;
	IF profile IS NULL THEN
		RAISE EXCEPTION 'criterion % does not exist', id USING ERRCODE = '42704';
	END IF;
	PERFORM leadscore._invalidate();
	PERFORM leadscore._criteria_change_notice(profile);
END $$;

CREATE FUNCTION leadscore.drop_grade_profile(name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pid integer := leadscore._profile_id(name);
	users text;
BEGIN
	SELECT string_agg(format('"%s"', m.name), ', ' ORDER BY m.name) INTO users
	FROM leadscore.models m WHERE m.grade_profile = drop_grade_profile.name;
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'grade profile "%" is used by model %', name, users USING ERRCODE = '2BP01',
			HINT = 'Drop those models first.';
	END IF;
	DELETE FROM leadscore.grade_profiles WHERE id = pid;
	PERFORM leadscore._invalidate();
END $$;

-- Ad-hoc grading of any attributes: leadscore.grade('crm_icp', to_jsonb(c)).
CREATE FUNCTION leadscore.grade(profile text, attrs jsonb) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.grade(text, jsonb) IS
	'the grade a lead with these attributes (jsonb keys = column names) gets from a grade profile';

CREATE FUNCTION leadscore.explain_grade(profile text, attrs jsonb)
	RETURNS TABLE (criterion text, condition text, steps integer, matched boolean)
	AS 'MODULE_PATHNAME', 'leadscore_explain_grade' LANGUAGE C STABLE STRICT
	SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.explain_grade(text, jsonb) IS
	'every criterion of a grade profile and whether it matches these attributes';
