-- The grade type, leadscore.grade (A+ ... F): its I/O and comparison
-- functions, operators, operator classes and min/max.  First of the install
-- script: the configuration and state tables and many functions take or
-- return a grade.
--
-- Everything lives in schema leadscore and is schema-qualified; nothing is
-- created in public.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

------------------------------------------------------------------------
-- leadscore.grade: A+ ... F, ordered, indexable, steps of one third
------------------------------------------------------------------------

CREATE TYPE leadscore.grade;

CREATE FUNCTION leadscore.grade_in(cstring) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_out(leadscore.grade) RETURNS cstring
	AS 'MODULE_PATHNAME', 'leadscore_grade_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_recv(internal) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_send(leadscore.grade) RETURNS bytea
	AS 'MODULE_PATHNAME', 'leadscore_grade_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE leadscore.grade (
	INPUT = leadscore.grade_in,
	OUTPUT = leadscore.grade_out,
	RECEIVE = leadscore.grade_recv,
	SEND = leadscore.grade_send,
	INTERNALLENGTH = 1,
	PASSEDBYVALUE,
	ALIGNMENT = char,
	STORAGE = plain
);

COMMENT ON TYPE leadscore.grade IS
	'lead grade (fit to the ideal customer profile): A+, A, A-, B+, ..., D-, F; grade + n moves n thirds of a letter';

CREATE FUNCTION leadscore.grade_eq(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_eq' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_ne(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_ne' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_lt(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_lt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_le(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_le' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_gt(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_gt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_ge(leadscore.grade, leadscore.grade) RETURNS boolean
	AS 'MODULE_PATHNAME', 'leadscore_grade_ge' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_cmp(leadscore.grade, leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_cmp' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_hash(leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_hash' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_hash_extended(leadscore.grade, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'leadscore_grade_hash_extended' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_larger(leadscore.grade, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_smaller(leadscore.grade, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_pl_int4(leadscore.grade, integer) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_pl_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.int4_pl_grade(integer, leadscore.grade) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_int4_pl_grade' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_mi_int4(leadscore.grade, integer) RETURNS leadscore.grade
	AS 'MODULE_PATHNAME', 'leadscore_grade_mi_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION leadscore.grade_mi(leadscore.grade, leadscore.grade) RETURNS integer
	AS 'MODULE_PATHNAME', 'leadscore_grade_mi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The operators and min/max live in pg_catalog, not in schema leadscore:
-- operator and function lookup follows search_path, and a BI tool writing
-- `WHERE grade >= 'B'` should not have to put leadscore on it.  They take
-- leadscore.grade arguments, so they cannot collide with anything built in,
-- and pg_catalog is searched first, so nobody can shadow them from public.
CREATE OPERATOR pg_catalog.= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR pg_catalog.+ (
	LEFTARG = leadscore.grade, RIGHTARG = integer, FUNCTION = leadscore.grade_pl_int4,
	COMMUTATOR = OPERATOR(pg_catalog.+)
);
CREATE OPERATOR pg_catalog.+ (
	LEFTARG = integer, RIGHTARG = leadscore.grade, FUNCTION = leadscore.int4_pl_grade,
	COMMUTATOR = OPERATOR(pg_catalog.+)
);
CREATE OPERATOR pg_catalog.- (
	LEFTARG = leadscore.grade, RIGHTARG = integer, FUNCTION = leadscore.grade_mi_int4
);
CREATE OPERATOR pg_catalog.- (
	LEFTARG = leadscore.grade, RIGHTARG = leadscore.grade, FUNCTION = leadscore.grade_mi
);

CREATE OPERATOR CLASS leadscore.grade_ops DEFAULT FOR TYPE leadscore.grade USING btree AS
	OPERATOR 1 pg_catalog.<,
	OPERATOR 2 pg_catalog.<=,
	OPERATOR 3 pg_catalog.=,
	OPERATOR 4 pg_catalog.>=,
	OPERATOR 5 pg_catalog.>,
	FUNCTION 1 leadscore.grade_cmp(leadscore.grade, leadscore.grade);

CREATE OPERATOR CLASS leadscore.grade_hash_ops DEFAULT FOR TYPE leadscore.grade USING hash AS
	OPERATOR 1 pg_catalog.=,
	FUNCTION 1 leadscore.grade_hash(leadscore.grade),
	FUNCTION 2 leadscore.grade_hash_extended(leadscore.grade, bigint);

CREATE AGGREGATE pg_catalog.max(leadscore.grade) (
	SFUNC = leadscore.grade_larger, STYPE = leadscore.grade,
	COMBINEFUNC = leadscore.grade_larger, SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE
);
CREATE AGGREGATE pg_catalog.min(leadscore.grade) (
	SFUNC = leadscore.grade_smaller, STYPE = leadscore.grade,
	COMBINEFUNC = leadscore.grade_smaller, SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE
);
