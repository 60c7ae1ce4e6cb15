-- The condition language's checker, check_condition().  Rules and grade
-- criteria store conditions in the normalised form it returns; it depends on
-- nothing but the library, so it comes right after the grade type.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- The condition language (rules and grade criteria)
------------------------------------------------------------------------

CREATE FUNCTION leadscore.check_condition(condition text) RETURNS text
	AS 'MODULE_PATHNAME', 'leadscore_check_condition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION leadscore.check_condition(text) IS
	'normalised form of a rule or criterion condition; raises 42601 with the position of a syntax error';
