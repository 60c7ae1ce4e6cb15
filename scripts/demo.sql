-- The leadscore demo.  scripts/demo.sh runs it on a throw-away cluster.
\pset footer off
\set ECHO queries

CREATE EXTENSION leadscore;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';

-- Lead grades: how well a lead fits the ideal customer profile, A+ ... F.
-- They compare and sort as grades do, and move in thirds of a letter.
SELECT 'B+'::leadscore.grade > 'B' AS "B+ beats B",
       'C'::leadscore.grade + 2 AS "C two steps up",
       'A'::leadscore.grade + 5 AS "A five up (saturates)",
       'D'::leadscore.grade - 9 AS "D nine down (saturates)";

CREATE TEMP TABLE contacts (name text, job_title text, grade leadscore.grade);
INSERT INTO contacts VALUES
	('Ana Souza', 'Head of Sales Operations', 'A-'),
	('Bruno Lima', 'Student', 'F'),
	('Carla Dias', 'Marketing Manager', 'B'),
	('Davi Rocha', 'CFO', 'A+'),
	('Elisa Reis', 'Intern', 'D+'),
	('Fábio Melo', 'IT Director', 'B+');
CREATE INDEX ON contacts (grade);

SELECT name, job_title, grade FROM contacts ORDER BY grade DESC;
SELECT grade >= 'B' AS sales_worthy, count(*), max(grade) AS best, min(grade) AS worst
FROM contacts GROUP BY 1 ORDER BY 1 DESC;

-- The condition language that scoring rules and grade criteria use,
-- checked and normalised.  A bad condition says where it went wrong.
SELECT leadscore.check_condition($$url like '/pricing%' and Duration_S>=30$$) AS rule_condition;
SELECT leadscore.check_condition($$job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))$$) AS criterion;

\set ON_ERROR_STOP 0
SELECT leadscore.check_condition($$url LIKE '/pricing%' AND (duration_s >= 30$$);
SELECT 'A++'::leadscore.grade;
\set ON_ERROR_STOP 1
