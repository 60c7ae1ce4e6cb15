# The lifecycle with real peers: a LISTEN client receives the handoff
# payload when a lead becomes sales-qualified (only when the writer
# commits) and the escalation when tick() expires a handoff (only when the
# tick commits), and pg_cron runs leadscore.tick(), which reports a decay
# crossing that happened while nobody wrote.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
});
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION pg_cron;
	CREATE EXTENSION leadscore;
	CREATE TABLE contacts (id bigint PRIMARY KEY, job_title text);
	CREATE TABLE activities (lead_id bigint, kind text, at timestamptz);
	SELECT leadscore.create_grade_profile('icp');
	SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of');
	-- A one-minute half-life: a 60-point lead falls below MQL (50) 16
	-- seconds after its activity.
	SELECT leadscore.create_model('quick', half_life => '1 minute', grade_profile => 'icp', sql_min_grade => 'B');
	SELECT leadscore.add_rule('quick', 'demo_request', 150);
	SELECT leadscore.add_rule('quick', 'webinar', 60);
	SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'at');
	SELECT leadscore.attach_leads('contacts', 'id');
	-- The epoch is midnight: a one-minute model read more than 960 minutes
	-- later (after 16:00 UTC) saturates until a tick() re-bases it.
	SELECT leadscore.tick();
	INSERT INTO contacts VALUES (1, 'Head of IT'), (2, 'Intern');
});

# ---------------------------------------------------------------------------
# LISTEN: the handoff arrives once the writer commits, never on rollback.
# ---------------------------------------------------------------------------
my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN leadscore');

$node->safe_psql('postgres', q{
	BEGIN;
	INSERT INTO activities VALUES (1, 'demo_request', now());
	ROLLBACK;
});
my $out = $listener->query_safe('SELECT 1');
unlike($out, qr/Asynchronous notification/, 'no notification from a rolled-back handoff');

$node->safe_psql('postgres', q{INSERT INTO activities VALUES (1, 'demo_request', now()), (2, 'demo_request', now())});
$out = $listener->query_safe('SELECT 1');
my @payloads = $out =~ /Asynchronous notification "leadscore" with payload "(.*)" received/g;
is(scalar @payloads, 1, 'one handoff: the intern scores as high but is not sales-ready');
my $payload = $payloads[0] // '';
like($payload, qr/"model" : "quick"/, 'payload names the model');
like($payload, qr/"lead_id" : 1,/, 'payload names the lead, as a JSON number for bigint keys');
like($payload, qr/"from" : "nurture", "to" : "sql"/, 'payload says nurture -> sql');
like($payload, qr/"grade" : "B"/, 'payload carries the grade');
like($payload, qr/"cause" : "activity"/, 'payload carries the cause');
my $event_id = ($payload =~ /"event_id" : (\d+)/)[0] // -1;
is($node->safe_psql('postgres',
		"SELECT to_value || ' ' || (notified_at IS NOT NULL) FROM leadscore.events WHERE id = $event_id"),
	'sql true', 'the payload is the event row, marked as notified');

# A grade change hands a lead over too: the intern is promoted.
$node->safe_psql('postgres', q{UPDATE contacts SET job_title = 'Head of Sales' WHERE id = 2});
$out = $listener->query_safe('SELECT 1');
like($out, qr/"lead_id" : 2, .*"to" : "sql".*"cause" : "lead"/, 'a better grade hands the lead over (cause lead)');

# An escalation: tick() expires lead 1's handoff, past the SLA it is given
# here, and NOTIFYs once, when the tick commits.
$node->safe_psql('postgres', q{
	UPDATE leadscore.handoffs SET due_by = now() - interval '1 minute' WHERE lead_id = 1 AND status = 'open'});
$node->safe_psql('postgres', q{BEGIN; SELECT leadscore.tick(); ROLLBACK;});
$out = $listener->query_safe('SELECT 1');
unlike($out, qr/Asynchronous notification/, 'no escalation from a rolled-back tick()');
$node->safe_psql('postgres', q{SELECT leadscore.tick()});
$out = $listener->query_safe('SELECT 1');
@payloads = $out =~ /Asynchronous notification "leadscore" with payload "(.*)" received/g;
is(scalar @payloads, 1, 'one escalation, for the one handoff past its SLA');
like($payloads[0] // '', qr/"kind" : "escalation", "handoff_id" : \d+, "model" : "quick", "lead_id" : 1,/,
	'the escalation names the handoff, the model and the lead');
is($node->safe_psql('postgres', q{SELECT status FROM leadscore.handoffs WHERE lead_id = 1}), 'expired',
	'the handoff is expired');
$listener->quit;

# ---------------------------------------------------------------------------
# pg_cron runs tick(): a crossing by decay alone is reported.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{INSERT INTO activities VALUES (3, 'webinar', now())});
is($node->safe_psql('postgres', q{SELECT status FROM leadscore.lead_state WHERE lead_id = 3}),
	'mql', 'lead 3 is an MQL when its webinar is recorded');
$node->safe_psql('postgres',
	q{SELECT cron.schedule('leadscore-tick', '* * * * *', 'SELECT leadscore.tick()')});

# pg_cron runs jobs at the start of each minute: allow two of them.
my $reported = $node->poll_query_until('postgres', q{
	SELECT count(*) > 0 FROM leadscore.events
	WHERE lead_id = 3 AND kind = 'status' AND from_value = 'mql' AND to_value = 'nurture' AND cause = 'decay'
});
ok($reported, 'the scheduled tick reported the decay of lead 3');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM cron.job_run_details WHERE command = 'SELECT leadscore.tick()' AND status = 'succeeded'}) > 0
	? 1 : 0, 1, 'pg_cron recorded a successful run of tick()');
is($node->safe_psql('postgres', q{SELECT status FROM leadscore.lead_state WHERE lead_id = 3}),
	'nurture', 'the record says nurture');
is($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.verify()}), '0', 'verify() is empty');

$node->stop;
done_testing();
