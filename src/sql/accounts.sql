-- Accounts (src/core/lead/account_score.hpp): which account each lead belongs to,
-- per-account state and account events, and the rebuild of lead_accounts
-- that rescore() runs.  State tables like state_tables.sql's, of a concern of
-- their own; before scores.sql, whose account_scores view reads them.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

-- Which account a lead belongs to: from the attached lead table's account
-- column (source 'leads'), else the first account an activity row of the
-- lead named (source 'activities': it sticks, as the triggers saw it
-- first).  account_id is retyped by the first account column attached;
-- lead_id with lead_state's.
CREATE TABLE leadscore.lead_accounts (
	lead_id bigint PRIMARY KEY,
	account_id text NOT NULL,
	source text NOT NULL DEFAULT 'activities' CHECK (source IN ('leads', 'activities'))
);
CREATE INDEX lead_accounts_account ON leadscore.lead_accounts (account_id, lead_id);

-- Per (model, account): sqrt(R) * sum(sqrt(lead stored)), an epoch-relative
-- sum with twice the model's half-life (ORDER BY stored = ORDER BY score),
-- the same per stage, the leads with matching activity, and the status as
-- last reported.
CREATE TABLE leadscore.account_state (
	model_id integer NOT NULL,
	account_id text NOT NULL,
	stored float8 NOT NULL,
	stage_stored float8[] NOT NULL,
	members bigint NOT NULL,
	status text NOT NULL DEFAULT 'cold',
	hot_at timestamptz,
	checked_at timestamptz,
	PRIMARY KEY (model_id, account_id)
);
CREATE INDEX account_state_model_stored ON leadscore.account_state (model_id, stored);
-- tick(): hot accounts whose score decayed below the threshold.
CREATE INDEX account_state_hot ON leadscore.account_state (model_id, stored) WHERE status = 'hot';

CREATE TABLE leadscore.account_events (
	id bigserial PRIMARY KEY,
	model text NOT NULL,
	account_id text NOT NULL,
	from_value text NOT NULL,
	to_value text NOT NULL,
	score float8 NOT NULL,
	engaged_leads bigint NOT NULL,
	at timestamptz NOT NULL,
	cause text NOT NULL CHECK (cause IN ('activity', 'lead', 'decay', 'rescore', 'adjustment', 'reset')),
	notified_at timestamptz
);
CREATE INDEX account_events_account ON leadscore.account_events (model, account_id, at);
-- tick() relays hot accounts' handoffs left unsent, never rescore()'s (as
-- events_unsent, state_tables.sql).
CREATE INDEX account_events_unsent ON leadscore.account_events (id)
	WHERE notified_at IS NULL AND to_value = 'hot' AND cause <> 'rescore';

-- pg_dump keeps them, as it keeps lead state and events (state_tables.sql):
-- their status as last reported, their events, and which lead belongs to
-- which account (an account taken from activity rows sticks, and a rebuild
-- could pick another).  account_events and account_state come back before
-- the attachments and the settings (pg_restore loads data in name order),
-- with their keys as text: fixing the account key type converts them.
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_events', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_accounts', '');

-- Which account each lead belongs to: the lead tables' account columns
-- from scratch; then, for leads they leave out and that have none yet, the
-- account of the lead's earliest activity row that names one.  Accounts
-- taken from activity rows stick (the triggers keep the first one seen; a
-- rebuild cannot know the order rows arrived in).
CREATE FUNCTION leadscore._rebuild_lead_accounts() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	a record;
	lead_type regtype := (SELECT s.lead_key_type FROM leadscore.settings s);
	account_type regtype := (SELECT s.account_key_type FROM leadscore.settings s);
BEGIN
	DELETE FROM leadscore.lead_accounts WHERE source = 'leads';
	FOR a IN SELECT * FROM leadscore.attachments WHERE account_column IS NOT NULL
		ORDER BY kind = 'activities', tbl::oid LOOP
		IF a.kind = 'leads' THEN
			-- Keys over 1 kB are bad data (src/pg/boundary/lead_key.hpp).
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id, source)'
				' SELECT r.l, r.a, ''leads'' FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s)'
				' ON CONFLICT (lead_id) DO UPDATE SET account_id = excluded.account_id, source = ''leads''',
				lead_type, account_type)
			USING a.tbl, format('SELECT t.%I::%s, t.%I::%s FROM %s t WHERE octet_length(t.%I::text) <= 1024'
				' AND octet_length(t.%I::text) <= 1024',
				a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column, a.account_column);
		ELSE
			EXECUTE format('INSERT INTO leadscore.lead_accounts (lead_id, account_id)'
				' SELECT r.l, r.a FROM leadscore._read_as_owner($1, $2) AS r(l %s, a %s) ON CONFLICT DO NOTHING',
				lead_type, account_type)
			USING a.tbl, format('SELECT DISTINCT ON (t.%I) t.%I::%s, t.%I::%s FROM %s t'
				' WHERE octet_length(t.%I::text) <= 1024 AND octet_length(t.%I::text) <= 1024 ORDER BY t.%I, t.%I',
				a.lead_column, a.lead_column, lead_type, a.account_column, account_type, a.tbl, a.lead_column,
				a.account_column, a.lead_column, a.time_column);
		END IF;
	END LOOP;
END $$;
