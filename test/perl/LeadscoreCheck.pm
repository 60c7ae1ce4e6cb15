# The scoring configuration of the replication tests (test/t/012_*,
# test/t/013_*) and the checks they run after every step on a database that
# has it: leadscore.verify() is empty, every lead's score, stage, status,
# activity_count and last_activity_at in leadscore.lead_scores equals an
# independent plain-SQL recompute (the one of test/t/011_loaders.pl:
# window functions for the caps, power(2, -(now - t)/h) for decay, in the
# same statement as the view so both see one now()), grades equal
# leadscore.grade() of the lead rows, and the lifecycle events of every
# lead chain from one to the next and end at the lifecycle the state
# records (a transition reported twice, or not at all, breaks the chain).
#
# The CRM: crm.activities (text lead keys: the limit on key length is for
# text keys) and crm.contacts, graded for 'core' and grouped into accounts
# by company.

package LeadscoreCheck;

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use List::Util qw(max);
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(sql_quote crm_tables_sql scoring_setup_sql attach_sql expected_view_sql
  check_consistency event_problems wait_until);

my @models = (
	{
		name      => 'core',
		half_life => undef,                   # no decay: its events do not depend on the clock
		mql       => 30,
		sql       => 80,
		stages    => [qw(aware consider decide)],
		stage_min => 10,
		max_score => undef,
		extra     => q{, sql_min_grade => NULL, grade_profile => 'fit', account_threshold => 120},
	},
	{
		name      => 'fast',
		half_life => 7 * 86400,               # seconds
		mql       => 20,
		sql       => 60,
		stages    => [qw(learn evaluate buy)],
		stage_min => 15,
		max_score => 60,
		extra     => '',
	},
);
my %model_by_name = map { $_->{name} => $_ } @models;

my @rules = (
	{ model => 'core', type => 'page_view', points => 5, stage => 'aware' },
	{
		model     => 'core',
		type      => 'page_view',
		points    => 20,
		stage     => 'decide',
		cond      => q{url LIKE '/pricing%' AND duration_s >= 30},
		max_count => 3
	},
	{ model => 'core', type => 'webinar',     points => 25,  stage => 'consider', max_count => 1 },
	{ model => 'core', type => 'demo_request', points => 90, stage => 'decide' },
	{ model => 'core', type => 'unsubscribe', points => -30 },
	{ model => 'core', type => 'page_view',   points => -10, cond => q{url LIKE '/careers%'}, max_count => 2 },
	{
		model     => 'fast',
		type      => 'email_open',
		points    => 3,
		stage     => 'learn',
		cond      => q{channel = 'email'},
		max_count => 5
	},
	{ model => 'fast', type => 'download',     points => 20,  stage => 'evaluate', cond => q{url ILIKE '%.pdf'} },
	{ model => 'fast', type => 'demo_request', points => 50,  stage => 'buy', max_count => 1 },
	{ model => 'fast', type => 'unsubscribe',  points => -25 },
);

sub sql_quote
{
	my ($s) = @_;
	return 'NULL' unless defined $s;
	$s =~ s/'/''/g;
	return "'$s'";
}

# The CRM's tables, as on the publisher; $partitioned: crm.activities
# partitioned by id, its first partition only (the caller adds the rest).
sub crm_tables_sql
{
	my (%opt) = @_;
	my $activities =
	  'CREATE TABLE crm.activities (id bigint PRIMARY KEY, lead_id text, kind text,'
	  . ' occurred_at timestamptz, url text, duration_s integer, channel text, note text)';
	$activities .= $opt{partitioned}
	  ? " PARTITION BY RANGE (id);\nCREATE TABLE crm.activities_early PARTITION OF crm.activities"
	  . " FOR VALUES FROM (MINVALUE) TO ($opt{partitioned});"
	  : ';';
	return join("\n",
		'SET client_min_messages = warning;',
		'CREATE SCHEMA crm;',
		$activities,
		'CREATE INDEX ON crm.activities (lead_id, occurred_at);',
		'CREATE TABLE crm.contacts (id text PRIMARY KEY, company text, title text);');
}

# The extension, the grade profile, the models and their rules.
sub scoring_setup_sql
{
	my @sql = (
		'SET client_min_messages = warning;',
		'CREATE EXTENSION leadscore;',
		q{SELECT leadscore.create_grade_profile('fit');},
		q{SELECT leadscore.add_criterion('fit', 'title ~* ''head|chief''', 3, 'decision maker');},
		q{SELECT leadscore.add_criterion('fit', 'title ~* ''student''', -4, 'student');},
		q{SELECT leadscore.add_criterion('fit', 'company = ''acme''', 1, 'key account');});
	for my $m (@models)
	{
		my $hl = defined $m->{half_life} ? "'$m->{half_life} seconds'" : 'NULL';
		my $stages = '{' . join(',', @{ $m->{stages} }) . '}';
		my $max = $m->{max_score} // 'NULL';
		push @sql,
		  "SELECT leadscore.create_model('$m->{name}', half_life => $hl, mql_threshold => $m->{mql},"
		  . " sql_threshold => $m->{sql}, stages => '$stages', stage_min_points => $m->{stage_min},"
		  . " max_score => $max$m->{extra});";
	}
	for my $r (@rules)
	{
		my @args = (sql_quote($r->{model}), sql_quote($r->{type}), $r->{points});
		push @args, 'stage => ' . sql_quote($r->{stage}) if defined $r->{stage};
		push @args, 'condition => ' . sql_quote($r->{cond}) if defined $r->{cond};
		push @args, "max_count => $r->{max_count}" if defined $r->{max_count};
		push @sql, 'SELECT leadscore.add_rule(' . join(', ', @args) . ');';
	}
	return join("\n", @sql);
}

# All a user does to have the CRM tables scored.
sub attach_sql
{
	return join("\n",
		q{SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'occurred_at');},
		q{SELECT leadscore.attach_leads('crm.contacts', 'id', account_column => 'company');});
}

# The independent recompute, as a view: one row per (model, lead) with at
# least one activity matching a rule of the model.  Keys over 1 kB are bad
# data (README, "Bad rows never fail an insert").
sub expected_view_sql
{
	my (@hits, @rule_rows);
	my $n = 0;
	for my $r (@rules)
	{
		$n++;
		my $cond = $r->{cond} // 'true';
		push @hits,
		  "SELECT $n AS rule_no, a.id, a.lead_id, a.occurred_at FROM crm.activities a"
		  . ' WHERE a.kind = ' . sql_quote($r->{type}) . " AND ($cond)"
		  . ' AND a.lead_id IS NOT NULL AND octet_length(a.lead_id) <= 1024'
		  . ' AND a.occurred_at IS NOT NULL AND isfinite(a.occurred_at)';
		my $m = $model_by_name{ $r->{model} };
		my $stage_no = 'NULL::int';
		if (defined $r->{stage})
		{
			my ($i) = grep { $m->{stages}[$_] eq $r->{stage} } 0 .. $#{ $m->{stages} };
			die "unknown stage $r->{stage}" unless defined $i;
			$stage_no = $i + 1;
		}
		push @rule_rows,
		  "($n, '$r->{model}', $r->{points}::float8, $stage_no, " . ($r->{max_count} // 'NULL::int') . ')';
	}
	my $model_rows = join(', ',
		map { "('$_->{name}', " . (defined $_->{half_life} ? "$_->{half_life}::float8" : 'NULL::float8') . ')' }
		  @models);
	my $stage_cols = join(",\n\t",
		map { "coalesce(sum(pts) FILTER (WHERE stage_no = $_), 0) AS s$_,"
			  . " coalesce(sum(abs(pts)) FILTER (WHERE stage_no = $_), 0) AS m$_" } 1 .. 3);
	return <<"EOF";
CREATE OR REPLACE VIEW public.expected_scores AS
WITH hits AS (
	@{[ join("\n\tUNION ALL ", @hits) ]}
), rules (rule_no, model, points, stage_no, max_count) AS (
	VALUES @{[ join(",\n\t", @rule_rows) ]}
), models (model, half_life_s) AS (
	VALUES $model_rows
), ranked AS (
	SELECT h.*, r.model, r.points, r.stage_no, r.max_count,
		row_number() OVER (PARTITION BY h.rule_no, h.lead_id ORDER BY h.occurred_at DESC) AS rn
	FROM hits h JOIN rules r USING (rule_no)
), aged AS (
	SELECT k.*, m.half_life_s, extract(epoch FROM now() - k.occurred_at)::float8 AS age_s
	FROM ranked k JOIN models m USING (model)
), weighted AS (
	SELECT a.*,
		CASE WHEN a.max_count IS NOT NULL AND a.rn > a.max_count THEN 0::float8
			WHEN a.half_life_s IS NULL THEN a.points
			-- power() raises an underflow error where the result rounds to 0
			WHEN a.age_s / a.half_life_s > 1000 THEN 0::float8
			ELSE a.points * power(2::float8, -(a.age_s / a.half_life_s)) END AS pts
	FROM aged a
)
SELECT model, lead_id, sum(pts) AS score, sum(abs(pts)) AS magnitude,
	$stage_cols,
	count(DISTINCT id) AS activity_count, max(occurred_at) AS last_activity_at
FROM weighted
GROUP BY model, lead_id;
EOF
}

# One statement: the recompute next to the view, so both use one now().
my $compare_sql = <<'EOF';
SELECT coalesce(e.model, v.model),
	e.model IS NOT NULL, v.model IS NOT NULL,
	coalesce(e.score, 0), coalesce(e.magnitude, 0), coalesce(e.activity_count, 0),
	coalesce(e.s1, 0), coalesce(e.s2, 0), coalesce(e.s3, 0),
	coalesce(e.m1, 0), coalesce(e.m2, 0), coalesce(e.m3, 0),
	e.last_activity_at IS NOT DISTINCT FROM v.last_activity_at,
	v.score, coalesce(v.stage, '-'), v.status, v.activity_count,
	coalesce(e.lead_id, v.lead_id)::text
FROM public.expected_scores e
FULL JOIN leadscore.lead_scores v ON v.model = e.model AND v.lead_id = e.lead_id
ORDER BY 1, 18
EOF

# The stages (undef: none) a lead may have, given its decayed stage points:
# the furthest stage at or above the minimum; a value within rounding of the
# minimum may go either way.
sub acceptable_stages
{
	my ($m, $points, $mags) = @_;
	my @ok;
	for (my $i = $#{ $m->{stages} }; $i >= 0; $i--)
	{
		my $eps = 1e-9 * max(abs($mags->[$i]), abs($points->[$i]), 1);
		if ($points->[$i] >= $m->{stage_min} + $eps)
		{
			push @ok, $m->{stages}[$i];
			return @ok;
		}
		push @ok, $m->{stages}[$i] if $points->[$i] >= $m->{stage_min} - $eps;
	}
	push @ok, undef;
	return @ok;
}

sub acceptable_statuses
{
	my ($m, $score, $mag) = @_;
	my $eps = 1e-9 * max(abs($score), $mag, 1);
	my %ok;
	for my $s ($score - $eps, $score + $eps)
	{
		$ok{ $s >= $m->{sql} ? 'sql' : $s >= $m->{mql} ? 'mql' : 'nurture' } = 1;
	}
	return keys %ok;
}

# Compares lead_scores with the recompute; returns (rows, leads with
# activity, mismatch descriptions).
sub compare_scores
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql($db, $compare_sql);
	my @bad;
	my ($rows, $active) = (0, 0);
	for my $line (split /\n/, $out)
	{
		my @f = split /\|/, $line, 18;
		die "bad compare line: $line" unless @f == 18;
		my ($model, $e_has, $v_has, $e_score, $e_mag, $e_count, @rest) = @f;
		my @s = @rest[0 .. 2];
		my @sm = @rest[3 .. 5];
		my ($last_same, $v_score, $v_stage, $v_status, $v_count, $lead) = @rest[6 .. 11];
		my $m = $model_by_name{$model} or die "unknown model $model";
		$rows++;
		$active++ if $e_count > 0;
		my $who = "$model/" . (length($lead) > 40 ? substr($lead, 0, 40) . '...' : $lead);
		if ($v_has ne 't')
		{
			push @bad, "$who: missing from lead_scores (expected score $e_score, $e_count activities)";
			next;
		}
		my @why;
		my $want = defined $m->{max_score} && $e_score > $m->{max_score} ? $m->{max_score} : $e_score;
		my $tol = 1e-9 * max(abs($v_score), abs($want), $e_mag, 1);
		push @why, "score $v_score, expected $want" unless abs($v_score - $want) <= $tol;
		push @why, "activity_count $v_count, expected $e_count" unless $v_count == $e_count;
		push @why, 'last_activity_at differs' unless $last_same eq 't';
		my $stage = $v_stage eq '-' ? undef : $v_stage;
		my @stages = acceptable_stages($m, \@s, \@sm);
		push @why,
		  'stage ' . ($stage // 'NULL') . ', expected ' . join(' or ', map { $_ // 'NULL' } @stages)
		  unless grep { (defined $_ ? $_ : '-') eq $v_stage } @stages;
		my @statuses = acceptable_statuses($m, $e_score, $e_mag);
		push @why, "status $v_status, expected " . join(' or ', @statuses)
		  unless grep { $_ eq $v_status } @statuses;
		push @bad, "$who: " . join('; ', @why) if @why;
	}
	return ($rows, $active, \@bad);
}

# Grades: every contact with a key of at most 1 kB has a 'core' state with
# leadscore.grade() of its row, every other lead none.
my $grade_sql = <<'EOF';
SELECT coalesce(c.id, v.lead_id::text) || ': grade ' || coalesce(v.grade::text, 'NULL')
	|| ', expected ' || coalesce(leadscore.grade('fit', to_jsonb(c))::text, 'NULL')
FROM (SELECT lead_id, grade FROM leadscore.lead_scores WHERE model = 'core') v
FULL JOIN (SELECT * FROM crm.contacts WHERE octet_length(id) <= 1024) c ON c.id = v.lead_id
WHERE v.grade IS DISTINCT FROM leadscore.grade('fit', to_jsonb(c))
ORDER BY 1
EOF

# Lifecycle events: per (model, lead, kind), in id order, each starts where
# the one before ended (the first from nurture / no stage / no grade), none
# is a non-change, and the last ends at the lifecycle the state row records
# (a lead without a state row, its rows all gone, is in nurture, with no
# stage or grade).
my $chain_sql = <<'EOF';
WITH e AS (
	SELECT id, model, lead_id::text AS lead, kind, from_value, to_value,
		lag(to_value) OVER w AS prev, row_number() OVER w AS n,
		count(*) OVER (PARTITION BY model, lead_id, kind) AS total
	FROM leadscore.events WINDOW w AS (PARTITION BY model, lead_id, kind ORDER BY id)
), recorded AS (
	SELECT m.name AS model, s.lead_id::text AS lead, k.kind,
		CASE k.kind WHEN 'status' THEN s.status WHEN 'stage' THEN s.stage ELSE s.grade::text END AS value
	FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id
	CROSS JOIN (VALUES ('status'), ('stage'), ('grade')) k (kind)
)
SELECT format('%s/%s %s: event %s goes %s -> %s after %s', model, left(lead, 40), kind, id,
		coalesce(from_value, 'NULL'), coalesce(to_value, 'NULL'), coalesce(prev, 'NULL'))
FROM e
WHERE from_value IS NOT DISTINCT FROM to_value
	OR (n = 1 AND from_value IS DISTINCT FROM CASE kind WHEN 'status' THEN 'nurture' END)
	OR (n > 1 AND from_value IS DISTINCT FROM prev)
UNION ALL
SELECT format('%s/%s %s: the state records %s, the last event says %s', model, left(lead, 40), kind,
		coalesce(r.value, CASE WHEN r.model IS NULL THEN 'nothing (no state row)' ELSE 'NULL' END),
		coalesce(e.to_value, CASE WHEN e.model IS NULL THEN 'nothing (no event)' ELSE 'NULL' END))
FROM recorded r
FULL JOIN (SELECT * FROM e WHERE n = total) e USING (model, lead, kind)
WHERE coalesce(r.value, CASE kind WHEN 'status' THEN 'nurture' ELSE '' END)
	IS DISTINCT FROM coalesce(e.to_value, CASE kind WHEN 'status' THEN 'nurture' ELSE '' END)
ORDER BY 1
EOF

# Polls until $sql returns 't', at most $seconds of wall-clock time (the
# framework's poll_query_until counts attempts, each a psql start); false
# when it did not.  Connection failures count as not yet (a restarting
# server).
sub wait_until
{
	my ($node, $db, $sql, $seconds) = @_;
	my $deadline = time() + $seconds;
	while (time() < $deadline)
	{
		my ($rc, $out) = $node->psql($db, $sql);
		return 1 if $rc == 0 && $out eq 't';
		usleep(100_000);
	}
	return 0;
}

sub lines { return grep { $_ ne '' } split /\n/, $_[0]; }

sub first20 { my @l = @_; return join("\n", @l[ 0 .. ($#l < 19 ? $#l : 19) ]); }

# The lifecycle problems of a database (the chain above), as lines.
sub event_problems
{
	my ($node, $db) = @_;
	return lines($node->safe_psql($db, $chain_sql));
}

# Every check after a step; returns true when all passed.
sub check_consistency
{
	my ($node, $db, $label) = @_;
	my @diff = lines($node->safe_psql($db,
		"SELECT coalesce(model, '-') || ' ' || coalesce(left(lead_id::text, 40), '-') || ': ' || difference"
		. ' FROM leadscore.verify() ORDER BY 1'));
	my $ok = is(scalar(@diff), 0, "$label: verify() is empty");
	diag(first20(@diff)) unless $ok;
	my ($rows, $active, $bad) = compare_scores($node, $db);
	ok(@$bad == 0, "$label: lead_scores equals the plain-SQL recompute ($rows rows, $active with activity)")
	  or do { diag(first20(@$bad)); $ok = 0; };
	my @grades = lines($node->safe_psql($db, $grade_sql));
	ok(@grades == 0, "$label: grades equal leadscore.grade() of the contact rows")
	  or do { diag(first20(@grades)); $ok = 0; };
	my @events = event_problems($node, $db);
	ok(@events == 0, "$label: lifecycle events chain, once per transition, to the recorded lifecycle")
	  or do { diag(first20(@events)); $ok = 0; };
	return $ok;
}

1;
