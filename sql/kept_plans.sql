-- Statements kept prepared for the life of a backend (src/pg/spi/kept_plans.hpp:
-- lifecycle writes, events, account lookups and upserts; the cached list of
-- attached tables) stay right when what they were prepared against goes
-- away: the extension dropped and created again in the same session (new
-- tables, a new grade type), and the lead key type changing from bigint to
-- text.  Every round must give the same rows and an empty verify().
SET timezone = 'UTC';

-- Round 1: bigint keys; the plans are made here.
\set key bigint
\i sql/include/kept_plans_round.sql

-- Round 2: the same after DROP and CREATE EXTENSION in this session.
\i sql/include/kept_plans_round.sql

-- Round 3: text keys, which get plans of their own.
\set key text
\i sql/include/kept_plans_round.sql

SET client_min_messages = warning;
DROP SCHEMA kp CASCADE;
DROP EXTENSION leadscore CASCADE;
CREATE EXTENSION leadscore;
