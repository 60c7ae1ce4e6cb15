# A big COPY into an attached table, cancelled or timed out in the middle:
# the statement rolls back as a whole and leadscore's state stays what it
# was (activity rows, lead state, events, ingest log; verify() empty), and
# the same session then scores its next COPY correctly.
#
#   A. pg_cancel_backend() while COPY FROM STDIN is still reading rows;
#   B. statement_timeout while the trigger waits for a lead's state row
#      (another session holds it), then a successful COPY in that session;
#      (a deterministic place inside the trigger: where the cancel lands
#      when nobody blocks is a matter of timing, which D sweeps)
#   C. pg_cancel_backend() at the same point;
#   D. statement_timeout from 30 ms to 3 s on a COPY nobody blocks: it
#      fires wherever the COPY is (reading, scoring, writing state), and
#      each run either rolls back completely or completes.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('cancel');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION leadscore;
	CREATE SCHEMA crm;
	CREATE TABLE crm.activities (id bigserial PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text);
	SELECT leadscore.create_model('crm', half_life => '30 days');
	SELECT leadscore.create_model('flat', half_life => NULL);
	SELECT leadscore.add_rule('crm', 'demo', 70, stage => 'decision', max_count => 2);
	SELECT leadscore.add_rule('crm', 'view', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%''');
	SELECT leadscore.add_rule('flat', 'view', 5, max_count => 10);
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
	INSERT INTO crm.activities (lead_id, kind, at, url)
	SELECT 1 + i % 500, CASE WHEN i % 4 = 0 THEN 'demo' ELSE 'view' END, now() - i * interval '1 minute', '/pricing/' || i
	FROM generate_series(1, 5000) i;
});

# 100,000 rows for 2,000 leads, as a file the server reads and as COPY input.
my $rows = 100_000;
my $file = $node->basedir . '/big.tsv';
my @lines = map {
	join("\t", 1 + $_ % 2000, ($_ % 3 ? 'view' : 'demo'), '2026-01-01 00:00:00+00', '/pricing/' . $_)
} 1 .. $rows;
PostgreSQL::Test::Utils::append_to_file($file, join("\n", @lines) . "\n");
my $copy_file = "COPY crm.activities (lead_id, kind, at, url) FROM '$file'";

sub state
{
	return $node->safe_psql('postgres', q{
		SELECT (SELECT count(*) FROM crm.activities) || ' '
			|| (SELECT md5(string_agg(s::text, ',' ORDER BY model_id, lead_id)) FROM leadscore.lead_state s) || ' '
			|| (SELECT count(*) FROM leadscore.events) || ' ' || (SELECT count(*) FROM leadscore.ingest_log)});
}

sub verify_empty { return $node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()') eq '0'; }

# A psql session fed through $in; pumping it dies after the default
# timeout (180 s) instead of hanging the test.
sub psql_start
{
	my ($in, $out, $err, @args) = @_;
	return IPC::Run::start(
		[ 'psql', '-X', '-v', 'VERBOSITY=verbose', '-h', $node->host, '-p', $node->port, '-d', 'postgres', @args ],
		'<', $in, '>', $out, '2>', $err, IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
}

sub wait_for_backend
{
	my ($condition) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'COPY crm.%' AND $condition")
	  or die "no COPY backend with $condition";
	return $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY crm.%'");
}

# ---------------------------------------------------------------------------
# A. Cancelled while reading rows from the client.
# ---------------------------------------------------------------------------
my $before = state();
{
	my ($in, $out, $err) = ('', '', '');
	my $h = psql_start(\$in, \$out, \$err, '-c', 'COPY crm.activities (lead_id, kind, at, url) FROM STDIN');
	$in = join("\n", @lines[ 0 .. $rows / 2 ]) . "\n";
	$h->pump while length $in;
	my $pid = wait_for_backend(q{wait_event = 'ClientRead'});
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	$in = join("\n", @lines[ $rows / 2 + 1 .. $#lines ]) . "\n\\.\n";
	$h->finish;
	like($err, qr/57014.*canceling statement due to user request/s, 'A: COPY FROM STDIN cancelled while reading');
}
is(state(), $before, 'A: rows, lead state, events and ingest log are as before');
ok(verify_empty(), 'A: verify() is empty');

# ---------------------------------------------------------------------------
# B and C. Timed out or cancelled inside the trigger, which waits for a
# lead's state row that another session holds until told to let go.
# ---------------------------------------------------------------------------
my $small = $node->basedir . '/small.tsv';
PostgreSQL::Test::Utils::append_to_file($small, join("\n", @lines[ 0 .. 9999 ]) . "\n");
my $copy_small = "COPY crm.activities (lead_id, kind, at, url) FROM '$small'";
for my $how ('statement_timeout', 'pg_cancel_backend')
{
	my $label = $how eq 'statement_timeout' ? 'B' : 'C';
	my ($lin, $lout, $lerr) = ("BEGIN;\nSELECT 'held ' || lead_id FROM leadscore.lead_state WHERE lead_id = 7 FOR UPDATE;\n",
		'', '');
	my $holder = psql_start(\$lin, \$lout, \$lerr, '-f', '-');
	$holder->pump until $lout =~ /held 7/;
	$before = state();
	# The same session then copies again, once the holder lets go.
	my ($in, $out, $err) = (($how eq 'statement_timeout' ? "SET statement_timeout = '3s';\n" : '')
		  . "$copy_small;\nRESET statement_timeout;\n\\echo second\n$copy_small;\n"
		  . "SELECT 'verify ' || count(*) FROM leadscore.verify();\n", '', '');
	my $h = psql_start(\$in, \$out, \$err, '-f', '-');
	$h->pump while length $in;
	if ($how eq 'pg_cancel_backend')
	{
		my $pid = wait_for_backend(q{wait_event_type = 'Lock'});
		$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	}
	$h->pump until $out =~ /second/;
	like($err, qr/57014.*canceling statement due to (statement timeout|user request)/s,
		"$label: the COPY is stopped by $how");
	like($err, qr/CONTEXT:.*leadscore\.lead_state/s, "$label: inside leadscore's trigger, at the lead state");
	# (The second COPY now waits for the holder, uncommitted: a stable view.)
	wait_for_backend(q{wait_event_type = 'Lock'});
	is(state(), $before, "$label: rows, lead state, events and ingest log are as before");
	ok(verify_empty(), "$label: verify() is empty");
	$lin = "ROLLBACK;\n\\q\n";
	$holder->finish;
	$h->pump until $out =~ /verify \d+/;
	$h->finish;
	like($out, qr/verify 0/, "$label: the same session's next COPY scores correctly (verify() empty)");
	my ($count) = split / /, state();
	my ($was) = split / /, $before;
	is($count, $was + 10000, "$label: and all its rows are there");
}

# ---------------------------------------------------------------------------
# D. Timeouts wherever they fall.
# ---------------------------------------------------------------------------
my %outcomes = (rolled_back => 0, completed => 0, while_reading => 0, while_scoring => 0);
for my $ms (30, 80, 150, 250, 400, 600, 900, 1300, 2000, 3000)
{
	$before = state();
	my ($ret, $stdout, $stderr) = $node->psql('postgres', "SET statement_timeout = '${ms}ms'; $copy_file");
	my $after = state();
	if ($ret == 0)
	{
		my ($count) = split / /, $after;
		my ($was) = split / /, $before;
		is($count, $was + $rows, "D ${ms} ms: completed with every row");
		$outcomes{completed}++;
	}
	else
	{
		like($stderr, qr/canceling statement due to statement timeout/, "D ${ms} ms: timed out");
		is($after, $before, "D ${ms} ms: and rolled back completely");
		$outcomes{rolled_back}++;
		# Where it landed: reading a line of the COPY, or after (scoring).
		$outcomes{$stderr =~ /CONTEXT:\s+COPY activities, line/ ? 'while_reading' : 'while_scoring'}++;
	}
	ok(verify_empty(), "D ${ms} ms: verify() is empty");
}
note("D: $outcomes{rolled_back} timed out and rolled back ($outcomes{while_reading} while reading rows,"
	  . " $outcomes{while_scoring} after), $outcomes{completed} completed");
cmp_ok($outcomes{rolled_back}, '>', 0, 'D: some timeouts fired');

$node->stop;
done_testing();
