# Load: a bounded pgbench run (2 clients; activity inserts, updates and
# deletes, lead inserts and updates) against an attached CRM schema while
# a third session runs tick() in a loop and a fourth a rescore() in the
# middle of it.  It must end with no client error (no deadlock: the server
# log has none either), verify() empty and unbroken event chains.
#
# The same run against an identical schema that leadscore is not attached
# to gives the baseline; the throughput ratio is printed as a benchmark
# figure, never asserted (bench/ has the benchmarks proper).
#
# LEADSCORE_PGBENCH_SECONDS (default 8) sets each run's length:
# test/long/pgbench_soak.sh runs it for minutes.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $seconds = $ENV{LEADSCORE_PGBENCH_SECONDS} // 8;
my $leads   = 2000;

my $node = PostgreSQL::Test::Cluster->new('load');
$node->init;
$node->append_conf('postgresql.conf', q{
deadlock_timeout = 100ms
log_lock_waits = on
});
$node->start;

# Two identical CRM schemas; only crm_scored is attached.
my $schema_sql = '';
for my $s ('crm_plain', 'crm_scored')
{
	$schema_sql .= qq{
		CREATE SCHEMA $s;
		CREATE TABLE $s.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text);
		CREATE TABLE $s.contacts (id bigint PRIMARY KEY, job_title text);
		INSERT INTO $s.contacts SELECT i, CASE WHEN i % 4 = 0 THEN 'Head of IT' ELSE 'Engineer' END
		FROM generate_series(1, $leads) i;
		INSERT INTO $s.activities (lead_id, kind, at, url)
		SELECT 1 + i % $leads, (ARRAY['demo', 'view', 'blog', 'unsub', 'other'])[1 + i % 5],
			now() - (i % 3000) * interval '1 minute', CASE WHEN i % 3 = 0 THEN '/pricing/' ELSE '/blog/' END || i
		FROM generate_series(1, 20000) i;
	};
}
$node->safe_psql('postgres', qq{
	CREATE EXTENSION leadscore;
	$schema_sql
	SELECT leadscore.create_grade_profile('icp');
	SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of');
	SELECT leadscore.create_model('fast', half_life => '10 minutes', mql_threshold => 30, sql_threshold => 60,
		grade_profile => 'icp', sql_min_grade => 'C');
	SELECT leadscore.create_model('slow', half_life => '30 days', mql_threshold => 50, sql_threshold => 100);
	SELECT leadscore.add_rule('fast', 'demo', 40, stage => 'decision', max_count => 2);
	SELECT leadscore.add_rule('fast', 'view', 10, stage => 'consideration', condition => 'url LIKE ''/pricing%''');
	SELECT leadscore.add_rule('fast', 'blog', 5, stage => 'awareness', max_count => 3);
	SELECT leadscore.add_rule('slow', 'demo', 30, max_count => 3);
	SELECT leadscore.add_rule('slow', 'view', 4);
	SELECT leadscore.add_rule('slow', 'unsub', -20);
	SELECT leadscore.attach_activities('crm_scored.activities', 'lead_id', 'kind', 'at');
	SELECT leadscore.attach_leads('crm_scored.contacts', 'id');
	VACUUM ANALYZE;
});

# One pgbench transaction: mostly new activity rows, some changed or
# deleted, some lead rows changed or added.
sub script
{
	my ($s) = @_;
	return qq{
\\set lead random(1, $leads)
\\set r random(1, 100)
\\if :r <= 55
INSERT INTO $s.activities (lead_id, kind, at, url)
VALUES (:lead, (ARRAY['demo', 'view', 'blog', 'unsub', 'other'])[1 + :r % 5], now() - :r * interval '1 minute',
	CASE WHEN :r % 2 = 0 THEN '/pricing/' ELSE '/blog/' END || :r);
\\elif :r <= 75
UPDATE $s.activities SET kind = (ARRAY['demo', 'view', 'blog'])[1 + :r % 3], at = now()
WHERE id = (SELECT max(id) FROM $s.activities) - :r * 7;
\\elif :r <= 88
DELETE FROM $s.activities WHERE id = (SELECT max(id) FROM $s.activities) - :r * 11;
\\elif :r <= 95
UPDATE $s.contacts SET job_title = CASE WHEN :r % 2 = 0 THEN 'Head of Sales' ELSE 'Intern' END WHERE id = :lead;
\\else
INSERT INTO $s.contacts VALUES ($leads + :lead * 100 + :r, 'Head of IT')
ON CONFLICT (id) DO UPDATE SET job_title = 'Engineer';
\\endif
};
}

sub pgbench
{
	my ($s) = @_;
	my $file = $node->basedir . "/$s.pgbench";
	PostgreSQL::Test::Utils::append_to_file($file, script($s)) unless -e $file;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[ 'pgbench', '-n', '-c', '2', '-j', '2', '-T', $seconds, '-f', $file,
			'-h', $node->host, '-p', $node->port, 'postgres' ],
		'>', \$out, '2>', \$err);
	my ($tps) = $out =~ /tps = ([\d.]+) \(without initial connection time\)/;
	my ($done) = $out =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $out =~ /number of failed transactions: (\d+)/;
	return { ok => $ok, tps => $tps // 0, done => $done // 0, failed => $failed // 0, err => $err, out => $out };
}

# The baseline: the same transactions, nothing attached.
my $plain = pgbench('crm_plain');
ok($plain->{ok}, 'baseline pgbench run succeeds') or diag($plain->{out} . $plain->{err});

# The scored run alone (what the triggers cost), then with tick() in a
# loop and a rescore() halfway (rescore() blocks writers while it runs).
# Meanwhile verify() runs again and again under READ COMMITTED: it reads
# with one snapshot, so rows committed while it runs are no difference.
my @verifier = ('\\pset tuples_only on');
push @verifier, q{SELECT 'verify ' || count(*) FROM leadscore.verify();}, 'SELECT pg_sleep(0.2);' for 1 .. $seconds * 2;
PostgreSQL::Test::Utils::append_to_file($node->basedir . '/verifier.sql', join("\n", @verifier) . "\n");
my ($verify_out, $verify_err) = ('', '');
my $verifier = IPC::Run::start(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-f', $node->basedir . '/verifier.sql' ],
	'>', \$verify_out, '2>', \$verify_err);
my $alone = pgbench('crm_scored');
ok($alone->{ok}, 'scored pgbench run succeeds') or diag($alone->{out} . $alone->{err});
$verifier->finish;
my @verified = $verify_out =~ /verify (\d+)/g;
cmp_ok(scalar @verified, '>', 0, 'verify() ran during the load') or diag($verify_err);
is(join(',', grep { $_ != 0 } @verified), '', 'and reported no difference while writers committed');

my @ticker = ('\\o /dev/null');
push @ticker, 'SELECT leadscore.tick();', 'SELECT pg_sleep(0.05);' for 1 .. int($seconds * 15);
PostgreSQL::Test::Utils::append_to_file($node->basedir . '/ticker.sql', join("\n", @ticker) . "\n");
my ($tick_out, $tick_err, $rescore_out, $rescore_err) = ('', '', '', '');
my $ticker = IPC::Run::start(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-f', $node->basedir . '/ticker.sql' ],
	'>', \$tick_out, '2>', \$tick_err);
my $rescorer = IPC::Run::start(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
		'-c', sprintf('SELECT pg_sleep(%.1f)', $seconds / 2), '-c', 'SELECT leadscore.rescore()' ],
	'>', \$rescore_out, '2>', \$rescore_err);
my $scored = pgbench('crm_scored');
my $rescore_ok = $rescorer->finish;
$ticker->kill_kill;

ok($scored->{ok}, 'scored pgbench run succeeds: no client error, no deadlock')
  or diag($scored->{out} . $scored->{err});
is($scored->{failed}, 0, 'no failed transactions');
ok($rescore_ok, 'rescore() during the run succeeds') or diag($rescore_err);
unlike($tick_err, qr/ERROR/, 'tick() during the run never fails');
ok(!$node->log_contains('deadlock detected'), 'no deadlock in the server log');

is($node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after the load');
is($node->safe_psql('postgres', q{
	WITH e AS (
		SELECT from_value, to_value, kind, lag(to_value) OVER w AS previous, row_number() OVER w AS n
		FROM leadscore.events WINDOW w AS (PARTITION BY model, lead_id, kind ORDER BY id))
	SELECT count(*) FROM e
	WHERE from_value IS NOT DISTINCT FROM to_value
		OR (n = 1 AND from_value IS DISTINCT FROM CASE WHEN kind = 'status' THEN 'nurture' END)
		OR (n > 1 AND from_value IS DISTINCT FROM previous)}),
	'0', 'every event continues its lead\'s chain');
$node->safe_psql('postgres', 'SELECT leadscore.tick()');
is($node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'and after one more tick()');

note(sprintf('pgbench, 2 clients, %d s per run: %.0f tps without leadscore (%d transactions);'
	  . ' %.0f tps scored (%d, ratio %.2f); %.0f tps scored with tick() looping and one rescore() (%d, ratio %.2f)',
	$seconds, $plain->{tps}, $plain->{done}, $alone->{tps}, $alone->{done},
	$plain->{tps} > 0 ? $alone->{tps} / $plain->{tps} : 0, $scored->{tps}, $scored->{done},
	$plain->{tps} > 0 ? $scored->{tps} / $plain->{tps} : 0));
my $events = $node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.events');
note("events recorded: $events");

$node->stop;
done_testing();
