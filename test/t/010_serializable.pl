# SERIALIZABLE writers of different leads: a bounded pgbench run (2
# clients, LEADSCORE_PGBENCH_SECONDS, default 5 s) with
# default_transaction_isolation = serializable, each client writing only
# leads of its own (odd or even), two activity rows per transaction.  Their
# state rows share pages of lead_state and its indexes; scoring must not
# make them fail: no serialization failure, no other error, and verify()
# empty afterwards.  (Before, reads of lead state took predicate locks on
# those pages and a few per cent of these transactions failed.)

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $seconds = $ENV{LEADSCORE_PGBENCH_SECONDS} // 5;
my $leads   = 10000;

my $node = PostgreSQL::Test::Cluster->new('serializable');
$node->init;
$node->append_conf('postgresql.conf', q{
default_transaction_isolation = serializable
});
$node->start;

# Every lead has a state row already, so writers of different leads meet on
# the same index and heap pages.
$node->safe_psql('postgres', qq{
	CREATE EXTENSION leadscore;
	CREATE SCHEMA crm;
	CREATE TABLE crm.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text);
	SELECT leadscore.create_model('m', half_life => '30 days', mql_threshold => 40, sql_threshold => 90);
	SELECT leadscore.add_rule('m', 'view', 2, stage => 'awareness', max_count => 20);
	SELECT leadscore.add_rule('m', 'pricing', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%''');
	SELECT leadscore.add_rule('m', 'demo', 50, stage => 'decision');
	SELECT leadscore.add_rule('m', 'unsub', -40);
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
	INSERT INTO crm.activities (lead_id, kind, at, url)
	SELECT i, 'view', now() - interval '1 day', '/' FROM generate_series(1, $leads) i;
	VACUUM ANALYZE;
});

# Client 0 writes even leads, client 1 odd ones.
my $script = $node->basedir . '/writers.pgbench';
PostgreSQL::Test::Utils::append_to_file($script, qq{
\\set lead 2 * random(1, $leads / 2) - :client_id
\\set k random(1, 4)
\\set r random(1, 100)
BEGIN;
INSERT INTO crm.activities (lead_id, kind, at, url)
VALUES (:lead, (ARRAY['view', 'pricing', 'demo', 'unsub'])[:k], now() - :r * interval '1 minute', '/pricing/' || :r);
INSERT INTO crm.activities (lead_id, kind, at, url)
VALUES (:lead, (ARRAY['pricing', 'view', 'view', 'demo'])[:k], now(), '/blog/' || :r);
COMMIT;
});

my ($out, $err) = ('', '');
my $ok = IPC::Run::run(
	[ 'pgbench', '-n', '-c', '2', '-j', '2', '-T', $seconds, '--failures-detailed', '-f', $script,
		'-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);
my ($done) = $out =~ /number of transactions actually processed: (\d+)/;
my ($failed) = $out =~ /number of failed transactions: (\d+)/;
my ($serialization) = $out =~ /number of serialization failures: (\d+)/;

ok($ok, 'pgbench run succeeds') or diag($out . $err);
cmp_ok($done // 0, '>', 0, 'transactions were processed');
is($serialization, 0, 'no serialization failure between writers of different leads') or diag($out);
is($failed, 0, 'no failed transaction') or diag($out);
is($node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after the run');
note("pgbench, 2 clients, $seconds s: " . ($done // 0) . ' transactions');

$node->stop;
done_testing();
