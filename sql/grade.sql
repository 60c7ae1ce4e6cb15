-- The leadscore.grade type: input, output, order, arithmetic, indexes,
-- hashing, binary I/O, and every input error.
SET client_min_messages = warning;
CREATE SCHEMA grade_test;
SET search_path = grade_test;
RESET client_min_messages;

-- Input and output of all thirteen grades, case and blanks tolerated.
SELECT g::leadscore.grade AS grade
FROM unnest(ARRAY['A+', 'a', ' A- ', 'b+', 'B', 'B-', 'C+', 'c', 'C-', 'D+', 'D', 'd-', 'f']) AS g;

-- Order: A+ is the best, F the worst.
SELECT 'B+'::leadscore.grade > 'B' AS b_plus_beats_b,
       'A+'::leadscore.grade > 'B' AS a_plus_beats_b,
       'F'::leadscore.grade < 'D-' AS f_below_d_minus,
       'C'::leadscore.grade = 'c' AS case_insensitive,
       'C'::leadscore.grade <> 'C+' AS ne,
       'B-'::leadscore.grade <= 'B-' AS le,
       'B-'::leadscore.grade >= 'C+' AS ge;

CREATE TABLE leads (id int PRIMARY KEY, grade leadscore.grade);
INSERT INTO leads
SELECT i, (ARRAY['F', 'D-', 'D', 'D+', 'C-', 'C', 'C+', 'B-', 'B', 'B+', 'A-', 'A', 'A+'])[1 + (i * 7) % 13]::leadscore.grade
FROM generate_series(1, 26) AS i;
INSERT INTO leads VALUES (27, NULL);

SELECT grade, count(*) FROM leads GROUP BY grade ORDER BY grade DESC NULLS LAST;
SELECT array_agg(DISTINCT grade ORDER BY grade) FROM leads;
SELECT min(grade), max(grade) FROM leads;
SELECT count(*) FILTER (WHERE grade >= 'B') AS sales_ready FROM leads;

-- Arithmetic in thirds of a letter, saturating at A+ and F.
SELECT 'C'::leadscore.grade + 2 AS c_plus_2,
       'A'::leadscore.grade + 5 AS a_plus_5,
       'D'::leadscore.grade - 9 AS d_minus_9,
       3 + 'B'::leadscore.grade AS three_plus_b,
       'B'::leadscore.grade - (-1) AS b_minus_minus_1,
       'C'::leadscore.grade + 0 AS c_plus_0,
       'F'::leadscore.grade + 2147483647 AS f_plus_max,
       'A+'::leadscore.grade - 2147483647 AS a_plus_minus_max,
       'A+'::leadscore.grade - (-2147483647 - 1) AS a_plus_minus_min,
       'A'::leadscore.grade - 'B'::leadscore.grade AS a_minus_b;
SELECT 'C'::leadscore.grade + 2 = 'B-' AS spec_1,
       'A'::leadscore.grade + 5 = 'A+' AS spec_2,
       'D'::leadscore.grade - 9 = 'F' AS spec_3;
SELECT g AS grade, g + 1 AS up, g - 1 AS down
FROM unnest(ARRAY['A+', 'A', 'B-', 'F']::leadscore.grade[]) AS g;

-- A btree index is used for ranges and ORDER BY.
INSERT INTO leads
SELECT i, (ARRAY['F', 'C', 'B', 'A'])[1 + i % 4]::leadscore.grade FROM generate_series(100, 5099) AS i;
CREATE INDEX leads_grade ON leads (grade);
ANALYZE leads;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM leads WHERE grade >= 'A-';
EXPLAIN (COSTS OFF) SELECT id, grade FROM leads WHERE grade IS NOT NULL ORDER BY grade DESC LIMIT 3;
SELECT count(*) FROM leads WHERE grade >= 'A-';
SELECT grade FROM leads WHERE grade IS NOT NULL ORDER BY grade DESC LIMIT 3;
RESET enable_seqscan;

-- Hash joins and hash aggregation use the hash operator class.
CREATE TABLE grade_labels (grade leadscore.grade PRIMARY KEY, label text);
INSERT INTO grade_labels VALUES ('A', 'ideal customer'), ('B', 'good fit'), ('C', 'average'), ('F', 'no fit');
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT l.label, count(*) FROM leads JOIN grade_labels l USING (grade) GROUP BY l.label;
SELECT l.label, count(*) FROM leads JOIN grade_labels l USING (grade) GROUP BY l.label ORDER BY l.label;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT grade FROM leads;
RESET enable_sort;
CREATE INDEX leads_grade_hash ON leads USING hash (grade);
SELECT count(*) FROM leads WHERE grade = 'B';
-- Hash partitioning needs the extended hash function.
CREATE TABLE leads_by_grade (grade leadscore.grade) PARTITION BY HASH (grade);
CREATE TABLE leads_by_grade_0 PARTITION OF leads_by_grade FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE leads_by_grade_1 PARTITION OF leads_by_grade FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO leads_by_grade SELECT grade FROM leads WHERE grade IS NOT NULL;
SELECT (SELECT count(*) FROM leads_by_grade_0) + (SELECT count(*) FROM leads_by_grade_1) AS partitioned_rows;

-- Binary send/receive: one byte per grade, round trip through binary COPY.
-- The file goes into the server's data directory (COPY TO wants an absolute
-- path), so two runs never share it; the end of the test removes it.
SELECT current_setting('data_directory') || '/leadscore_grade_test.bin' AS binfile \gset
SELECT leadscore.grade_send('A+'), leadscore.grade_send('F'), leadscore.grade_send('B-');
CREATE TABLE leads_copy (LIKE leads);
COPY (SELECT * FROM leads WHERE id < 30 ORDER BY id) TO :'binfile' WITH (FORMAT binary);
COPY leads_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS copied, bool_and(c.grade IS NOT DISTINCT FROM l.grade) AS identical
FROM leads_copy c JOIN leads l USING (id);

-- Text casts.
SELECT 'B+'::leadscore.grade::text, 'b'::text::leadscore.grade;

-- Bad input: SQLSTATE 22P02 and the list of valid grades in the hint.
\set VERBOSITY default
SELECT 'Z'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT ''::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT 'A++'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT 'E'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT 'F+'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT 'B +'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO leads VALUES (9999, 'excellent');
\echo :LAST_ERROR_SQLSTATE
-- A binary value outside 0..12 is refused: "char" sends the same one byte.
CREATE TABLE bad_bytes (b "char");
INSERT INTO bad_bytes VALUES (chr(13)::"char");
COPY bad_bytes TO :'binfile' WITH (FORMAT binary);
CREATE TABLE grades_in (g leadscore.grade);
COPY grades_in FROM :'binfile' WITH (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
-- No file left behind: the server removes it (no rows go to rm's stdin).
SELECT format('rm -f %s', quote_literal(:'binfile')) AS remove_binfile \gset
COPY (SELECT 1 WHERE false) TO PROGRAM :'remove_binfile';
\set VERBOSITY terse
SELECT 'C'::leadscore.grade + 'B'::leadscore.grade;
\echo :LAST_ERROR_SQLSTATE
SELECT 'C'::leadscore.grade * 2;
\echo :LAST_ERROR_SQLSTATE
SELECT 'C'::leadscore.grade < 3;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- The session is healthy after all those errors.
SELECT 'A'::leadscore.grade AS still_working;

SET client_min_messages = warning;
DROP SCHEMA grade_test CASCADE;
