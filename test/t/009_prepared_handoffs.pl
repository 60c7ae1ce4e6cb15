# Handoffs in prepared transactions (XA transaction managers and every
# two-phase-commit coordinator PREPARE): a CRM writer's transaction that
# hands a lead to sales can be prepared (before 0.3 the trigger's NOTIFY
# made PREPARE TRANSACTION fail, and the write was lost); it sends nothing
# at PREPARE, leaves its handoffs unsent, and tick() relays them, leads' and
# accounts', once COMMIT PREPARED has made them visible, in the payload
# mode set; never those of a rolled-back savepoint or a ROLLBACK PREPARED.
# What a role without rights hears with each payload mode.  The payload
# mode survives pg_dump / pg_restore.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('prepared');
$node->init;
$node->append_conf('postgresql.conf', 'max_prepared_transactions = 5');
$node->start;

# One demo request (150 points, no decay) hands a lead to sales; leads 1
# and 2 work at acme, which turns hot with the first of them.  The CRM
# writer may write its tables and nothing of leadscore's.
$node->safe_psql('postgres', q{
	CREATE EXTENSION leadscore;
	CREATE ROLE crm_writer;
	CREATE SCHEMA crm;
	CREATE TABLE crm.contacts (id bigint PRIMARY KEY, company text);
	CREATE TABLE crm.activities (lead_id bigint, kind text, at timestamptz);
	GRANT USAGE ON SCHEMA crm TO crm_writer;
	GRANT SELECT, INSERT ON crm.contacts, crm.activities TO crm_writer;
	SELECT leadscore.create_model('m', half_life => NULL, account_threshold => 80);
	SELECT leadscore.add_rule('m', 'demo', 150);
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
	SELECT leadscore.attach_leads('crm.contacts', 'id', account_column => 'company');
	INSERT INTO crm.contacts VALUES (1, 'acme'), (2, 'acme');
});

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN leadscore');

sub received
{
	my $out = $listener->query_safe('SELECT 1');
	return [ $out =~ /Asynchronous notification "leadscore" with payload "(.*)" received/g ];
}

sub prepare
{
	my ($name, $statements) = @_;
	return $node->psql('postgres', "BEGIN; SET LOCAL ROLE crm_writer; $statements PREPARE TRANSACTION '$name';");
}

sub unsent
{
	return $node->safe_psql('postgres', q{
		SELECT string_agg(x, ' ' ORDER BY x) FROM (
			SELECT 'lead ' || lead_id AS x FROM leadscore.events WHERE to_value = 'sql' AND notified_at IS NULL
			UNION ALL
			SELECT 'account ' || account_id FROM leadscore.account_events WHERE to_value = 'hot' AND notified_at IS NULL) u
	});
}

# ---------------------------------------------------------------------------
# PREPARE works, sends nothing; tick() relays after COMMIT PREPARED.
# ---------------------------------------------------------------------------
is(prepare('p1', q{INSERT INTO crm.activities VALUES (1, 'demo', now());}), 0,
	'a handoff (lead and account) in a transaction the CRM writer prepares');
is($node->safe_psql('postgres', q{SELECT gid FROM pg_prepared_xacts}), 'p1', 'the transaction is prepared');
is(scalar @{ received() }, 0, 'PREPARE sends nothing');
$node->safe_psql('postgres', q{COMMIT PREPARED 'p1'});
is(scalar @{ received() }, 0, 'COMMIT PREPARED sends nothing either');
is(unsent(), 'account acme lead 1', 'the committed handoffs are unsent');

$node->safe_psql('postgres', q{SELECT leadscore.tick()});
my $payloads = received();
is(scalar @$payloads, 2, 'tick() relays both');
like($payloads->[0] // '', qr/"lead_id" : 1, "kind" : "status", "from" : "nurture", "to" : "sql"/,
	'the lead, in the full payload');
like($payloads->[1] // '', qr/"kind" : "account", "model" : "m", "account_id" : "acme", .*"to" : "hot"/,
	'the account, in the full payload');
is(unsent(), '', 'marked as sent');
$node->safe_psql('postgres', q{SELECT leadscore.tick()});
is(scalar @{ received() }, 0, 'a second tick() sends nothing again');

# ---------------------------------------------------------------------------
# What is rolled back is never sent.
# ---------------------------------------------------------------------------
is(prepare('p2', q{INSERT INTO crm.activities VALUES (3, 'demo', now());}), 0, 'lead 3 prepared');
$node->safe_psql('postgres', q{ROLLBACK PREPARED 'p2'});
is(prepare('p3', q{INSERT INTO crm.activities VALUES (4, 'demo', now()); SAVEPOINT s;
	INSERT INTO crm.activities VALUES (5, 'demo', now()); ROLLBACK TO SAVEPOINT s;}), 0,
	'lead 4 prepared, lead 5 rolled back to a savepoint');
$node->safe_psql('postgres', q{COMMIT PREPARED 'p3'; SELECT leadscore.tick();});
$payloads = received();
is(scalar @$payloads, 1, 'one handoff relayed');
like($payloads->[0] // '', qr/"lead_id" : 4,/, 'lead 4, neither 3 nor 5');

# ---------------------------------------------------------------------------
# PREPARE marks the handoffs unsent as the extension's owner, with its own
# search_path: an operator the writer put first on its path never runs.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE SCHEMA evil AUTHORIZATION crm_writer;
	SET ROLE crm_writer;
	CREATE FUNCTION evil.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
		$$BEGIN RAISE EXCEPTION 'evil operator ran as %', current_user; END$$;
	CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq);
});
is(prepare('p_evil', q{SET LOCAL search_path = evil, pg_catalog; INSERT INTO crm.activities VALUES (8, 'demo', now());}),
	0, 'a writer with its own = first on its search_path prepares');
$node->safe_psql('postgres', q{COMMIT PREPARED 'p_evil'});
is(unsent(), 'lead 8', 'lead 8 is unsent, marked without the writer\'s operator');
$node->safe_psql('postgres', q{SELECT leadscore.tick()});
is(scalar @{ received() }, 1, 'and relayed');

# ---------------------------------------------------------------------------
# The id payload; a tick() that is itself prepared relays nothing until the
# next one.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{SELECT leadscore.set_notify('trigger', 'id')});
is(prepare('p4', q{INSERT INTO crm.activities VALUES (6, 'demo', now());}), 0, 'lead 6 prepared');
$node->safe_psql('postgres', q{COMMIT PREPARED 'p4'});
my $id = $node->safe_psql('postgres', q{SELECT id FROM leadscore.events WHERE lead_id = 6 AND to_value = 'sql'});
is($node->psql('postgres', q{BEGIN; SELECT leadscore.tick(); PREPARE TRANSACTION 'p5';}), 0, 'a tick() prepared');
is(scalar @{ received() }, 0, 'the prepared tick() sends nothing');
$node->safe_psql('postgres', q{COMMIT PREPARED 'p5'});
is(unsent(), 'lead 6', 'lead 6 is still unsent');
$node->safe_psql('postgres', q{SELECT leadscore.tick()});
is_deeply(received(), [qq({"event_id" : $id, "kind" : "status"})], 'the next tick() sends its id payload');

# A transaction that commits sends at once, in the payload mode set.
$node->safe_psql('postgres', q{SET ROLE crm_writer; INSERT INTO crm.activities VALUES (7, 'demo', now());});
$payloads = received();
like($payloads->[0] // '', qr/^\{"event_id" : \d+, "kind" : "status"\}$/, 'a committed handoff: at once, its id');
is($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.verify()}), '0', 'verify() is empty');
$listener->quit;

# ---------------------------------------------------------------------------
# What a role that may read nothing of leadscore's hears: any role may
# LISTEN on any channel.  The full payload tells it the lead and score; the
# id payload only that a handoff happened.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', q{
	CREATE ROLE nosy LOGIN;
	REVOKE SELECT ON ALL TABLES IN SCHEMA leadscore FROM PUBLIC;
});
my $nosy = $node->background_psql('postgres', extra_params => [ '-U', 'nosy' ]);
$nosy->query_safe('LISTEN leadscore');
$node->safe_psql('postgres', q{SELECT leadscore.set_notify('trigger', 'full');
	INSERT INTO crm.activities VALUES (9, 'demo', now());});
like($nosy->query_safe('SELECT 1'), qr/"lead_id" : 9, .*"score" : 150/, 'the full payload reaches a role without rights');
$node->safe_psql('postgres', q{SELECT leadscore.set_notify('trigger', 'id');
	INSERT INTO crm.activities VALUES (10, 'demo', now());});
my $heard = $nosy->query_safe('SELECT 1');
my ($nosy_id) = $heard =~ /payload "\{"event_id" : (\d+), "kind" : "status"\}"/;
ok(defined $nosy_id && $heard !~ /lead_id/, 'the id payload tells it no lead') or diag($heard);
my ($ret, $out, $err) = $node->psql('postgres', "SELECT lead_id FROM leadscore.events WHERE id = " . ($nosy_id // 0),
	extra_params => [ '-U', 'nosy' ]);
like($err, qr/permission denied for table events/, 'and it may not read the event');
$nosy->quit;

# ---------------------------------------------------------------------------
# The payload mode survives pg_dump / pg_restore.
# ---------------------------------------------------------------------------
my $dump = $node->basedir . '/prepared.dump';
command_ok([ 'pg_dump', '-Fc', '-h', $node->host, '-p', $node->port, '-f', $dump, 'postgres' ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my ($stdout, $stderr) = ('', '');
my $restored = IPC::Run::run([ 'pg_restore', '-h', $node->host, '-p', $node->port, '-d', 'restored', $dump ],
	'>', \$stdout, '2>', \$stderr);
ok($restored && $stderr eq '', 'pg_restore reports no error') or diag($stderr);
is($node->safe_psql('restored', q{SELECT notify || ' ' || notify_payload FROM leadscore.settings}), 'trigger id',
	'the notify mode and payload come back');

$node->stop;
done_testing();
