# A subscriber that crashes in the middle of applying a large replicated
# transaction (issue 12, "Bad input and faults").  The publisher streams a
# transaction of 200,000 inserts (and updates, deletes, contacts, a handoff,
# bad rows) to a subscription with streaming = on; while the apply worker
# applies it (its backend_xid is set and the table has grown), the
# subscriber dies: first the apply worker gets SIGKILL (the postmaster
# restarts every process), then, for a second such transaction, the whole
# server stops with pg_ctl -m immediate.  After each restart the
# subscription resumes from the transaction's BEGIN (the publisher sends it
# again), and then the rows equal the publisher's, leadscore.verify() is
# empty, the scores equal the plain-SQL recompute (test/perl/LeadscoreCheck.pm),
# the handoff is recorded and sent once, and leadscore.stats counts the bad
# rows once: nothing scored twice, nothing lost.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use LeadscoreCheck;

my $started = time();

$PostgreSQL::Test::Cluster::use_tcp     = 1;
$PostgreSQL::Test::Cluster::test_pghost = '127.0.0.1';

my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->append_conf('postgresql.conf', qq{
timezone = 'UTC'
fsync = off
logical_decoding_work_mem = '64kB'
});
$pub->start;

my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
# The framework's clusters stay down after a crash; this one restarts, as
# a production server does.  A worker that died is started again after
# half a second, not five.
$sub->append_conf('postgresql.conf', qq{
timezone = 'UTC'
restart_after_crash = on
wal_retrieve_retry_interval = '500ms'
});
$sub->start;

# The CRM on the publisher (no leadscore there): 600 rows, 100 contacts.
my $crm = crm_tables_sql() . q{
INSERT INTO crm.activities
SELECT g, 'L' || lpad((1 + g % 150)::text, 3, '0'),
	(ARRAY['page_view', 'page_view', 'email_open', 'download', 'webinar', 'unsubscribe'])[1 + g % 6],
	now() - g * interval '3 hours', (ARRAY['/pricing/a', '/whitepaper/w.pdf', '/blog'])[1 + g % 3], g % 90,
	(ARRAY['email', 'web'])[1 + g % 2], 'initial'
FROM generate_series(1, 600) g;
INSERT INTO crm.contacts SELECT 'L' || lpad(g::text, 3, '0'), (ARRAY['acme', 'globex', NULL])[1 + g % 3],
	(ARRAY['Head of IT', 'Student', 'Engineer'])[1 + g % 3] FROM generate_series(1, 100) g;
CREATE PUBLICATION crm_pub FOR TABLE crm.activities, crm.contacts;
};
$pub->safe_psql('postgres', 'CREATE DATABASE crm');
$pub->safe_psql('crm', $crm);

$sub->safe_psql('postgres', 'CREATE DATABASE crm');
$sub->safe_psql('crm', join("\n", crm_tables_sql(), scoring_setup_sql(), attach_sql(), expected_view_sql()));
$sub->safe_psql('crm', "CREATE SUBSCRIPTION s_crash CONNECTION '@{[ $pub->connstr ]} dbname=crm'"
	  . ' PUBLICATION crm_pub WITH (streaming = on)');
{
	local $PostgreSQL::Test::Utils::timeout_default = 30;
	$sub->wait_for_subscription_sync($pub, 's_crash', 'crm');
}
check_consistency($sub, 'crm', 'initial sync');

my $rows_digest = q{SELECT count(*) || ' ' || md5(string_agg(a::text, ',' ORDER BY id)) FROM crm.activities a};

sub stats
{
	return $sub->safe_psql('crm', q{SELECT string_agg(format('%s %s %s', source, rows_skipped, unknown_types), '; '
		ORDER BY source::text) FROM leadscore.stats WHERE source IS NOT NULL});
}

sub streamed_txns
{
	return $pub->safe_psql('postgres', q{SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = 's_crash'});
}

# 200,000 inserts from id $first on, 2,000 of the rows before moved to
# another lead and type, 1,000 deleted, 300 contacts, and lead $hot handed
# to sales by a demo request; every 1,000th row has no lead (skipped),
# every 10th from the seventh on a type no rule names (the rows updated
# and deleted are neither, so each is counted once by leadscore.stats).
# No row changes twice: test/t/012_replication.pl has that case; here
# only the crash is at stake.
sub big_transaction
{
	my ($first, $hot) = @_;
	return qq{
BEGIN;
INSERT INTO crm.activities
SELECT $first + g, CASE WHEN g % 1000 = 0 THEN NULL ELSE 'N' || lpad((g % 5000)::text, 4, '0') END,
	CASE WHEN g % 10 = 7 THEN 'chat'
		ELSE (ARRAY['page_view', 'page_view', 'email_open', 'download', 'webinar', 'unsubscribe'])[1 + g % 6] END,
	now() - (g % 4000) * interval '13 minutes', (ARRAY['/pricing/a', '/whitepaper/w.pdf', '/careers/x', '/blog'])[1 + g % 4],
	g % 90, (ARRAY['email', 'web'])[1 + g % 2], 'big'
FROM generate_series(1, 200000) g;
UPDATE crm.activities SET lead_id = 'L' || lpad((1 + id % 37)::text, 3, '0'), kind = 'page_view'
	WHERE id < $first AND id % 7 = 0 AND lead_id IS NOT NULL AND kind <> 'chat' AND id IN (SELECT id FROM crm.activities WHERE id < $first ORDER BY id DESC LIMIT 14000);
DELETE FROM crm.activities WHERE id < $first AND id % 11 = 5 AND id % 7 <> 0 AND lead_id IS NOT NULL AND kind <> 'chat' AND id IN (SELECT id FROM crm.activities WHERE id < $first ORDER BY id DESC LIMIT 11000);
INSERT INTO crm.contacts SELECT 'N' || lpad(g::text, 4, '0') || '-$first', 'acme', 'Head of IT' FROM generate_series(1, 300) g;
INSERT INTO crm.activities VALUES ($first + 200001, '$hot', 'demo_request', now(), NULL, NULL, NULL, 'handoff');
COMMIT;};
}

# Runs one big transaction on the publisher and, once the subscriber is
# applying it, crashes the subscriber with $crash.
sub crash_while_applying
{
	my ($label, $first, $hot, $crash) = @_;
	my $size0 = $pub->safe_psql('crm', q{SELECT pg_relation_size('crm.activities')});
	my $streamed0 = streamed_txns();
	my $stats0 = stats();
	my $t = time();
	$pub->safe_psql('crm', big_transaction($first, $hot));
	note(sprintf('%s: the publisher ran the transaction in %.2f s', $label, time() - $t));
	my $grown = $pub->safe_psql('crm', q{SELECT pg_relation_size('crm.activities')}) - $size0;
	my $threshold = $sub->safe_psql('crm', q{SELECT pg_relation_size('crm.activities')}) + int($grown * 0.3);

	# The apply worker has an xid (it is writing) and has written a third
	# of the rows (the scoring has flushed batches of them).
	my $state = '';
	$t = time();
	while (time() - $t < 90)
	{
		$state = $sub->safe_psql('crm', qq{
			SELECT CASE WHEN (SELECT count(*) FROM crm.activities WHERE id = $first + 200001) > 0 THEN 'committed'
				WHEN EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'logical replication worker'
					AND backend_xid IS NOT NULL) AND pg_relation_size('crm.activities') >= $threshold THEN 'applying'
				ELSE 'waiting' END});
		last if $state ne 'waiting';
		usleep(20_000);
	}
	is($state, 'applying', "$label: the subscriber is applying the transaction (after @{[ sprintf('%.2f', time() - $t) ]} s)");
	my $pid = $sub->safe_psql('crm', q{SELECT pid FROM pg_stat_subscription WHERE subname = 's_crash' AND relid IS NULL});
	$crash->($pid);

	$t = time();
	ok(wait_until($pub, 'postgres', qq{SELECT '@{[ $pub->lsn('write') ]}' <= replay_lsn
			FROM pg_stat_replication WHERE application_name = 's_crash'}, 120),
		"$label: the subscription resumed and caught up");
	note(sprintf('%s: caught up %.2f s after the crash', $label, time() - $t));
	isnt($sub->safe_psql('crm', q{SELECT pid FROM pg_stat_subscription WHERE subname = 's_crash' AND relid IS NULL}),
		$pid, "$label: in a new apply worker");
	ok(wait_until($pub, 'postgres',
			"SELECT stream_txns >= $streamed0 + 2 FROM pg_stat_replication_slots WHERE slot_name = 's_crash'", 30),
		"$label: the publisher streamed the transaction again (it had not committed on the subscriber)");
	is($sub->safe_psql('crm', $rows_digest), $pub->safe_psql('crm', $rows_digest),
		"$label: the subscriber has the publisher's rows");
	check_consistency($sub, 'crm', $label);
	is($sub->safe_psql('crm', qq{SELECT string_agg(from_value || '->' || to_value || ' notified ' || (notified_at IS NOT NULL), ', ')
		FROM leadscore.events WHERE model = 'core' AND lead_id = '$hot' AND kind = 'status'}),
		'nurture->sql notified true', "$label: $hot handed to sales once, notified");
	my (%s0, %s1);
	$s0{$1} = [ $2, $3 ] while $stats0 =~ /(\S+) (\d+) (\d+)/g;
	my $stats1 = stats();
	$s1{$1} = [ $2, $3 ] while $stats1 =~ /(\S+) (\d+) (\d+)/g;
	is(join(' ', map { $s1{'crm.activities'}[$_] - $s0{'crm.activities'}[$_] } 0, 1), '200 20000',
		"$label: leadscore.stats counts the transaction's 200 rows without a lead and 20,000 of an unknown type once");
}

crash_while_applying('SIGKILL of the apply worker', 1_000_000, 'H001', sub {
	my ($pid) = @_;
	kill 'KILL', $pid;
});
crash_while_applying('pg_ctl -m immediate stop', 2_000_000, 'H002', sub {
	$sub->stop('immediate');
	$sub->start;
});

my @errors = grep { /ERROR:/ } split /\n/, slurp_file($sub->logfile);
is(scalar(@errors), 0, 'no worker failed with an ERROR') or diag(join("\n", @errors[ 0 .. ($#errors < 19 ? $#errors : 19) ]));

$sub->stop;
$pub->stop;
note(sprintf('run time %.1f s', time() - $started));
done_testing();
