# leadscore.distribute() on Citus (issue 16): the shards score their rows,
# and every lead's state equals one node's for the same rows.
#
# A coordinator and two workers (test/perl/LeadscoreCitus.pm), 8 shards
# (9 after a split).  The one-node answer comes from a second database on
# the coordinator without Citus, which gets the same statements.  A
# randomized scenario (seeded; the seed is printed) writes both, over CRM
# tables with a dropped column (so a shard's column numbers are not its
# table's): out-of-order activity rows by INSERT ... SELECT, COPY and
# single rows, updates and deletes of them, lead rows whose title changes
# their grade, lead rows moving to other accounts (every account has
# leads on several shards), a shard move (citus_move_shard_placement) and
# a split (citus_split_shard_by_split_points) in the middle, a
# configuration change.  After each step every lead's score, activity
# count, status, stage and grade, and every account's score and engaged
# leads, must be equal in both.  Then what users read (lead_scores,
# top_leads, top_momentum, account_scores, top_accounts, explain, dna,
# score_at, score_history, score_agg, stats, calibrate, evaluate, learn,
# verify), tick() with its relayed handoffs and the accounts' status it
# reports, the handoff queue (owners, accept, reject, expiry), a Citus
# table attached after distribute(), sales' ledger (adjust(), reset(),
# one before distribute()), a node added after distribute(), a
# partitioned table whose partitions come and go, rescore() and TRUNCATE.
#
# Skipped, saying why, when Citus is not installed.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use LeadscoreCitus;

if (my $why = citus_skip_reason())
{
	plan skip_all => $why;
}

my $seed = $ENV{LEADSCORE_SEED} // time();
srand($seed);
note("seed $seed (LEADSCORE_SEED reruns it)");

my ($coord, @workers) = start_citus_cluster('dist', workers => 2, shard_count => 8);
$coord->safe_psql('postgres', 'CREATE DATABASE single');

# The same SQL in both databases; Citus's own calls only where it runs.
sub both
{
	my ($sql) = @_;
	$coord->safe_psql('postgres', $sql);
	$coord->safe_psql('single', $sql);
}

my $setup = q{
	CREATE SCHEMA crm;
	CREATE TABLE crm.leads (id bigint PRIMARY KEY, legacy text, title text, employees integer, company text,
		rep text);
	CREATE TABLE crm.activities (id bigint NOT NULL, legacy text, lead_id bigint, kind text, at timestamptz, url text);
	-- Dropped columns: the shards Citus makes number their columns anew.
	ALTER TABLE crm.leads DROP COLUMN legacy;
	ALTER TABLE crm.activities DROP COLUMN legacy;
	CREATE EXTENSION leadscore;
	SELECT leadscore.create_grade_profile('icp', base => 'C');
	SELECT leadscore.add_criterion('icp', 'employees >= 200', 2, 'large');
	SELECT leadscore.add_criterion('icp', $$title ~* 'head|chief'$$, 1, 'decides');
	SELECT leadscore.create_model('core', half_life => '30 days', mql_threshold => 20, sql_threshold => 60,
		grade_profile => 'icp', sql_min_grade => 'B', account_threshold => 150);
	SELECT leadscore.add_rule('core', 'view', 5, max_count => 6);
	SELECT leadscore.add_rule('core', 'demo', 40, condition => $$url LIKE '%/demo%'$$);
	SELECT leadscore.add_rule('core', 'webinar', 12);
	SELECT leadscore.add_rule('core', 'unsubscribe', -25);
	SELECT leadscore.attach_leads('crm.leads', 'id', account_column => 'company', owner_column => 'rep');
	-- Handoffs: a lead row's rep, else the pool.
	SELECT leadscore.set_handoff_sla('core', '100 days');
	SELECT leadscore.add_owner('core', 'pool-a', 1000);
	SELECT leadscore.add_owner('core', 'pool-b', 1000);
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
};
both($setup);
# A ledger row from before Citus: distribute() takes it to its lead's shard.
both(q{SELECT leadscore.adjust('core', 9, 30, 'met at a fair')});

my ($out, $err);
my $rc = $coord->psql('postgres', q{
	SET client_min_messages = warning;
	SELECT create_distributed_table('crm.leads', 'id');
	SELECT create_distributed_table('crm.activities', 'lead_id', colocate_with => 'crm.leads');
	SELECT leadscore.distribute();
}, stdout => \$out, stderr => \$err);
is($rc, 0, 'leadscore.distribute() after the CRM tables are distributed') or diag($err);

is( $coord->safe_psql('postgres', q{
		SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ' ' ORDER BY logicalrelid::text)
		FROM pg_dist_partition WHERE logicalrelid::text LIKE 'leadscore.%'
		AND logicalrelid::text IN ('leadscore.lead_state', 'leadscore.events', 'leadscore.models',
			'leadscore.rules', 'leadscore.attachments', 'leadscore.history_walks', 'leadscore.adjustments')}),
	'leadscore.adjustments:h leadscore.attachments:n leadscore.events:h leadscore.history_walks:h '
	  . 'leadscore.lead_state:h '
	  . 'leadscore.models:n leadscore.rules:n',
	'per-lead tables are distributed, configuration tables are reference tables');
is( $coord->safe_psql('postgres', q{
		SELECT count(DISTINCT colocationid) FROM pg_dist_partition
		WHERE logicalrelid IN ('leadscore.lead_state'::regclass, 'crm.activities'::regclass, 'crm.leads'::regclass)}),
	'1', 'lead_state is colocated with the CRM tables');

# Every lead's state, as text, one line per (model, lead).  Stored sums
# are relative to each model's epoch, which each database took when the
# model was made: they are compared as the score at one fixed time.  An
# adjustment is dated now(), a moment apart in the two databases: scores
# may differ by its decay over that moment (alike()).
my $state_sql = q{
	SELECT string_agg(format('%s/%s %s %s %s %s %s', s.model_id, s.lead_id,
		round((s.stored / leadscore.stored_weight(m.half_life, m.epoch, '2026-12-01 12:00+00'))::numeric, 6),
		s.activity_count, s.status, coalesce(s.stage::text, '-'), coalesce(s.grade::text, '-')), E'\n'
		ORDER BY s.model_id, s.lead_id)
	FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id};

# Every account's score at that time and its engaged leads, from
# account_scores (on Citus: the sums tick() folded plus the shards' deltas
# not folded yet).  An account left with no lead and no score (after a
# TRUNCATE one node's rescore() drops it; Citus's sums keep it, at a
# float's residue of 0) is none.
my $accounts_sql = q{
	SELECT string_agg(format('%s/%s %s %s', x.model_id, x.account_id, x.score, x.engaged_leads), E'\n'
		ORDER BY x.model_id, x.account_id)
	FROM (SELECT a.model_id, a.account_id, a.engaged_leads,
			round((a.score_key / leadscore.stored_weight(m.half_life * 2, m.epoch, '2026-12-01 12:00+00'))::numeric, 6)
				AS score
		FROM leadscore.account_scores a JOIN leadscore.models m ON m.id = a.model_id) x
	WHERE x.engaged_leads <> 0 OR x.score <> 0};

sub same_state
{
	my ($what) = @_;
	my $citus = $coord->safe_psql('postgres', $state_sql) . "\n" . $coord->safe_psql('postgres', $accounts_sql);
	my $single = $coord->safe_psql('single', $state_sql) . "\n" . $coord->safe_psql('single', $accounts_sql);
	my $leads = () = $single =~ /\n/g;
	ok(length($single) > 1 && alike($citus, $single), "$what: every lead's and account's state equals one node's ("
		  . ($leads + 1) . ' lines)')
	  or diag(first_difference($citus, $single));
}

# Whether two texts are the same but for numbers a hair apart (1e-4).
sub alike
{
	my ($a, $b) = @_;
	my @a = split /[\s,;]+/, $a;
	my @b = split /[\s,;]+/, $b;
	return 0 if @a != @b;
	for my $i (0 .. $#a)
	{
		next if $a[$i] eq $b[$i];
		return 0 unless $a[$i] =~ /^-?\d+\.\d+$/ && $b[$i] =~ /^-?\d+\.\d+$/ && abs($a[$i] - $b[$i]) <= 1e-4;
	}
	return 1;
}

sub first_difference
{
	my ($a, $b) = @_;
	my @a = split /\n/, $a;
	my @b = split /\n/, $b;
	for my $i (0 .. ($#a > $#b ? $#a : $#b))
	{
		my ($x, $y) = ($a[$i] // '(none)', $b[$i] // '(none)');
		return "Citus: $x\none node: $y" unless alike($x, $y);
	}
	return 'no difference';
}

my @kinds = qw(view view view demo webinar unsubscribe other);
my $next_id = 1;

# n random activity rows of leads 1..$leads as VALUES, some dated long ago.
sub activity_values
{
	my ($n, $leads) = @_;
	my @rows;
	for (1 .. $n)
	{
		my $kind = $kinds[ int(rand(@kinds)) ];
		my $url = rand() < 0.5 ? '/demo/' . int(rand(9)) : '/p/' . int(rand(99));
		my $minutes = int(rand(60 * 24 * 40));
		push @rows, sprintf("(%d, %d, '%s', timestamptz '2026-12-01 12:00+00' - interval '%d minutes', '%s')",
			$next_id++, 1 + int(rand($leads)), $kind, $minutes, $url);
	}
	return join(",\n", @rows);
}

# Lead rows first, then activity in several statements and shapes.
# 23 accounts, each with leads on every shard; a rep for most leads.
both(q{INSERT INTO crm.leads SELECT g, CASE WHEN g % 4 = 0 THEN 'Head of Sales' ELSE 'Engineer' END,
	(g * 37) % 500, 'co' || (g % 23)::text, CASE WHEN g % 3 <> 0 THEN 'rep' || (g % 4)::text END
	FROM generate_series(1, 300) g});
both('INSERT INTO crm.activities VALUES ' . activity_values(2000, 300));
same_state('a multi-shard INSERT of 2,000 rows');

my $copy = join('', map {
		sprintf("%d\t%d\t%s\t%s\t/demo/x\n", $next_id++, 1 + int(rand(320)), $kinds[ int(rand(@kinds)) ],
			'2026-11-' . sprintf('%02d', 1 + int(rand(28))) . ' 10:00:00+00')
} 1 .. 1500);
for my $db ('postgres', 'single')
{
	$coord->safe_psql($db, "COPY crm.activities FROM STDIN;\n$copy\\.\n");
}
same_state('a COPY of 1,500 rows, some for leads without a lead row');

both('INSERT INTO crm.activities VALUES ' . activity_values(1, 300)) for 1 .. 20;
same_state('20 single-row transactions');

both(q{UPDATE crm.activities SET kind = 'demo', url = '/demo/u' WHERE id % 13 = 0});
both(q{DELETE FROM crm.activities WHERE id % 11 = 0});
same_state('updates and deletes across shards');

both(q{UPDATE crm.leads SET title = 'Chief Revenue Officer', employees = 900 WHERE id % 7 = 0});
both(q{DELETE FROM crm.leads WHERE id % 29 = 0});
same_state('lead rows changed and deleted (grades)');
both(q{UPDATE crm.leads SET company = 'moved' || (id % 3)::text WHERE id % 5 = 0});
both(q{UPDATE crm.leads SET company = NULL WHERE id % 17 = 0});
same_state('leads moved to other accounts, or to none');

# A shard move in the middle: the moved shards' leads go on scoring there.
my ($shard, $from) = split /\|/, $coord->safe_psql('postgres', q{
	SELECT s.shardid, p.nodeport FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid)
	JOIN pg_dist_node p USING (groupid)
	WHERE s.logicalrelid = 'crm.activities'::regclass ORDER BY s.shardid LIMIT 1});
my $to = $from == $workers[0]->port ? $workers[1]->port : $workers[0]->port;
$coord->safe_psql('postgres', "SELECT citus_move_shard_placement($shard, '127.0.0.1', $from, '127.0.0.1', $to,"
	  . " shard_transfer_mode => 'block_writes')");
is( $coord->safe_psql('postgres', "SELECT p.nodeport FROM pg_dist_placement pl JOIN pg_dist_node p USING (groupid)"
		  . " WHERE pl.shardid = $shard"),
	$to, "shard $shard moved from port $from to $to");
same_state('after the shard move');

# A shard split too: the new shards of every colocated table, leadscore's
# among them, take their halves of the leads and score on.
my ($split, $lo, $hi, $node) = split /\|/, $coord->safe_psql('postgres', q{
	SELECT s.shardid, s.shardminvalue, s.shardmaxvalue, n.nodeid FROM pg_dist_shard s
	JOIN pg_dist_placement pl USING (shardid) JOIN pg_dist_node n USING (groupid)
	WHERE s.logicalrelid = 'crm.activities'::regclass ORDER BY s.shardid DESC LIMIT 1});
my $middle = int(($lo + $hi) / 2);
$coord->safe_psql('postgres', "SELECT citus_split_shard_by_split_points($split, ARRAY['$middle'],"
	  . " ARRAY[$node, $node], shard_transfer_mode => 'block_writes')");
is( $coord->safe_psql('postgres', q{SELECT count(*) FROM pg_dist_shard
		WHERE logicalrelid IN ('crm.activities'::regclass, 'leadscore.lead_state'::regclass)}),
	'18', "shard $split split in two, with lead_state's shard beside it");
same_state('after the shard split');

both('INSERT INTO crm.activities VALUES ' . activity_values(1500, 330));
same_state('a multi-shard INSERT after the move and the split');

# A configuration change on the coordinator reaches the workers' backends,
# whose plans were built before it.
both(q{SELECT leadscore.add_rule('core', 'trial', 25)});
both(q{INSERT INTO crm.activities SELECT 100000 + g, g, 'trial', timestamptz '2026-12-01 11:00+00', '/t' FROM generate_series(1, 300) g});
same_state('a rule added after distribution scores on the shards');

isnt($coord->safe_psql('postgres', q{SELECT count(*) FROM leadscore.lead_state WHERE status = 'sql'}), '0',
	'some leads reached sql');
my $handoffs = $coord->safe_psql('single',
	q{SELECT count(*) FROM leadscore.events WHERE kind = 'status' AND to_value = 'sql'});
is( $coord->safe_psql('postgres', q{
		SELECT count(*) FROM leadscore.events WHERE kind = 'status' AND to_value = 'sql' AND notified_at IS NULL}),
	$handoffs, 'every handoff to sql is an event on its shard, left for tick() to relay (no NOTIFY inside a shard)');
is($coord->safe_psql('postgres', q{SELECT count(DISTINCT id) = count(*) FROM leadscore.events}), 't',
	"event ids are unique across the nodes (each node's range)");

# What users read, on the coordinator: the same as one node's.  Scores
# decay as they are read, and the two databases are read a moment apart:
# scores are compared at one fixed time (as the state above), explain()'s
# points to one decimal.
my $scores_sql = q{
	SELECT string_agg(format('%s %s %s %s %s', l.lead_id,
		round((l.score_key / leadscore.stored_weight(m.half_life, m.epoch, '2026-12-01 12:00+00'))::numeric, 6),
		l.status, coalesce(l.stage, '-'), coalesce(l.grade::text, '-')), E'\n' ORDER BY l.lead_id)
	FROM leadscore.lead_scores l JOIN leadscore.models m ON m.id = l.model_id WHERE l.model = 'core'};
$scores_sql =~ s/l\.lead_id,/l.lead_id || ' ' || coalesce(l.account_id, '-'),/;
ok(alike($coord->safe_psql('postgres', $scores_sql), $coord->safe_psql('single', $scores_sql)),
	'lead_scores on the coordinator equals one node\'s');
my $top_sql = q{SELECT string_agg(lead_id::text, ',' ORDER BY score DESC, lead_id) FROM leadscore.top_leads('core', 15)};
is($coord->safe_psql('postgres', $top_sql), $coord->safe_psql('single', $top_sql),
	'top_leads() merges the shards into one node\'s 15 best');
my $explain_sql = q{SELECT string_agg(e::text, ';' ORDER BY e::text) FROM leadscore.explain('core', 4::bigint) e};
sub one_decimal { my ($s) = @_; $s =~ s/(-?\d+\.\d+(?:e-?\d+)?)/sprintf('%.1f', $1)/ge; return $s; }
is( one_decimal($coord->safe_psql('postgres', $explain_sql)),
	one_decimal($coord->safe_psql('single', $explain_sql)),
	'explain() of a lead equals one node\'s');
# score_at() and score_history() at fixed times, dna()'s lifecycle.
my $history_sql = q{SELECT round(leadscore.score_at('core', 4::bigint, '2026-11-20 00:00+00')::numeric, 6) || ';'
	|| string_agg(format('%s %s %s', h.at, round(h.score::numeric, 6), h.status), ';' ORDER BY h.at)
	FROM leadscore.score_history('core', 4::bigint, '2026-11-01 00:00+00', '2026-12-01 12:00+00', '5 days') h};
is($coord->safe_psql('postgres', $history_sql), $coord->safe_psql('single', $history_sql),
	'score_at() and score_history() of a lead equal one node\'s');
my $dna_sql = q{SELECT string_agg(concat_ws(' ', m ->> 'model', m ->> 'status', m ->> 'stage', m ->> 'grade',
	m -> 'account' ->> 'account_id'), ';') FROM jsonb_array_elements(leadscore.dna(4::bigint) -> 'models') m};
is($coord->safe_psql('postgres', $dna_sql), $coord->safe_psql('single', $dna_sql), 'dna() of a lead equals one node\'s');
my $top_accounts_sql = q{SELECT string_agg(account_id, ',' ORDER BY score DESC, account_id) FROM leadscore.top_accounts('core', 8)};
is($coord->safe_psql('postgres', $top_accounts_sql), $coord->safe_psql('single', $top_accounts_sql),
	'top_accounts() equals one node\'s 8 best, before any tick() folded the shards\' deltas');
isnt($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.account_deltas'), '0',
	'the shards appended their accounts\' changes, not folded yet');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty on Citus');
# stats: the rows each attached table skipped or could not type, logged
# by each worker's shards, summed on the coordinator.
my $stats_sql = q{SELECT string_agg(concat_ws(' ', coalesce(source::text, '-'), coalesce(model, '-'),
	coalesce(rows_scored::text, '-'), coalesce(rows_skipped::text, '-'), coalesce(unknown_types::text, '-'),
	coalesce(points_unscored::text, '-')), ';' ORDER BY source::text NULLS LAST, model) FROM leadscore.stats};
my $stats = $coord->safe_psql('single', $stats_sql);
like($stats, qr/crm\.activities - - \d+ [1-9]/, 'one node counted rows of unknown types');
is($coord->safe_psql('postgres', $stats_sql), $stats, "stats sums the workers' counts to one node's");

# tick() under pg_cron runs on the coordinator: the workers tick their
# shards, and the coordinator relays the handoffs to its listeners.
my $tick = q{SELECT leadscore.tick(timestamptz '2026-12-20 00:00+00')};
is($coord->safe_psql('postgres', $tick), $coord->safe_psql('single', $tick),
	'tick() reports as many transitions on Citus as on one node');
same_state('after tick()');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.account_deltas'), '0',
	'tick() folded every account delta on the coordinator');
my $hot_sql = q{SELECT string_agg(account_id, ',' ORDER BY account_id) FROM leadscore.account_state WHERE status = 'hot'};
my $hot = $coord->safe_psql('single', $hot_sql);
isnt($hot, '', 'some accounts are hot');
is($coord->safe_psql('postgres', $hot_sql), $hot, 'after tick() the same accounts are hot as on one node');
is( $coord->safe_psql('postgres', q{
		SELECT count(*) FROM leadscore.events WHERE kind = 'status' AND to_value = 'sql' AND notified_at IS NOT NULL}),
	$handoffs, "tick() relayed the shards' handoffs from the coordinator");

# The handoff queue: on one node a trigger on events opens each handoff
# with its owner; on Citus the shard opens it, unowned, and tick() gives
# it its owner: the lead row's rep, else the pool (the pool's two reps
# take turns, in an order each node has its own way: "pool").  A lead
# whose row was deleted since it reached sql had its rep on one node and
# has the pool's on Citus ("gone").
my $queue_sql = q{
	SELECT string_agg(format('%s %s %s', h.lead_id,
		CASE WHEN l.id IS NULL THEN 'gone' WHEN h.owner LIKE 'pool-%' THEN 'pool' ELSE coalesce(h.owner, '-') END,
		h.status), ',' ORDER BY h.lead_id, h.status)
	FROM leadscore.handoffs h LEFT JOIN crm.leads l ON l.id = h.lead_id};
my $queue = $coord->safe_psql('single', $queue_sql);
isnt($queue, '', 'leads reaching sql opened handoffs on one node');
is($coord->safe_psql('postgres', $queue_sql), $queue,
	'after tick() the same handoffs are open on Citus, with the same owners');
like( $coord->safe_psql('postgres', q{
		SELECT count(*) FILTER (WHERE owner = 'pool-a') - count(*) FILTER (WHERE owner = 'pool-b') FROM leadscore.handoffs}),
	qr/^-?[01]$/, "the pool's reps took turns on Citus");
# Sales accept one and reject one: the lowest two leads' handoffs.
for my $db ('postgres', 'single')
{
	$coord->safe_psql($db, q{
		SELECT leadscore.accept_handoff((SELECT id FROM leadscore.handoffs WHERE status = 'open' ORDER BY lead_id LIMIT 1));
		SELECT leadscore.reject_handoff((SELECT id FROM leadscore.handoffs WHERE status = 'open' ORDER BY lead_id LIMIT 1),
			'no budget')});
}
my $closed_sql = q{SELECT string_agg(format('%s %s %s', lead_id, to_value, cause), ',' ORDER BY lead_id, to_value)
	FROM leadscore.events WHERE kind = 'handoff'};
is($coord->safe_psql('postgres', $queue_sql) . ';' . $coord->safe_psql('postgres', $closed_sql),
	$coord->safe_psql('single', $queue_sql) . ';' . $coord->safe_psql('single', $closed_sql),
	'accept_handoff() and reject_handoff() on the coordinator close them as on one node, each with its event');

# score_agg() pushed down to the shards reads the configuration there.
my $agg_sql = q{
	SELECT string_agg(format('%s %s', x.lead_id, round(x.s::numeric, 6)), ',' ORDER BY x.lead_id)
	FROM (SELECT a.lead_id, leadscore.score_agg('core', a.kind, a.at, timestamptz '2026-12-01 12:00+00', to_jsonb(a)) AS s
		FROM crm.activities a WHERE a.at <= '2026-12-01 12:00+00' GROUP BY a.lead_id) x};
is($coord->safe_psql('postgres', $agg_sql), $coord->safe_psql('single', $agg_sql),
	'score_agg() grouped by lead over the distributed table equals one node\'s');
my $momentum_sql = q{SELECT string_agg(lead_id::text, ',' ORDER BY momentum DESC, lead_id) FROM leadscore.top_momentum('core', 10)};
is($coord->safe_psql('postgres', $momentum_sql), $coord->safe_psql('single', $momentum_sql),
	'top_momentum() equals one node\'s');

# Outcomes may be any Citus table: calibrate() and evaluate() read them.
both(q{CREATE TABLE crm.won (lead_id bigint, won_at timestamptz, amount numeric)});
$coord->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT create_distributed_table('crm.won', 'lead_id', colocate_with => 'crm.leads')});
both(q{INSERT INTO crm.won SELECT g, timestamptz '2026-12-02 00:00+00' + g * interval '1 minute', g FROM generate_series(1, 330, 4) g;
	SELECT leadscore.attach_outcomes('crm.won', 'lead_id', 'won_at', amount_column => 'amount')});
my $calibrate_sql = q{SELECT string_agg(format('%s %s %s %s', kind, name, leads, converted), ';' ORDER BY kind, name)
	FROM leadscore.calibrate('core', '2026-10-01', '2026-12-01 12:00+00')};
is($coord->safe_psql('postgres', $calibrate_sql), $coord->safe_psql('single', $calibrate_sql),
	'calibrate() over the distributed tables equals one node\'s');
my $evaluate_sql = q{SELECT string_agg(format('%s %s %s %s %s', scope, segment, leads, converted, round(roc_auc::numeric, 6)),
	';' ORDER BY scope, segment) FROM leadscore.evaluate('core', '2026-12-01 12:00+00', interval '30 days')};
is($coord->safe_psql('postgres', $evaluate_sql), $coord->safe_psql('single', $evaluate_sql),
	'evaluate() over the distributed tables equals one node\'s');

# learn() on the coordinator reads the distributed history and outcomes
# and makes its candidate; on Citus the candidate is scored once learn()'s
# transaction commits (rescore() on the workers), and its probability link
# fitted then.
both(q{CREATE VIEW crm.pop AS SELECT id AS lead_id FROM crm.leads});
my $learn_sql = q{SELECT string_agg(format('%s %s %s', kind, coalesce(name, '-'), round(learned::numeric, 4)), ';'
	ORDER BY kind, name) FROM leadscore.learn('core', '30 days', 'crm.pop', as_of => '2026-12-01 12:00+00')};
($rc, $out, $err) = (0, '', '');
$rc = $coord->psql('postgres', $learn_sql, stdout => \$out, stderr => \$err);
is($out, $coord->safe_psql('single', $learn_sql), 'learn() on Citus learns the points one node learns');
like($err, qr/NOTICE:  leadscore\.learn\(\) made candidate model 'core_learned'; on Citus it is scored after this transaction commits.*HINT:  Then run SELECT leadscore\.rescore\('core_learned'\)/s,
	'and says how to score its candidate');
both(q{SELECT leadscore.rescore('core_learned');
	SELECT count(*) FROM leadscore.fit_probability('core_learned', '30 days', 'crm.pop', as_of => '2026-12-01 12:00+00')});
same_state('the learned candidate rescored');
my $link_sql = q{SELECT array_to_string(ARRAY(SELECT round(x::numeric, 4) FROM unnest(p.link) x), ' ')
	FROM leadscore.probability_links p JOIN leadscore.models m ON m.id = p.model_id WHERE m.name = 'core_learned'};
is($coord->safe_psql('postgres', $link_sql), $coord->safe_psql('single', $link_sql),
	"the candidate's probability link equals one node's");

# A Citus table attached after distribute(): colocated and distributed by
# its lead column, or refused.
both(q{CREATE TABLE crm.emails (lead_id bigint, kind text, at timestamptz, url text)});
$coord->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT create_distributed_table('crm.emails', 'kind')});
($rc, $out, $err) = (0, '', '');
$rc = $coord->psql('postgres', q{SELECT leadscore.attach_activities('crm.emails', 'lead_id', 'kind', 'at')},
	stdout => \$out, stderr => \$err);
like($err, qr/ERROR:  Citus table crm\.emails is not distributed by lead_id colocated with leadscore's state/,
	'attaching a Citus table distributed by another column is refused');
$coord->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT undistribute_table('crm.emails');
	SELECT create_distributed_table('crm.emails', 'lead_id', colocate_with => 'leadscore.lead_state')});
$coord->safe_psql('postgres', q{INSERT INTO crm.emails VALUES (1, 'webinar', now(), '/w')});
$rc = $coord->psql('postgres', q{SELECT leadscore.attach_activities('crm.emails', 'lead_id', 'kind', 'at')},
	stdout => \$out, stderr => \$err);
like($err, qr/ERROR:  Citus table crm\.emails holds rows, which leadscore cannot score while attaching it/,
	'attaching a Citus table that holds rows is refused, not scored half');
$coord->safe_psql('postgres', q{TRUNCATE crm.emails});
both(q{SELECT leadscore.attach_activities('crm.emails', 'lead_id', 'kind', 'at')});
# Its shards' TRUNCATE trigger, which Citus does not send.
$coord->safe_psql('postgres', 'SELECT leadscore.distribute()');
both(q{INSERT INTO crm.emails SELECT g % 70, 'demo', timestamptz '2026-11-21 10:00+00', '/demo/e' FROM generate_series(1, 200) g});
same_state('a Citus table attached after distribute(), its rows written after');

# Sales' ledger on the coordinator: adjust() and reset() write their row
# on the lead's shard and rescore the lead there, in the caller's
# transaction.  A writer session whose worker backends built their plans
# before: a shard group's first reset must reach them (lead 19's group
# first, through the configuration's generation; then the other groups',
# which only their node hears).
my $writer = $coord->background_psql('postgres');
my $writes = 'INSERT INTO crm.activities SELECT 300000 + g, g, \'webinar\', timestamptz \'2026-11-28 10:00+00\','
  . ' \'/w\' FROM generate_series(1, 330) g';
$writer->query_safe($writes);
$coord->safe_psql('single', $writes);
both(q{SELECT leadscore.reset('core', 19, 'closed lost')});
$writes =~ s/300000/310000/;
$writer->query_safe($writes);
$coord->safe_psql('single', $writes);
# Called per row of a CRM table's query, Citus would run it on the shards.
($rc, $out, $err) = (0, '', '');
$rc = $coord->psql('postgres', q{SELECT leadscore.reset('core', id, 'closed lost') FROM crm.leads WHERE id % 19 = 0},
	stdout => \$out, stderr => \$err);
like($err, qr/ERROR:  leadscore\.reset\(\) runs on the Citus coordinator.*HINT:  Take the rows from a materialized CTE/s,
	'reset() called per row of a distributed table is refused, saying how to call it');
both(q{WITH l AS MATERIALIZED (SELECT id FROM crm.leads WHERE id % 19 = 0 AND id > 19)
	SELECT leadscore.reset('core', id, 'closed lost') FROM l});
both(q{SELECT leadscore.adjust('core', g, 15 + g % 7, 'met at the fair') FROM generate_series(1, 330, 3) g});
both(q{BEGIN; SELECT leadscore.adjust('core', 2::bigint, 500, 'a mistake'); ROLLBACK});
same_state('adjust() and reset() on the coordinator, one rolled back');
# Activity dated before a lead's reset counts no more, in every group.
$writes =~ s/310000/320000/;
$writer->query_safe($writes);
$coord->safe_psql('single', $writes);
$writer->quit;
same_state('activity dated before the resets, written by a session older than them');
my $ledger_events_sql = q{SELECT string_agg(format('%s %s %s', lead_id, to_value, cause), ',' ORDER BY lead_id, to_value)
	FROM leadscore.events WHERE cause IN ('adjustment', 'reset')};
my $ledger_events = $coord->safe_psql('single', $ledger_events_sql);
like($ledger_events, qr/ reset,.* adjustment/, 'the ledger moved leads on one node');
is($coord->safe_psql('postgres', $ledger_events_sql), $ledger_events, 'and the same leads on Citus, with the same causes');
my $explain_ledger_sql = q{SELECT string_agg(e::text, ';' ORDER BY e::text) FROM leadscore.explain('core', 76::bigint) e};
is( one_decimal($coord->safe_psql('postgres', $explain_ledger_sql)),
	one_decimal($coord->safe_psql('single', $explain_ledger_sql)),
	'explain() of a reset and adjusted lead equals one node\'s');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after the ledger');

# A node added after distribute(): prepare_node() gives it leadscore with
# this database's key types (Citus checks them as it adds the node), and
# distribute() run again names the attachments there; then a shard group
# moves to it and scores on.
my $spare = start_citus_node('dist', 'worker3');
my $spare_port = $spare->port;
$coord->safe_psql('postgres', "SELECT leadscore.prepare_node('127.0.0.1', $spare_port)");
$coord->safe_psql('postgres', "SET client_min_messages = warning; SELECT citus_add_node('127.0.0.1', $spare_port)");
$coord->safe_psql('postgres', 'SELECT leadscore.distribute()');
($shard, $from) = split /\|/, $coord->safe_psql('postgres', q{
	SELECT s.shardid, p.nodeport FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid)
	JOIN pg_dist_node p USING (groupid)
	WHERE s.logicalrelid = 'crm.activities'::regclass ORDER BY s.shardid LIMIT 1});
$coord->safe_psql('postgres', "SELECT citus_move_shard_placement($shard, '127.0.0.1', $from, '127.0.0.1',"
	  . " $spare_port, shard_transfer_mode => 'block_writes')");
my $moved_leads = $coord->safe_psql('postgres', "SELECT string_agg(l.id::text, ',' ORDER BY l.id) FROM crm.leads l"
	  . " WHERE get_shard_id_for_distribution_column('crm.activities', l.id) = $shard AND l.id % 3 = 1");
is( $coord->safe_psql('postgres', "SELECT p.nodeport FROM pg_dist_placement pl JOIN pg_dist_node p USING (groupid)"
		  . " WHERE pl.shardid = $shard"),
	$spare_port, "shard $shard moved to the node added after distribute()");
isnt($moved_leads, '', 'leads live there');
both('INSERT INTO crm.activities VALUES ' . activity_values(600, 330));
both("SELECT leadscore.adjust('core', id, 11, 'followed up') FROM unnest('{$moved_leads}'::bigint[]) id");
same_state('a node added after distribute() scores its shards and keeps their ledger');

# A partitioned table: partitions made, attached, detached, dropped and
# truncated on the coordinator, after distribute().  Their shards follow:
# each group rescores what came or left, in the DDL's transaction.
both(q{CREATE TABLE crm.visits (lead_id bigint, kind text, at timestamptz, url text) PARTITION BY RANGE (at);
	CREATE TABLE crm.visits_nov PARTITION OF crm.visits FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
	CREATE TABLE crm.visits_dec PARTITION OF crm.visits FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')});
$coord->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT create_distributed_table('crm.visits', 'lead_id', colocate_with => 'crm.leads')});
both(q{SELECT leadscore.attach_activities('crm.visits', 'lead_id', 'kind', 'at')});
$coord->safe_psql('postgres', 'SELECT leadscore.distribute()');
# 900 visits over 20 days from a date.
sub visits
{
	my ($from) = @_;
	return qq{INSERT INTO crm.visits SELECT g % 330 + 1, CASE WHEN g % 3 = 0 THEN 'demo' ELSE 'webinar' END,
		timestamptz '$from' + (g % 20) * interval '1 day', '/demo/v' FROM generate_series(1, 900) g};
}
both(visits('2026-11-05'));
both(visits('2026-12-02'));
same_state('a partitioned Citus table attached after distribute()');
both(q{CREATE TABLE crm.visits_jan PARTITION OF crm.visits FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')});
both(visits('2027-01-03'));
same_state('rows written into a partition made after distribute()');
both(q{TRUNCATE crm.visits_jan});
same_state('TRUNCATE of that partition');
both(q{DROP TABLE crm.visits_nov});
same_state('DROP TABLE of a partition');
both(q{ALTER TABLE crm.visits DETACH PARTITION crm.visits_dec});
same_state('DETACH PARTITION');
both(q{ALTER TABLE crm.visits ATTACH PARTITION crm.visits_dec FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')});
same_state('ATTACH PARTITION of a table that holds rows');
both(visits('2026-12-05'));
same_state('rows written after it');
# A table made apart and loaded, then attached: Citus distributes it then.
both(q{CREATE TABLE crm.visits_feb (lead_id bigint, kind text, at timestamptz, url text);
	INSERT INTO crm.visits_feb SELECT g % 330 + 1, 'demo', timestamptz '2027-02-02', '/demo/f' FROM generate_series(1, 400) g;
	ALTER TABLE crm.visits ATTACH PARTITION crm.visits_feb FOR VALUES FROM ('2027-02-01') TO ('2027-03-01')});
same_state('ATTACH PARTITION of a loaded table made apart');
both(q{TRUNCATE crm.visits_feb});
same_state('TRUNCATE of that partition');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after the partitions');

# rescore() after a rule change, and TRUNCATE: each worker rebuilds its
# shard groups.
both(q{SELECT leadscore.update_rule((SELECT r.id FROM leadscore.rules r JOIN leadscore.models m ON m.id = r.model_id
	WHERE r.name = 'view' AND m.name = 'core'), points => 9)});
both(q{SELECT leadscore.rescore('core')});
same_state('rescore() after a change of points');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after it');
both(q{TRUNCATE crm.emails});
same_state('TRUNCATE of an attached Citus table');
both(q{TRUNCATE crm.activities});
same_state('TRUNCATE of the other');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after them');

# Past their SLA the open handoffs expire at tick() on the coordinator,
# each with its event; those opened since the last tick get owners first.
both(q{SELECT leadscore.tick(now() + interval '101 days')});
is($coord->safe_psql('postgres', $queue_sql) . ';' . $coord->safe_psql('postgres', $closed_sql),
	$coord->safe_psql('single', $queue_sql) . ';' . $coord->safe_psql('single', $closed_sql),
	'tick() past the SLA expires the same handoffs as on one node');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM leadscore.handoffs WHERE status = 'open'}), '0',
	'no handoff is left open');

done_testing();
