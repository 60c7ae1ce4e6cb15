# Mirror-image writers of two leads (issue 12, "Upserts and data-modifying
# WITH"): statements that write rows of lead 1 and lead 2 in one firing and
# rows of the other lead in another firing of the same statement, run by two
# pgbench clients in both orders at once:
#
#   1. INSERT ... ON CONFLICT DO UPDATE: the conflicting row of one lead is
#      updated (the UPDATE firing), a new row of the other lead is inserted
#      (the INSERT firing);
#   2. WITH d AS (DELETE a row of one lead) INSERT a row of the other;
#   3. MERGE with UPDATE and INSERT actions: the matched row belongs to one
#      lead, the inserted one to the other.
#
# Scoring locks lead states once per statement in one global order, so no
# pair of them may deadlock: no pgbench failure, no "deadlock detected" in
# the server log.  After each phase verify() is empty and lead_scores
# equals a plain-SQL recompute (as in 011_loaders.pl, for this model).
#
# The model has an uncapped rule (the additive write path) and a capped one
# (the locked path, which reads and rewrites the cap window); every row's
# type is drawn from both.
#
# LEADSCORE_MIRROR_SECONDS (default 30) sets the upsert phase's length; the
# WITH and MERGE phases run two thirds of it each.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $seconds = $ENV{LEADSCORE_MIRROR_SECONDS} // 30;
my $short   = int(($seconds * 2 + 2) / 3) || 1;

my $node = PostgreSQL::Test::Cluster->new('mirrors');
$node->init;
# A short deadlock_timeout finds a cycle quickly, so one costs the run
# little time; the log tells each one apart from a lock wait.
$node->append_conf('postgresql.conf', q{
deadlock_timeout = 50ms
log_lock_waits = on
});
$node->start;

# Rows 1 and 2 are leads 1 and 2's fixed rows, the ones the upserts and
# MERGEs update; the WITH phase deletes any other row.  No decay, so every
# score is a sum of whole points and compares exactly.
$node->safe_psql('postgres', q{
	CREATE EXTENSION leadscore;
	CREATE SCHEMA crm;
	CREATE TABLE crm.act (id bigint PRIMARY KEY, lead_id bigint, kind text, occurred_at timestamptz);
	CREATE INDEX ON crm.act (lead_id, id);
	CREATE SEQUENCE crm.act_ids START 1000;
	INSERT INTO crm.act VALUES (1, 1, 'pricing_view', now()), (2, 2, 'blog_read', now());
	SELECT leadscore.create_model('m', half_life => NULL, mql_threshold => 400, sql_threshold => 2000);
	SELECT leadscore.add_rule('m', 'pricing_view', 35, stage => 'decision');
	SELECT leadscore.add_rule('m', 'blog_read', 5, stage => 'awareness', max_count => 5);
	SELECT leadscore.attach_activities('crm.act', 'lead_id', 'kind', 'occurred_at');
});

# The recompute: caps by row_number() over each lead's rows of the capped
# rule, newest first.
$node->safe_psql('postgres', q{
	CREATE VIEW expected AS
	WITH rules (kind, points, max_count) AS (VALUES ('pricing_view', 35::float8, NULL::int), ('blog_read', 5, 5)),
	hits AS (
		SELECT a.id, a.lead_id, a.occurred_at, r.points, r.max_count,
			row_number() OVER (PARTITION BY a.lead_id, a.kind ORDER BY a.occurred_at DESC) AS rn
		FROM crm.act a JOIN rules r USING (kind))
	SELECT lead_id, sum(CASE WHEN max_count IS NULL OR rn <= max_count THEN points ELSE 0 END) AS score,
		count(*) AS activity_count, max(occurred_at) AS last_activity_at
	FROM hits GROUP BY lead_id;
});

# Differences between lead_scores and the recompute, one line each.
sub differences
{
	return $node->safe_psql('postgres', q{
		SELECT coalesce(e.lead_id, s.lead_id) || ': score ' || coalesce(s.score::text, '-')
			|| ' expected ' || coalesce(e.score::text, '-') || ', activity_count ' || coalesce(s.activity_count::text, '-')
			|| ' expected ' || coalesce(e.activity_count::text, '-') || ', status ' || coalesce(s.status, '-')
		FROM expected e FULL JOIN (SELECT * FROM leadscore.lead_scores WHERE model = 'm') s USING (lead_id)
		WHERE s.score IS DISTINCT FROM e.score OR s.activity_count IS DISTINCT FROM e.activity_count
			OR s.last_activity_at IS DISTINCT FROM e.last_activity_at
			OR s.status IS DISTINCT FROM CASE WHEN e.score >= 2000 THEN 'sql' WHEN e.score >= 400 THEN 'mql'
				ELSE 'nurture' END
		ORDER BY 1});
}

# A row's type and time, drawn per statement: either rule, a time within the
# last day (so a late row may enter or stay out of the cap window).
my $draw = q{
\set k1 random(1, 2)
\set k2 random(1, 2)
\set age1 random(0, 86400)
\set age2 random(0, 86400)
};
my $kind = sub { "(ARRAY['pricing_view', 'blog_read'])[:$_[0]]" };
my $time = sub { "now() - :$_[0] * interval '1 second'" };

# Each script writes lead $first's rows in the statement's first firing and
# lead $second's in its second one; its mirror swaps the two.
my %scripts = (
	upsert => sub {
		my ($first, $second) = @_;
		return $draw . qq{
INSERT INTO crm.act (id, lead_id, kind, occurred_at)
VALUES ($first, $first, @{[ $kind->('k1') ]}, @{[ $time->('age1') ]}),
	(nextval('crm.act_ids'), $second, @{[ $kind->('k2') ]}, @{[ $time->('age2') ]})
ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at;
};
	},
	with => sub {
		my ($first, $second) = @_;
		return $draw . qq{
WITH d AS (
	DELETE FROM crm.act WHERE id = (SELECT min(id) FROM crm.act WHERE lead_id = $first AND id > 2)
	RETURNING id)
INSERT INTO crm.act (id, lead_id, kind, occurred_at)
VALUES (nextval('crm.act_ids'), $second, @{[ $kind->('k2') ]}, @{[ $time->('age2') ]});
};
	},
	merge => sub {
		my ($first, $second) = @_;
		return $draw . qq{
MERGE INTO crm.act a
USING (VALUES (${first}::bigint, ${first}::bigint, @{[ $kind->('k1') ]}, @{[ $time->('age1') ]}),
		(NULL, $second, @{[ $kind->('k2') ]}, @{[ $time->('age2') ]})) s (id, lead_id, kind, occurred_at)
ON a.id = s.id
WHEN MATCHED THEN UPDATE SET kind = s.kind, occurred_at = s.occurred_at
WHEN NOT MATCHED THEN
	INSERT (id, lead_id, kind, occurred_at) VALUES (nextval('crm.act_ids'), s.lead_id, s.kind, s.occurred_at);
};
	});

# pgbench, 2 clients, both orders drawn at random per transaction; one try
# per transaction, so a deadlock is a failure pgbench counts.
sub mirror_load
{
	my ($phase, $secs) = @_;
	my @files;
	for my $order ([ 1, 2 ], [ 2, 1 ])
	{
		my $file = $node->basedir . "/$phase-$order->[0]$order->[1].pgbench";
		PostgreSQL::Test::Utils::append_to_file($file, $scripts{$phase}->(@$order));
		push @files, '-f', $file;
	}
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[ 'pgbench', '-n', '-c', '2', '-j', '2', '-T', $secs, '--failures-detailed', @files,
			'-h', $node->host, '-p', $node->port, 'postgres' ],
		'>', \$out, '2>', \$err);
	my ($done) = $out =~ /number of transactions actually processed: (\d+)/;
	my ($failed) = $out =~ /number of failed transactions: (\d+)/;
	my ($deadlocks) = $out =~ /number of deadlock failures: (\d+)/;
	ok($ok, "$phase: pgbench run succeeds") or diag($out . $err);
	cmp_ok($done // 0, '>', 0, "$phase: transactions were processed");
	is($deadlocks // -1, 0, "$phase: no deadlock between mirror images") or diag($out);
	is($failed // -1, 0, "$phase: no failed transaction") or diag($out);
	note("$phase mirrors, 2 clients, $secs s: " . ($done // 0) . ' transactions, '
		  . ($deadlocks // '?') . ' deadlocks, ' . ($failed // '?') . ' failed');

	is($node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', "$phase: verify() is empty");
	is(differences(), '', "$phase: lead_scores equals the plain-SQL recompute");
	return;
}

my $log_start = -s $node->logfile;
mirror_load('upsert', $seconds);
mirror_load('with',   $short);
mirror_load('merge',  $short);

my $log = slurp_file($node->logfile, $log_start);
my $found = () = $log =~ /deadlock detected/g;
is($found, 0, 'no "deadlock detected" in the server log');

# The phases did what they are meant to: both leads' fixed rows updated,
# rows of both leads deleted and inserted, and both rules' rows counted.
my $shape = $node->safe_psql('postgres', q{
	SELECT count(DISTINCT lead_id) FILTER (WHERE id > 2), count(*) FILTER (WHERE kind = 'blog_read') > 10,
		count(*) FILTER (WHERE kind = 'pricing_view') > 10
	FROM crm.act});
is($shape, '2|t|t', 'both leads have rows of both rules');
my $capped = $node->safe_psql('postgres',
	q{SELECT count(*) FROM crm.act WHERE kind = 'blog_read' GROUP BY lead_id HAVING count(*) > 5});
like($capped, qr/^\d+\n\d+$/, 'both leads have more capped rows than the cap counts');

$node->stop;
done_testing();
