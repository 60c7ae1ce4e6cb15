# Rows that logical replication applies are scored like local writes
# (issue 12).  A publisher cluster holds the CRM (crm.activities,
# crm.contacts; leadscore scores it there too, as the reference for events)
# and publishes both tables; a subscriber cluster subscribes four times,
# each database as a user would set it up, with nothing beyond
# attach_activities / attach_leads:
#
#   plain  attached before CREATE SUBSCRIPTION (the initial table sync is
#          scored), streaming = on (large transactions are streamed), written
#          locally too, listening for handoffs;
#   after  subscribed first (synced unscored), attached afterwards;
#   parts  crm.activities partitioned by id on the subscriber (plain on the
#          publisher), one partition created after the attachment;
#   tpc    two_phase = true: a PREPARE on the publisher prepares on the
#          subscriber.
#
# After each step every database passes LeadscoreCheck::check_consistency
# (test/perl/LeadscoreCheck.pm): verify() empty, scores equal to a plain-SQL
# recompute over the subscriber's own rows, grades, and lifecycle events
# chained once per transition.  Steps: the initial sync; streamed INSERT,
# UPDATE (rows moved to another lead, their type changed), DELETE as
# single statements (the events then equal the publisher's) and in
# transactions of several changes to both tables (savepoints rolled back,
# transactions rolled back); capped rules whose window changes; PREPARE /
# COMMIT PREPARED / ROLLBACK PREPARED; local writes on the subscriber; bad
# rows (counted in leadscore.stats as on the publisher, the apply goes on);
# TRUNCATE; a transaction of more than 100,000 changes, streamed.  At the
# end the apply workers still run and the subscriber's log has no worker
# error.

use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use LeadscoreCheck;

srand($ENV{LEADSCORE_TEST_SEED} // 12);
my $started = time();

$PostgreSQL::Test::Cluster::use_tcp     = 1;
$PostgreSQL::Test::Cluster::test_pghost = '127.0.0.1';

use constant DAY  => 86_400_000_000;    # microseconds
use constant HOUR => 3_600_000_000;

# ---------------------------------------------------------------------------
# Random CRM rows (a smaller cousin of test/t/011_loaders.pl's)
# ---------------------------------------------------------------------------

use constant LEADS => 150;
use constant HOT   => 12;               # leads 1..HOT fill their capped pricing rule

my $T0;
my @fixed_times;
my $next_id = 1;                        # the publisher's next activity id

sub pick { return $_[ int(rand(@_)) ]; }

sub lead_key
{
	my ($n) = @_;
	return undef unless defined $n;
	return q{acme, "seven's"} if $n == 7;
	return sprintf('L%03d', $n);
}

sub rand_lead
{
	my $r = rand();
	return undef if $r < 0.01;
	return 1 + int(rand(HOT)) if $r < 0.3;
	return 1 + int(rand(LEADS));
}

sub ts_text
{
	my ($us) = @_;
	my $s = int($us / 1_000_000);
	my @t = gmtime($s);
	return sprintf('%04d-%02d-%02d %02d:%02d:%02d.%06d+00',
		$t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0], $us - $s * 1_000_000);
}

sub rand_time
{
	my $r = rand();
	my $us =
	    $r < 0.01 ? undef
	  : $r < 0.15 ? pick(@fixed_times)
	  : $r < 0.20 ? $T0 - int((60 + rand(700)) * DAY)
	  :             $T0 - int(rand(60 * DAY));
	return defined $us ? ts_text($us) : undef;
}

my @kinds = ((('page_view') x 6), (('email_open') x 3), (('download') x 2), 'webinar', 'webinar',
	'demo_request', 'unsubscribe', 'chat', undef);
my @urls = ('/pricing', '/pricing/enterprise', '/Pricing', '/careers/dev', '/blog/post-1',
	'/product/api', '/whitepaper/roi.pdf', '/docs/GUIDE.PDF', '/');

sub rand_row
{
	my (%o) = @_;
	my $lead = exists $o{lead} ? $o{lead} : rand_lead();
	my $hot = defined $lead && $lead <= HOT;
	my $kind = $hot && rand() < 0.6 ? 'page_view' : pick(@kinds);
	return {
		id          => $next_id++,
		lead_id     => lead_key($lead),
		kind        => $o{kind} // $kind,
		occurred_at => $o{time} // rand_time(),
		url         => $hot && rand() < 0.7 ? '/pricing/plans' : pick(@urls, undef),
		duration_s  => rand() < 0.15 ? undef : int(rand(120)),
		channel     => pick('email', 'web', undef),
		note        => rand() < 0.1 ? q{"quoted", it's} : 'r',
	};
}

my @columns = qw(id lead_id kind occurred_at url duration_s channel note);
my $column_list = join(', ', @columns);

sub row_sql
{
	my ($row) = @_;
	return '(' . join(', ',
		$row->{id}, sql_quote($row->{lead_id}), sql_quote($row->{kind}),
		sql_quote($row->{occurred_at}) . '::timestamptz', sql_quote($row->{url}),
		$row->{duration_s} // 'NULL', sql_quote($row->{channel}), sql_quote($row->{note})) . ')';
}

sub insert_sql
{
	my (@rows) = @_;
	return "INSERT INTO crm.activities ($column_list) VALUES " . join(', ', map { row_sql($_) } @rows) . ';';
}

sub rand_ids
{
	my ($n) = @_;
	return join(', ', map { 1 + int(rand($next_id - 1)) } 1 .. $n);
}

my @titles = (undef, 'Head of IT', 'Student', 'Engineer', 'Chief Executive', 'working student');
my @companies = (undef, 'acme', 'globex', 'initech');

sub contact_sql
{
	my $lead = lead_key(1 + int(rand(LEADS)));
	my $r = rand();
	return 'INSERT INTO crm.contacts VALUES (' . join(', ', map { sql_quote($_) } $lead, pick(@companies), pick(@titles))
	  . ') ON CONFLICT (id) DO UPDATE SET company = excluded.company, title = excluded.title;'
	  if $r < 0.6;
	return 'UPDATE crm.contacts SET company = ' . sql_quote(pick(@companies)) . ' WHERE id IN ('
	  . join(', ', map { sql_quote(lead_key(1 + int(rand(LEADS)))) } 1 .. 3) . ');'
	  if $r < 0.85;
	return 'DELETE FROM crm.contacts WHERE id = ' . sql_quote($lead) . ';';
}

# One statement of the streamed workload.
sub rand_statement
{
	my $r = rand();
	return insert_sql(map { rand_row() } 1 .. 1 + int(rand(6))) if $r < 0.35;
	if ($r < 0.55)
	{
		# moved to another lead and to another type
		return 'UPDATE crm.activities SET lead_id = ' . sql_quote(lead_key(rand_lead()))
		  . ', kind = ' . sql_quote(pick(@kinds)) . " WHERE id IN (@{[ rand_ids(1 + int(rand(4))) ]});";
	}
	if ($r < 0.65)
	{
		return pick(
			"UPDATE crm.activities SET occurred_at = occurred_at - interval '3 days' WHERE id IN (@{[ rand_ids(3) ]});",
			"UPDATE crm.activities SET url = '/pricing/x', duration_s = 45 WHERE id IN (@{[ rand_ids(3) ]});",
			"UPDATE crm.activities SET note = 'touched' WHERE id IN (@{[ rand_ids(3) ]});");
	}
	return 'DELETE FROM crm.activities WHERE id IN (' . rand_ids(1 + int(rand(4))) . ');' if $r < 0.82;
	return contact_sql();
}

# ---------------------------------------------------------------------------
# Waiting and checking
# ---------------------------------------------------------------------------

my ($pub, $sub);
my %subs = (plain => 's_plain', after => 's_after', parts => 's_parts', tpc => 's_2pc');
my @dbs = qw(plain after parts tpc);    # those still subscribed

sub log_tail
{
	my @err = grep { /ERROR|FATAL|PANIC|exited|terminated/ } split /\n/, slurp_file($sub->logfile);
	return join("\n", @err > 15 ? @err[ -15 .. -1 ] : @err);
}

# Waits (at most a minute; 5 s once one has stalled) until every
# subscription still there has applied what the publisher committed; a
# failed test with the subscriber's errors when one does not.
my %stalled;

sub catch_up
{
	my ($label) = @_;
	my $t = time();
	my $lsn = $pub->lsn('write');
	for my $db (@dbs)
	{
		my $ok = wait_until($pub, 'postgres',
			"SELECT '$lsn' <= replay_lsn FROM pg_stat_replication WHERE application_name = '$subs{$db}'",
			$stalled{$db} ? 5 : 60);
		ok($ok, "$label: subscription $subs{$db} caught up") or do { $stalled{$db} = 1; diag(log_tail()); };
	}
	note(sprintf('%s: caught up in %.2f s', $label, time() - $t));
}

sub check_all
{
	my ($label, @which) = @_;
	my $t = time();
	check_consistency($sub, $_, "$_: $label") for (@which ? @which : @dbs);
	note(sprintf('%s: checked in %.2f s', $label, time() - $t));
}

sub count_rows
{
	my ($node, $db, $where) = @_;
	return $node->safe_psql($db, 'SELECT count(*) FROM crm.activities' . ($where ? " WHERE $where" : ''));
}

# Both databases' activity rows, as one ordered text (what replication
# copied).
my $rows_digest = q{SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM crm.activities a};

sub same_rows
{
	my ($db, $label) = @_;
	is($sub->safe_psql($db, $rows_digest), $pub->safe_psql('crm', $rows_digest),
		"$db: $label: the same activity rows as the publisher");
}

# The handoffs a listener received since the last call, as "status 17" /
# "account 3".
my %listener;

sub received
{
	my ($db) = @_;
	my $out = $listener{$db}->query_safe('SELECT 1');
	my @got;
	push @got, "$2 $1"
	  while $out =~ /Asynchronous notification "leadscore" with payload "\{"event_id" : (\d+), "kind" : "(\w+)"\}" received/g;
	return [ sort @got ];
}

# The handoffs written since the given event ids, as received() gives them.
sub handoffs_since
{
	my ($node, $db, $lead_mark, $account_mark) = @_;
	my @written = split /\n/, $node->safe_psql($db, qq{
		SELECT 'status ' || id FROM leadscore.events
		WHERE id > $lead_mark AND kind = 'status' AND to_value = 'sql' AND cause IN ('activity', 'lead')
		UNION ALL
		SELECT 'account ' || id FROM leadscore.account_events
		WHERE id > $account_mark AND to_value = 'hot' AND cause IN ('activity', 'lead')});
	return [ sort @written ];
}

# Every handoff written in $db since the last call was sent once, and
# nothing else.
my %mark;

sub notified_once
{
	my ($db, $label) = @_;
	is_deeply(received($db), handoffs_since($sub, $db, @{ $mark{$db} }), "$db: $label: one NOTIFY per handoff");
	$mark{$db} = [ marks($sub, $db) ];
}

sub marks
{
	my ($node, $db) = @_;
	return split /\|/, $node->safe_psql($db,
		'SELECT coalesce(max(id), 0), (SELECT coalesce(max(id), 0) FROM leadscore.account_events) FROM leadscore.events');
}

# 'core' (no decay: independent of the clock) transitions caused by rows
# since an event id.
sub core_events_since
{
	my ($node, $db, $mark) = @_;
	return $node->safe_psql($db, qq{
		SELECT string_agg(format('%s %s %s->%s %s', lead_id, kind, coalesce(from_value, '-'),
				coalesce(to_value, '-'), cause), E'\n' ORDER BY lead_id, kind, id)
		FROM leadscore.events WHERE model = 'core' AND id > $mark AND cause IN ('activity', 'lead')});
}

sub stats
{
	my ($node, $db) = @_;
	return $node->safe_psql($db, q{
		SELECT string_agg(format('%s skipped %s unknown %s', source, rows_skipped, unknown_types), '; ' ORDER BY source::text)
		FROM leadscore.stats WHERE source IS NOT NULL});
}

sub stats_delta
{
	my ($before, $after) = @_;
	my (%s0, %s1);
	$s0{$1} = [ $2, $3 ] while $before =~ /(\S+) skipped (\d+) unknown (\d+)/g;
	$s1{$1} = [ $2, $3 ] while $after =~ /(\S+) skipped (\d+) unknown (\d+)/g;
	return join('; ',
		map { "$_ skipped +" . ($s1{$_}[0] - ($s0{$_}[0] // 0)) . ' unknown +' . ($s1{$_}[1] - ($s0{$_}[1] // 0)) }
		  sort keys %s1);
}

sub apply_pid
{
	my ($db) = @_;
	return $sub->safe_psql($db,
		"SELECT pid FROM pg_stat_subscription WHERE subname = '$subs{$db}' AND relid IS NULL");
}

# ---------------------------------------------------------------------------
# The clusters
# ---------------------------------------------------------------------------

$pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
# 64kB: transactions larger than that are streamed to s_plain while they run.
$pub->append_conf('postgresql.conf', qq{
timezone = 'UTC'
fsync = off
max_prepared_transactions = 10
logical_decoding_work_mem = '64kB'
max_wal_senders = 20
max_replication_slots = 20
});
$pub->start;

$sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
$sub->append_conf('postgresql.conf', qq{
timezone = 'UTC'
fsync = off
max_prepared_transactions = 10
max_logical_replication_workers = 10
max_worker_processes = 20
max_replication_slots = 20
});
$sub->start;

$T0 = $pub->safe_psql('postgres',
	q{SELECT (extract(epoch FROM date_trunc('second', now())) * 1000000)::bigint});
@fixed_times = map { $T0 - $_ * 7 * HOUR - 123_456 } 0 .. 9;

# The CRM as it is before anyone subscribes: 600 activity rows, 80 contacts.
$pub->safe_psql('postgres', 'CREATE DATABASE crm');
$pub->safe_psql('crm', join("\n", crm_tables_sql(), scoring_setup_sql(), attach_sql(), expected_view_sql()));
my @initial = map { rand_row() } 1 .. 600;
$pub->safe_psql('crm', insert_sql(@initial));
$pub->safe_psql('crm', 'INSERT INTO crm.contacts VALUES '
	  . join(', ', map { '(' . join(', ', map { sql_quote($_) } lead_key($_), pick(@companies), pick(@titles)) . ')' } 1 .. 80)
	  . ';');
$pub->safe_psql('crm', 'CREATE PUBLICATION crm_pub FOR TABLE crm.activities, crm.contacts');
check_consistency($pub, 'crm', 'publisher (local writes, the reference)');

my $conn = $pub->connstr . ' dbname=crm';
sub subscribe
{
	my ($db, $with) = @_;
	$sub->safe_psql($db, "CREATE SUBSCRIPTION $subs{$db} CONNECTION '$conn' PUBLICATION crm_pub WITH ($with)");
}

sub synced
{
	my ($db) = @_;
	local $PostgreSQL::Test::Utils::timeout_default = 30;
	my $t = time();
	my $ok = eval { $sub->wait_for_subscription_sync($pub, $subs{$db}, $db); 1 };
	ok($ok, "$db: the initial table sync finished") or diag($@ . log_tail());
	note(sprintf('%s: initial sync in %.2f s', $db, time() - $t));
}

$sub->safe_psql('postgres', "CREATE DATABASE $_") for @dbs;

# plain: the user attaches, then subscribes.
$sub->safe_psql('plain', join("\n", crm_tables_sql(), scoring_setup_sql(), attach_sql(), expected_view_sql()));
subscribe('plain', 'streaming = on');
# after: subscribes, attaches once the rows are there.
$sub->safe_psql('after', crm_tables_sql());
subscribe('after', 'streaming = off');
# parts: ids from 1000 go to a partition created after the attachment.
$sub->safe_psql('parts', join("\n", crm_tables_sql(partitioned => 1000), scoring_setup_sql(), attach_sql(),
	expected_view_sql(),
	'CREATE TABLE crm.activities_late PARTITION OF crm.activities FOR VALUES FROM (1000) TO (MAXVALUE);'));
subscribe('parts', 'streaming = off');
# tpc: two-phase.
$sub->safe_psql('tpc', join("\n", crm_tables_sql(), scoring_setup_sql(), attach_sql(), expected_view_sql()));
subscribe('tpc', 'two_phase = true');

synced($_) for @dbs;
is(count_rows($sub, $_), 600, "$_: the initial sync copied 600 rows") for @dbs;
check_all('initial sync, attached before CREATE SUBSCRIPTION', qw(plain parts tpc));
is($sub->safe_psql('after', q{SELECT count(*) FROM pg_extension WHERE extname = 'leadscore'}), '0',
	'after: not attached yet');
$sub->safe_psql('after', join("\n", scoring_setup_sql(), attach_sql(), expected_view_sql()));
check_all('attached after the initial sync', 'after');

# Handoffs as ids (simple to match with the events).
for my $db (qw(plain tpc))
{
	$sub->safe_psql($db, q{SELECT leadscore.set_notify('trigger', payload => 'id')});
	$listener{$db} = $sub->background_psql($db);
	$listener{$db}->query_safe('LISTEN leadscore');
	$mark{$db} = [ marks($sub, $db) ];
}
my %pid = map { $_ => apply_pid($_) } @dbs;
like($pid{$_}, qr/^\d+$/, "$_: the apply worker runs (pid $pid{$_})") for @dbs;

# ---------------------------------------------------------------------------
# Streamed single statements: scores as on the publisher, and so are the
# events of the model without decay (one scoring pass per statement on
# both sides).
# ---------------------------------------------------------------------------
my ($pub_mark) = marks($pub, 'crm');
my ($plain_mark) = marks($sub, 'plain');
{
	my @sql = map { rand_statement() } 1 .. 60;
	# A fresh lead's demo request hands it to sales ('core': 90 points).
	push @sql, insert_sql(rand_row(lead => 901, kind => 'demo_request', time => ts_text($T0 - HOUR)));
	$pub->safe_psql('crm', join("\n", @sql));
}
catch_up('single statements');
check_all('streamed single statements');
same_rows($_, 'single statements') for @dbs;
is(core_events_since($sub, 'plain', $plain_mark), core_events_since($pub, 'crm', $pub_mark),
	'plain: the single statements caused the same core events as on the publisher');
is($sub->safe_psql('plain', q{SELECT string_agg(from_value || '->' || to_value || ' ' || cause
		|| ' notified ' || (notified_at IS NOT NULL), ', ') FROM leadscore.events
	WHERE model = 'core' AND lead_id = 'L901' AND kind = 'status'}),
	'nurture->sql activity notified true', 'plain: L901 handed to sales once, and notified');
notified_once($_, 'single statements, at the apply\'s commit') for qw(plain tpc);

# ---------------------------------------------------------------------------
# Transactions of several changes, to both tables; savepoints rolled back,
# whole transactions rolled back; one that regrades a lead while it acts.
# ---------------------------------------------------------------------------
{
	my @sql;
	for (1 .. 40)
	{
		my @t = ('BEGIN;');
		my $n = 2 + int(rand(7));
		my $sp = rand() < 0.25 ? int(rand($n)) : -1;
		for my $i (0 .. $n - 1)
		{
			push @t, 'SAVEPOINT s;' if $i == $sp;
			push @t, rand_statement();
			push @t, 'ROLLBACK TO SAVEPOINT s;' if $sp >= 0 && ($i == $sp + 1 || ($i == $n - 1 && $i == $sp));
		}
		push @t, rand() < 0.1 ? 'ROLLBACK;' : 'COMMIT;';
		push @sql, join("\n", @t);
	}
	push @sql, q{BEGIN;
		INSERT INTO crm.contacts VALUES ('L902', 'globex', 'Student');
		} . insert_sql(map { rand_row(lead => 902, kind => 'webinar') } 1 .. 3) . q{
		UPDATE crm.contacts SET title = 'Head of Sales', company = 'acme' WHERE id = 'L902';
		} . insert_sql(rand_row(lead => 902, kind => 'demo_request', time => ts_text($T0 - 2 * HOUR))) . q{
		UPDATE crm.contacts SET company = 'acme' WHERE id IN ('L001', 'L002', 'L003');
		COMMIT;};
	# Rows moved across the subscriber's partitions (parts: ids below 1000
	# are in crm.activities_early).
	push @sql, 'UPDATE crm.activities SET id = id + 500000 WHERE id BETWEEN 1 AND 30;';
	$pub->safe_psql('crm', join("\n", @sql));
}
catch_up('transactions');
check_all('transactions of several changes to both tables');
same_rows($_, 'transactions') for @dbs;
is($sub->safe_psql('plain', q{SELECT grade || ' ' || status FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L902'}),
	$pub->safe_psql('crm', q{SELECT grade || ' ' || status FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L902'}),
	'plain: L902, regraded in the transaction that made it act, has the publisher\'s grade and status');
notified_once($_, 'transactions') for qw(plain tpc);

# ---------------------------------------------------------------------------
# A row changed twice in one replicated transaction: inserted, then
# back-dated (the lead's newest row is another one then); moved to a lead
# as its newest row, then deleted.  (Locally these are two statements, two
# passes; replicated, one buffer.)  The two leads' rows are deleted after
# the check, so that what follows does not inherit a failure here.
# ---------------------------------------------------------------------------
{
	my @sql;
	my $twice = rand_row(lead => 903, kind => 'webinar', time => ts_text($T0 - HOUR));
	my $moved = rand_row(lead => 905, kind => 'download', time => ts_text($T0 - HOUR));
	push @sql, join("\n",
		insert_sql($moved, map { rand_row(lead => $_, kind => 'page_view', time => ts_text($T0 - 50 * DAY)) } 903, 904),
		'BEGIN;', insert_sql($twice),
		"UPDATE crm.activities SET occurred_at = occurred_at - interval '100 days' WHERE id = $twice->{id};",
		'COMMIT;', 'BEGIN;',
		"UPDATE crm.activities SET lead_id = 'L904', kind = 'page_view' WHERE id = $moved->{id};",
		"DELETE FROM crm.activities WHERE id = $moved->{id};", 'COMMIT;');
	$pub->safe_psql('crm', join("\n", @sql));
}
catch_up('a row changed twice');
check_all('a row changed twice in one transaction');
is($sub->safe_psql('plain', q{SELECT last_activity_at FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L903'}),
	$pub->safe_psql('crm', q{SELECT last_activity_at FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L903'}),
	'plain: L903, its row inserted and back-dated in one transaction, has the publisher\'s last_activity_at');
is($sub->safe_psql('plain', q{SELECT last_activity_at FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L904'}),
	$pub->safe_psql('crm', q{SELECT last_activity_at FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L904'}),
	'plain: L904, a row moved to it and deleted in one transaction, has the publisher\'s last_activity_at');
$pub->safe_psql('crm', q{DELETE FROM crm.activities WHERE lead_id IN ('L903', 'L904', 'L905')});
catch_up('a row changed twice, cleaned');

# ---------------------------------------------------------------------------
# Capped rules: the newest counted rows of a lead deleted, moved away or
# back-dated; an older row comes back into the window.
# ---------------------------------------------------------------------------
{
	my @cap;
	for my $n (911 .. 915)
	{
		push @cap, rand_row(lead => $n, kind => 'page_view', time => ts_text($T0 - $_ * HOUR)) for 1 .. 6;
		push @cap, rand_row(lead => $n, kind => 'email_open', time => ts_text($T0 - $_ * HOUR - 1)) for 1 .. 7;
	}
	$_->{url} = '/pricing/plans', $_->{duration_s} = 40, $_->{channel} = 'email' for @cap;
	$pub->safe_psql('crm', insert_sql(@cap));
	catch_up('capped rows');
	my $newest = q{(SELECT id FROM crm.activities WHERE lead_id = '%s' AND kind = 'page_view' ORDER BY occurred_at DESC LIMIT %d)};
	$pub->safe_psql('crm', join("\n",
		sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, 'L911', 1)),
		sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, 'L912', 3)),
		sprintf(q{UPDATE crm.activities SET lead_id = 'L915' WHERE id IN %s;}, sprintf($newest, 'L913', 2)),
		sprintf(q{UPDATE crm.activities SET occurred_at = occurred_at - interval '30 days' WHERE id IN %s;},
			sprintf($newest, 'L914', 2)),
		q{DELETE FROM crm.activities WHERE lead_id = 'L914' AND kind = 'email_open'
			AND id IN (SELECT id FROM crm.activities WHERE lead_id = 'L914' AND kind = 'email_open' ORDER BY occurred_at DESC LIMIT 6);},
		'BEGIN;',
		sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, 'L911', 1)),
		sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, 'L911', 1)),
		insert_sql({ %{ rand_row(lead => 911, kind => 'page_view', time => ts_text($T0 - 10 * HOUR)) },
				url => '/pricing/plans', duration_s => 40 }),
		sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, 'L915', 4)),
		'COMMIT;',
		# the hot leads' newest pricing views, a statement per lead
		map { sprintf('DELETE FROM crm.activities WHERE id IN %s;', sprintf($newest, lead_key($_), 2)) } 1 .. 4));
}
catch_up('caps');
check_all('capped rules, rows leaving and coming back into the window');
is($sub->safe_psql('plain', q{SELECT activities || '/' || counted FROM leadscore.explain('core', 'L911'::text)
	WHERE activity_type = 'page_view' AND points = 20}),
	'4/3', 'plain: L911, its 3 newest pricing views deleted and an older one added, counts 3 of its 4');
notified_once($_, 'caps') for qw(plain tpc);

# ---------------------------------------------------------------------------
# Two-phase: prepared on the subscriber, scored in the prepared
# transaction, visible at COMMIT PREPARED, gone at ROLLBACK PREPARED.
# ---------------------------------------------------------------------------
sub prepared_on_tpc
{
	my ($want, $label) = @_;
	ok(wait_until($sub, 'tpc', "SELECT count(*) = $want FROM pg_prepared_xacts WHERE database = 'tpc'", 60),
		"tpc: $label") or diag(log_tail());
}
$pub->safe_psql('crm', 'BEGIN;'
	  . insert_sql(rand_row(lead => 921, kind => 'demo_request', time => ts_text($T0 - HOUR)),
		map { rand_row() } 1 .. 20)
	  . q{INSERT INTO crm.contacts VALUES ('L921', 'acme', 'Chief Buyer');}
	  . "DELETE FROM crm.activities WHERE id IN (@{[ rand_ids(5) ]});"
	  . "UPDATE crm.activities SET lead_id = 'L921' WHERE id IN (@{[ rand_ids(3) ]});"
	  . q{PREPARE TRANSACTION 'p1';});
prepared_on_tpc(1, 'PREPARE on the publisher prepared a transaction on the subscriber');
check_all('a transaction prepared (not visible yet)', 'tpc');
is(count_rows($sub, 'tpc', q{lead_id = 'L921'}), '0', 'tpc: the prepared rows are not visible');
$pub->safe_psql('crm', q{COMMIT PREPARED 'p1'});
prepared_on_tpc(0, 'COMMIT PREPARED committed it');
catch_up('COMMIT PREPARED');
check_all('COMMIT PREPARED');
same_rows($_, 'COMMIT PREPARED') for @dbs;
is($sub->safe_psql('tpc', q{SELECT string_agg(from_value || '->' || to_value || ' ' || cause, ', ') FROM leadscore.events
	WHERE model = 'core' AND lead_id = 'L921' AND kind = 'status'}), 'nurture->sql activity', 'tpc: L921 handed to sales once');
is_deeply(received('tpc'), [], 'tpc: nothing was sent from the prepared transaction');
is($sub->safe_psql('tpc', q{SELECT count(*) FROM leadscore.events WHERE lead_id = 'L921' AND to_value = 'sql' AND notified_at IS NULL}),
	'1', 'tpc: L921\'s handoff waits for tick()');
$sub->safe_psql('tpc', 'SELECT leadscore.tick()');
notified_once('tpc', 'COMMIT PREPARED, then tick()');
$sub->safe_psql('tpc', 'SELECT leadscore.tick()');
is_deeply(received('tpc'), [], 'tpc: a second tick() relays nothing');

my $before_rollback = $sub->safe_psql('tpc', q{SELECT md5(string_agg(l::text, ',' ORDER BY model_id, lead_id)) FROM leadscore.lead_state l});
$pub->safe_psql('crm', 'BEGIN;'
	  . insert_sql(rand_row(lead => 922, kind => 'demo_request', time => ts_text($T0 - HOUR)), map { rand_row() } 1 .. 20)
	  . "DELETE FROM crm.activities WHERE id IN (@{[ rand_ids(5) ]});"
	  . q{UPDATE crm.contacts SET title = 'Student' WHERE id IN ('L001', 'L002');}
	  . q{PREPARE TRANSACTION 'p2';});
prepared_on_tpc(1, 'a second transaction prepared');
$pub->safe_psql('crm', q{ROLLBACK PREPARED 'p2'});
prepared_on_tpc(0, 'ROLLBACK PREPARED rolled it back');
catch_up('ROLLBACK PREPARED');
is($sub->safe_psql('tpc', q{SELECT md5(string_agg(l::text, ',' ORDER BY model_id, lead_id)) FROM leadscore.lead_state l}),
	$before_rollback, 'tpc: ROLLBACK PREPARED left the lead state as it was');
is($sub->safe_psql('tpc', q{SELECT count(*) FROM leadscore.events WHERE lead_id = 'L922'}), '0',
	'tpc: and no event of the rolled-back lead');
check_all('ROLLBACK PREPARED', 'tpc');
notified_once($_, 'two-phase') for qw(plain tpc);

# ---------------------------------------------------------------------------
# Written locally too: rows inserted, changed and deleted on the subscriber
# (ids of their own), replicated rows changed locally, a session with
# session_replication_role = replica; then more from the publisher.
# ---------------------------------------------------------------------------
{
	my $saved = $next_id;
	$next_id = 700_001;
	my @local = map { rand_row() } 1 .. 150;
	$sub->safe_psql('plain', insert_sql(@local[ 0 .. 99 ]));
	$sub->safe_psql('plain', join("\n",
		'BEGIN;',
		insert_sql(@local[ 100 .. 149 ]),
		q{UPDATE crm.activities SET lead_id = 'L003', kind = 'webinar' WHERE id BETWEEN 700001 AND 700010;},
		q{DELETE FROM crm.activities WHERE id BETWEEN 700011 AND 700020;},
		q{UPDATE crm.activities SET kind = 'demo_request' WHERE id IN (11, 12, 13);},
		'COMMIT;'));
	$next_id = 800_001;
	$sub->safe_psql('plain', "SET session_replication_role = replica;\n"
		  . insert_sql(map { rand_row() } 1 .. 30)
		  . "\nDELETE FROM crm.activities WHERE id BETWEEN 700021 AND 700025;");
	$next_id = $saved;
	$pub->safe_psql('crm', join("\n", map { rand_statement() } 1 .. 30));
}
catch_up('local writes');
check_all('written locally and by the subscription', 'plain');
notified_once('plain', 'local and replicated writes');

# ---------------------------------------------------------------------------
# Bad rows: types no rule names, NULL keys and times, an infinite time,
# keys over 1 kB, in activities and contacts.  Counted as on the publisher;
# the apply goes on.
# ---------------------------------------------------------------------------
my %stats_before = map { $_ => stats($sub, $_) } @dbs;
my $pub_stats_before = stats($pub, 'crm');
{
	my $long = 'K' x 1100;
	my @bad = (
		(map { rand_row(kind => 'chat') } 1 .. 5),
		(map { rand_row(lead => undef) } 1 .. 3),
		(map { my $r = rand_row(kind => 'page_view'); $r->{occurred_at} = undef; $r } 1 .. 2),
		rand_row(kind => 'webinar', time => 'infinity'),
		(map { my $r = rand_row(kind => 'demo_request'); $r->{lead_id} = $long . $_; $r } 1 .. 2),
		(map { my $r = rand_row(); $r->{kind} = undef; $r } 1 .. 1));
	$pub->safe_psql('crm', join("\n",
		insert_sql(@bad[ 0 .. 7 ]),
		'BEGIN;', insert_sql(@bad[ 8 .. $#bad ]),
		"INSERT INTO crm.contacts VALUES ('$long', 'acme', 'Head of IT');",
		'UPDATE crm.activities SET lead_id = NULL WHERE id IN (201, 202, 203);',
		'COMMIT;'));
	# and a good row after them
	$pub->safe_psql('crm', insert_sql(rand_row(lead => 931, kind => 'demo_request', time => ts_text($T0 - HOUR))));
}
catch_up('bad rows');
my $pub_delta = stats_delta($pub_stats_before, stats($pub, 'crm'));
note("publisher: $pub_delta");
like($pub_delta, qr/crm\.activities skipped \+([1-9]\d*) unknown \+([1-9]\d*)/, 'publisher: the bad rows are counted');
for my $db (@dbs)
{
	is(stats_delta($stats_before{$db}, stats($sub, $db)), $pub_delta,
		"$db: leadscore.stats counts the replicated bad rows as the publisher counts them");
	is($sub->safe_psql($db, q{SELECT score FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L931'}),
		'90', "$db: a row after the bad ones arrived and was scored");
	is(apply_pid($db), $pid{$db}, "$db: the same apply worker, never restarted") unless $db eq 'tpc';
}
check_all('bad rows');
notified_once($_, 'bad rows') for qw(plain tpc);

# ---------------------------------------------------------------------------
# TRUNCATE: alone, between inserts in one transaction, both tables in one
# statement; then the CRM filled again.
# ---------------------------------------------------------------------------
$pub->safe_psql('crm', 'TRUNCATE crm.activities');
catch_up('TRUNCATE');
check_all('TRUNCATE');
is(count_rows($sub, $_), '0', "$_: emptied, local rows too") for @dbs;
$pub->safe_psql('crm', join("\n", 'BEGIN;', insert_sql(map { rand_row() } 1 .. 20),
	"UPDATE crm.activities SET kind = 'webinar' WHERE id >= @{[ $next_id - 10 ]};",
	'TRUNCATE crm.activities;', insert_sql(map { rand_row() } 1 .. 30),
	"INSERT INTO crm.contacts VALUES ('L950', 'acme', 'Head of IT');",
	'TRUNCATE crm.activities, crm.contacts;',
	insert_sql(map { rand_row() } 1 .. 300),
	q{INSERT INTO crm.contacts SELECT 'L' || lpad(g::text, 3, '0'), (ARRAY['acme', 'globex', NULL])[1 + g % 3],
		(ARRAY['Head of IT', 'Student', 'Engineer'])[1 + g % 3] FROM generate_series(1, 60) g;},
	'COMMIT;'));
catch_up('TRUNCATE in a transaction');
check_all('INSERT, TRUNCATE, INSERT in one transaction; both tables truncated');
same_rows($_, 'TRUNCATE in a transaction') for @dbs;
check_consistency($pub, 'crm', 'publisher after the same (local writes, the reference)');

# The other subscriptions end here: the large transaction runs through
# plain only.  (DROP SUBSCRIPTION stops their workers: the log says so.)
my @dropped_pids;
for my $db (grep { $_ ne 'plain' } @dbs)
{
	push @dropped_pids, apply_pid($db);
	is(apply_pid($db), $pid{$db}, "$db: the apply worker never stopped") unless $db eq 'tpc';
	$sub->safe_psql($db, "DROP SUBSCRIPTION $subs{$db}");
}
@dbs = ('plain');

# ---------------------------------------------------------------------------
# A large transaction, streamed while it runs: 100,000 inserts over 3,000
# new leads, 10,000 of them moved and retyped, 5,000 deleted, 500 contacts.
# ---------------------------------------------------------------------------
notified_once($_, 'TRUNCATE') for qw(plain tpc);
my $streamed_before = $pub->safe_psql('postgres', q{SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = 's_plain'});
my $big0 = 1_000_000;
my $t = time();
$pub->safe_psql('crm', qq{
BEGIN;
INSERT INTO crm.activities ($column_list)
SELECT $big0 + g, CASE WHEN g % 997 = 0 THEN NULL ELSE 'G' || lpad((g % 3000)::text, 4, '0') END,
	(ARRAY['page_view', 'page_view', 'email_open', 'download', 'webinar', 'demo_request', 'unsubscribe', 'chat'])[1 + g % 8],
	timestamptz '@{[ ts_text($T0) ]}' - (g % 5000) * interval '17 minutes',
	(ARRAY['/pricing/a', '/whitepaper/w.pdf', '/careers/x', '/blog'])[1 + g % 4], g % 90,
	(ARRAY['email', 'web'])[1 + g % 2], 'big'
FROM generate_series(1, 100000) g;
UPDATE crm.activities SET lead_id = 'G' || lpad(((id * 7) % 3000)::text, 4, '0'), kind = 'page_view'
	WHERE id > $big0 AND id % 10 = 0;
DELETE FROM crm.activities WHERE id > $big0 AND id % 20 = 3;
INSERT INTO crm.contacts SELECT 'G' || lpad(g::text, 4, '0'), (ARRAY['acme', 'globex', 'initech'])[1 + g % 3],
	(ARRAY['Head of IT', 'Student', 'Engineer', NULL])[1 + g % 4] FROM generate_series(1, 500) g;
COMMIT;});
note(sprintf('large transaction on the publisher: %.2f s', time() - $t));
$t = time();
catch_up('large transaction');
my $apply_s = time() - $t;
note(sprintf('large transaction (115,000 changes) applied and scored in %.2f s after the commit', $apply_s));
ok(wait_until($pub, 'postgres',
		"SELECT stream_txns > $streamed_before FROM pg_stat_replication_slots WHERE slot_name = 's_plain'", 30),
	'plain: the large transaction was streamed while it ran');
same_rows('plain', 'large transaction');
check_all('a large streamed transaction');
notified_once('plain', 'large transaction');

# ---------------------------------------------------------------------------
# The apply worker never stopped, and no worker failed.
# ---------------------------------------------------------------------------
is(apply_pid('plain'), $pid{plain}, 'plain: the same apply worker as after the initial sync');
my $dropped = join('|', grep { /^\d+$/ } @dropped_pids) || 'none';
my @errors = grep { /ERROR|FATAL|PANIC|exited with exit code [1-9]|terminated by signal/ && !/\[($dropped)\]|\(PID ($dropped)\)/ }
  split /\n/, slurp_file($sub->logfile);
is(scalar(@errors), 0, 'the subscriber\'s log has no error and no worker exit')
  or diag(join("\n", @errors > 20 ? @errors[ 0 .. 19 ] : @errors));

# ---------------------------------------------------------------------------
# A fault while scoring: a local session holds a lead's state row, and the
# apply worker may wait for a lock only 300 ms.  The scoring of that
# transaction fails; the rows are applied all the same, with a WARNING that
# says what to run, and the subscription goes on; rescore() repairs.
# ---------------------------------------------------------------------------
$sub->safe_psql('plain', q{ALTER ROLE CURRENT_USER IN DATABASE plain SET lock_timeout = '300ms';
	ALTER SUBSCRIPTION s_plain DISABLE;});
ok(wait_until($sub, 'plain', q{SELECT pid IS NULL FROM pg_stat_subscription WHERE subname = 's_plain' AND relid IS NULL}, 30),
	'plain: the apply worker stopped for the new setting');
$sub->safe_psql('plain', 'ALTER SUBSCRIPTION s_plain ENABLE');
ok(wait_until($sub, 'plain', q{SELECT pid IS NOT NULL FROM pg_stat_subscription WHERE subname = 's_plain' AND relid IS NULL}, 30),
	'plain: and started again');
my $fault_pid = apply_pid('plain');
my $locker = $sub->background_psql('plain');
$locker->query_safe(q{BEGIN; SELECT 1 FROM leadscore.lead_state WHERE lead_id = 'G0001' FOR UPDATE});
my $log_offset = -s $sub->logfile;
$pub->safe_psql('crm', insert_sql({ %{ rand_row(kind => 'page_view') }, lead_id => 'G0001' }));
$pub->safe_psql('crm', insert_sql(rand_row(lead => 941, kind => 'demo_request', time => ts_text($T0 - HOUR))));
catch_up('a scoring fault');
is(apply_pid('plain'), $fault_pid, 'plain: the apply worker did not stop on the failed scoring');
is($sub->safe_psql('plain', q{SELECT score FROM leadscore.lead_scores WHERE model = 'core' AND lead_id = 'L941'}),
	'90', 'plain: the next transaction was scored');
like(slurp_file($sub->logfile, $log_offset), qr/WARNING: .*replicated rows .* were not scored.*\n.*HINT: .*rescore/,
	'plain: a WARNING says which rows were not scored and how to score them');
like($sub->safe_psql('plain', q{SELECT string_agg(DISTINCT lead_id, ',') FROM leadscore.verify()}), qr/^G0001$/,
	'plain: verify() reports the lead whose scoring failed, only it');
$locker->query_safe('COMMIT');
$locker->quit;
$sub->safe_psql('plain', q{SELECT leadscore.rescore(); ALTER ROLE CURRENT_USER IN DATABASE plain RESET lock_timeout;});
check_all('a scoring fault, then rescore()');

$listener{$_}->quit for keys %listener;
$sub->stop;
$pub->stop;
note(sprintf('run time %.1f s', time() - $started));
done_testing();
