# Randomized consistency test of the activity triggers.
#
# A fixed-seed stream of a few thousand INSERT / UPDATE / DELETE / COPY /
# TRUNCATE statements, in a few hundred transactions (some rolled back, some
# with rolled-back savepoints), runs against an attached activity table scored
# by three models (no decay, 7-day and 30-day half-lives) with conditions,
# negative points, stages, caps, frequency windows, silence and streak
# rules, rules of every type (conditions on the type column) and points
# expressions over a numeric and an integer column (NULL, zero, negative,
# huge, NaN and infinite values; divisions by zero).  At checkpoints and at the end:
#
#   * leadscore.verify() is empty, in and between transactions: scores,
#     grades (from a lead table written at random too, graded for 'core'),
#     lifecycle records and account sums (accounts from the lead table's
#     company column, else from the first activity row naming a campaign);
#   * every lead's score, momentum, stage, status, band, activity_count and last_activity_at
#     in leadscore.lead_scores equals an independent plain-SQL recompute
#     (window functions for the caps, a recursive walk over each lead's
#     matching times for the frequency windows, runs of unanswered sends
#     for the silence rules, power(2, -(now - t)/h) for
#     decay; each row's points expression value computed in SQL from its
#     definition), evaluated in the same statement as the view so both see
#     the same now().
#
# At the end: stats.points_unscored counted rows without a usable value,
# score_agg() over each lead's rows equals lead_scores.score, and so does
# score_at(model, lead, now()) for a sample of 20 leads in every model.
#
# Part 1 uses bigint lead keys; part 2 repeats a shorter run with text and
# uuid keys, each in a database of its own (the first attachment fixes a
# database's lead key type).

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use List::Util qw(max);
use Time::HiRes qw(time);

# A fixed seed; LEADSCORE_TEST_SEED replays another stream.
srand($ENV{LEADSCORE_TEST_SEED} // 42);
my $started = time();

use constant DAY    => 86_400_000_000;    # microseconds
use constant HOUR   => 3_600_000_000;

# ---------------------------------------------------------------------------
# The scoring configuration, and the same rules in plain SQL for the
# independent recompute.
# ---------------------------------------------------------------------------

my @models = (
	{
		name      => 'core',
		half_life => undef,              # no decay
		mql       => 30,
		sql       => 80,
		stages    => [qw(aware consider decide)],
		stage_min => 10,                 # the default
		max_score => 150,
		# name, min_score (undef: the floor); 'elite' lies above max_score
		bands     => [ [ 'cold', undef ], [ 'warm', 30 ], [ 'hot', 80 ], [ 'elite', 200 ] ],
	},
	{
		name      => 'fast',
		half_life => 7 * 86400,          # seconds
		mql       => 20,
		sql       => 60,
		stages    => [qw(learn evaluate buy)],
		stage_min => 15,
		max_score => undef,
		bands     => [ [ 'engaged', 10 ], [ 'burning', 45 ] ],    # no floor
	},
	{
		name      => 'slow',
		half_life => 30 * 86400,
		momentum_half_life => 2 * 86400,    # seconds; the others' is 7 days
		momentum_ranking   => 1,            # the others do not rank it; verify() checks the ranks
		mql       => 25,
		sql       => 70,
		stages    => [qw(idea orientation choice contract)],
		stage_min => 10,
		max_score => undef,
	},
);
my %model_by_name = map { $_->{name} => $_ } @models;

# cond: the rule's condition in the condition language; sql: the same in SQL
# (defaults to cond: the language is a subset of SQL's expression syntax).
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
	{ model => 'core', type => 'webinar', points => 25, stage => 'consider', max_count => 1 },
	{ model => 'core', type => 'unsubscribe', points => -30 },
	{
		model     => 'core',
		type      => 'page_view',
		points    => -10,
		cond      => q{url LIKE '/careers%'},
		max_count => 5
	},
	{
		model  => 'core',
		type   => 'form_submit',
		points => 15,
		stage  => 'consider',
		cond   => q{NOT (campaign IN ('spam', 'test'))}
	},
	{
		model     => 'fast',
		type      => 'email_open',
		points    => 3,
		stage     => 'learn',
		cond      => q{channel IN ('email', 'newsletter')},
		max_count => 5
	},
	{
		model  => 'fast',
		type   => 'download',
		points => 20,
		stage  => 'evaluate',
		cond   => q{url ILIKE '%.pdf' OR duration_s IS NULL}
	},
	{ model => 'fast', type => 'demo_request', points => 50, stage => 'buy', max_count => 1 },
	{
		model  => 'fast',
		type   => 'page_view',
		points => 8,
		stage  => 'evaluate',
		cond   => q{url ~ '^/(pricing|product)/' AND NOT (duration_s < 10)}
	},
	{ model => 'fast', type => 'email_bounce', points => -4, max_count => 3 },
	{ model => 'slow', type => 'page_view', points => 2, stage => 'idea', cond => q{duration_s > 5} },
	{ model => 'slow', type => 'webinar', points => 15, stage => 'orientation', max_count => 3 },
	{
		model  => 'slow',
		type   => 'download',
		points => 12,
		stage  => 'orientation',
		cond   => q{url LIKE '/whitepaper/%'}
	},
	{ model => 'slow', type => 'demo_request', points => 40, stage => 'choice' },
	{
		model     => 'slow',
		type      => 'form_submit',
		points    => 30,
		stage     => 'contract',
		cond      => q{campaign IS NOT NULL AND campaign <> 'spam'},
		max_count => 5
	},
	{ model => 'slow', type => 'email_bounce', points => -6, stage => 'idea', max_count => 1 },
	{ model => 'slow', type => 'unsubscribe', points => -25 },
	# Frequency windows (within, cooldown: seconds; cooldown defaults to
	# within): the fixed instants 7 hours apart and the bursts of one lead
	# fill them, updates of time, type and url move rows in and out.
	{
		model     => 'fast',
		type      => 'page_view',
		points    => 6,
		stage     => 'buy',
		cond      => q{url LIKE '/p%' OR duration_s >= 60},
		min_count => 3,
		within    => 2 * 86400,
		cooldown  => 86400
	},
	{ model => 'core', type => 'webinar', points => 18, stage => 'decide', min_count => 2, within => 10 * 86400 },
	# Rules of every type (type undef: activity_type NULL), the condition
	# reading the type column: one capped, one plain (types no other rule
	# names: 'Page_View' always, 'chat' until the late rule), one a window.
	{
		model     => 'slow',
		type      => undef,
		points    => 4,
		stage     => 'idea',
		cond      => q{kind LIKE 'email_%' AND (channel IS NULL OR channel <> 'ads')},
		max_count => 4
	},
	{
		model  => 'core',
		type   => undef,
		points => 3,
		stage  => 'aware',
		cond   => q{kind IN ('chat', 'Page_View', 'download')}
	},
	{
		model     => 'fast',
		type      => undef,
		points    => 9,
		cond      => q{kind IN ('download', 'demo_request')},
		min_count => 2,
		within    => 3 * 86400,
		cooldown  => 5 * 86400
	},
	# Silence and streaks (responses: the response types; silence: the
	# window in seconds; in_a_row): sends near the fixed instants and the
	# near future leave scorings due and pending; 'core' carries them into
	# accounts.  Not in 'slow', which score_agg() recomputes below.
	{
		model    => 'core',
		type     => 'webinar',
		points   => -9,
		stage    => 'decide',
		responses => [qw(demo_request download)],
		silence  => 3 * 86400,
		in_a_row => 1
	},
	{
		model    => 'fast',
		type     => 'email_open',
		points   => -3,
		responses => [qw(download form_submit)],
		silence  => 6 * 3600,
		in_a_row => 2
	},
	# Points from a value (expr: the points expression; expr_sql: the same
	# per row in SQL, NULL where the engine has no value: a NaN or infinite
	# operand, a division by zero).  amt is the row's amount as float8.
	{
		model    => 'core',
		type     => 'download',
		expr     => 'least(amount / 1000, 50)',
		expr_sql => q{CASE WHEN amt IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE least(amt / 1000, 50) END},
		stage    => 'consider'
	},
	{
		model    => 'fast',
		type     => 'form_submit',
		expr     => 'coalesce(seats, 1) * 2.5 - 1',
		expr_sql => q{coalesce(a.seats, 1)::float8 * 2.5 - 1},
		stage    => 'buy',
		cond     => q{channel IS NULL OR channel <> 'ads'}
	},
	{
		model    => 'slow',
		type     => undef,
		expr     => 'amount / seats / 500',
		expr_sql => q{CASE WHEN a.seats = 0 OR amt IN ('NaN', 'Infinity', '-Infinity') THEN NULL}
		  . q{ ELSE amt / a.seats / 500 END},
		stage    => 'choice',
		cond     => q{kind IN ('demo_request', 'webinar', 'Page_View', 'chat')}
	},
);

# Added half-way through part 1 (then rescore()): 'chat' was an unknown type
# until then.
my $late_rule = {
	model     => 'slow',
	type      => 'chat',
	points    => 7,
	stage     => 'orientation',
	cond      => q{channel = 'web' OR url LIKE '/pricing%'},
	max_count => 3
};

sub sql_quote
{
	my ($s) = @_;
	return 'NULL' unless defined $s;
	$s =~ s/'/''/g;
	return "'$s'";
}

sub setup_sql
{
	my ($keytype) = @_;
	my @sql = (
		"SET client_min_messages = warning;",
		"CREATE EXTENSION leadscore;",
		"CREATE TABLE activities (id bigint PRIMARY KEY, lead_id $keytype, kind text,"
		  . " occurred_at timestamptz, url text, duration_s integer, channel text, campaign text, note text,"
		  . " amount numeric, seats integer);",
		# The recompute's float8 of an amount: what the engine reads
		# (numeric_float8_no_overflow: past float8's range is infinite).
		"CREATE FUNCTION amount_f8(x numeric) RETURNS float8 IMMUTABLE LANGUAGE sql AS \$\$"
		  . " SELECT CASE WHEN x = 'NaN' THEN 'NaN'::float8 WHEN x > 1e308 THEN 'Infinity'::float8"
		  . " WHEN x < -1e308 THEN '-Infinity'::float8 ELSE x::float8 END \$\$;",
		# A row's points expression value as the engine scores it: NULL
		# when NaN, infinite or past the bound of a rule's points.
		"CREATE FUNCTION usable_points(v float8) RETURNS float8 IMMUTABLE LANGUAGE sql AS \$\$"
		  . " SELECT CASE WHEN v = 'NaN' OR abs(v) > 1e12 THEN NULL ELSE v END \$\$;",
		"CREATE INDEX ON activities (lead_id);",
		"CREATE SEQUENCE activities_move_id START 1000000000000;",
		"CREATE TABLE contacts (id $keytype PRIMARY KEY, company text, title text);",
		"SELECT leadscore.create_grade_profile('fit');",
		q{SELECT leadscore.add_criterion('fit', 'title ~* ''head|chief''', 3, 'decision maker');},
		q{SELECT leadscore.add_criterion('fit', 'title ~* ''student''', -4, 'student');},
		q{SELECT leadscore.add_criterion('fit', 'company = ''c1''', 1, 'key account');});
	for my $m (@models)
	{
		my $hl = defined $m->{half_life} ? "'$m->{half_life} seconds'" : 'NULL';
		my $stages = '{' . join(',', @{ $m->{stages} }) . '}';
		my $max = defined $m->{max_score} ? $m->{max_score} : 'NULL';
		# stage_min_points is left to its default (10) unless it differs.
		my $min = $m->{stage_min} == 10 ? '' : ", stage_min_points => $m->{stage_min}";
		# 'core' grades its leads (not gating SQL, which the recompute below
		# does not model) and has hot accounts; verify() checks both.
		$min .= ", grade_profile => 'fit', account_threshold => 40" if $m->{name} eq 'core';
		push @sql,
		  "SELECT leadscore.create_model('$m->{name}', half_life => $hl, mql_threshold => $m->{mql},"
		  . " sql_threshold => $m->{sql}, sql_min_grade => NULL, stages => '$stages',"
		  . " max_score => $max$min"
		  . (defined $m->{momentum_half_life} ? ", momentum_half_life => '$m->{momentum_half_life} seconds'" : '')
		  . ($m->{momentum_ranking} ? ', momentum_ranking => true' : '')
		  . ');';
	}
	for my $m (@models)
	{
		push @sql, "SELECT leadscore.add_band('$m->{name}', '$_->[0]', " . ($_->[1] // 'NULL') . ');'
		  for @{ $m->{bands} // [] };
	}
	push @sql, add_rule_sql($_) for @rules;
	return join("\n", @sql);
}

sub add_rule_sql
{
	my ($r) = @_;
	if (defined $r->{responses})
	{
		my $responses = 'ARRAY[' . join(', ', map { sql_quote($_) } @{ $r->{responses} }) . ']';
		return "SELECT leadscore.add_absence_rule('$r->{model}', " . sql_quote($r->{type})
		  . ", $responses, '$r->{silence} seconds', $r->{points}, in_a_row => $r->{in_a_row}"
		  . (defined $r->{stage} ? ', stage => ' . sql_quote($r->{stage}) : '') . ');';
	}
	my @args = (sql_quote($r->{model}), sql_quote($r->{type}), $r->{points} // 'NULL');
	push @args, 'points_expression => ' . sql_quote($r->{expr}) if defined $r->{expr};
	push @args, 'stage => ' . sql_quote($r->{stage}) if defined $r->{stage};
	push @args, 'condition => ' . sql_quote($r->{cond}) if defined $r->{cond};
	push @args, "max_count => $r->{max_count}" if defined $r->{max_count};
	push @args, "min_count => $r->{min_count}, within => '$r->{within} seconds'" if defined $r->{min_count};
	push @args, "cooldown => '$r->{cooldown} seconds'" if defined $r->{cooldown};
	return 'SELECT leadscore.add_rule(' . join(', ', @args) . ');';
}

# The independent recompute, as a view: one row per (model, lead) with at
# least one activity matching a rule of the model.  Decayed points now, their
# magnitude (sum of |points|, the scale of rounding), the decayed points per
# stage number, the number of matching rows, the newest matching time and
# the number of frequency window scorings.
#
# A frequency window, from its definition: walk a lead's distinct matching
# times in order (equal times are one moment); at time t the rule scores
# when its matching rows in (t - within, t] number at least min_count and it
# last scored at least cooldown before t.  Each scoring is worth the rule's
# points decayed from t; the matching rows themselves score nothing.
#
# A points expression: each matching row is worth its value (expr_sql, then
# usable_points()); a row without one scores nothing but still counts.
sub expected_view_sql
{
	my ($rules) = @_;
	my (@hits, @rule_rows);
	my $n = 0;
	for my $r (@$rules)
	{
		$n++;
		my $cond = defined $r->{cond} ? ($r->{sql} // $r->{cond}) : 'true';
		# undef: a rule of every type (a row without a type is never scored)
		my $type = defined $r->{type} ? 'a.kind = ' . sql_quote($r->{type}) : 'a.kind IS NOT NULL';
		my $value = defined $r->{expr} ? "usable_points(($r->{expr_sql})::float8)" : 'NULL::float8';
		push @hits,
		  "SELECT $n AS rule_no, a.id, a.lead_id, a.occurred_at, $value AS v"
		  . " FROM activities a, LATERAL (SELECT amount_f8(a.amount) AS amt) x"
		  . " WHERE $type AND ($cond)"
		  . " AND a.lead_id IS NOT NULL AND a.occurred_at IS NOT NULL AND isfinite(a.occurred_at)"
		  . " AND a.occurred_at >= reset_of('$r->{model}', a.lead_id)";
		my $m = $model_by_name{ $r->{model} };
		my $stage_no = 'NULL::int';
		if (defined $r->{stage})
		{
			my ($i) = grep { $m->{stages}[$_] eq $r->{stage} } 0 .. $#{ $m->{stages} };
			die "unknown stage $r->{stage}" unless defined $i;
			$stage_no = $i + 1;
		}
		my $window = 'NULL::int, NULL::interval, NULL::interval';
		$window = "$r->{min_count}, '$r->{within} seconds'::interval, '"
		  . ($r->{cooldown} // $r->{within})
		  . " seconds'::interval"
		  if defined $r->{min_count};
		my $silence = 'NULL::text[], NULL::interval, NULL::int';
		$silence =
		    'ARRAY[' . join(', ', map { sql_quote($_) } @{ $r->{responses} })
		  . "], '$r->{silence} seconds'::interval, $r->{in_a_row}"
		  if defined $r->{responses};
		push @rule_rows,
		  "($n, '$r->{model}', " . ($r->{points} // 'NULL') . "::float8, $stage_no, "
		  . (defined $r->{max_count} ? $r->{max_count} : 'NULL::int')
		  . ", $window, " . (defined $r->{expr} ? 'true' : 'false') . ", $silence)";
	}
	my $model_rows = join(', ',
		map {
			"('$_->{name}', " . (defined $_->{half_life} ? "$_->{half_life}::float8" : 'NULL::float8') . ', '
			  . ($_->{momentum_half_life} // 7 * 86400) . '::float8)'
		} @models);
	my $stage_cols = join(",\n\t",
		map { "coalesce(sum(pts) FILTER (WHERE stage_no = $_), 0) AS s$_,"
			  . " coalesce(sum(abs(pts)) FILTER (WHERE stage_no = $_), 0) AS m$_" } 1 .. 4);
	# A lead's rows and adjustments count from its latest reset in the model
	# on (reset(); after the attachment, which fixes the ledger's key type).
	return <<"EOF";
CREATE OR REPLACE FUNCTION reset_of(m text, lead anyelement) RETURNS timestamptz STABLE LANGUAGE sql AS \$\$
	SELECT coalesce(max(z.at), '-infinity') FROM leadscore.adjustments z
	WHERE z.model = m AND z.kind = 'reset' AND z.lead_id = lead \$\$;
CREATE OR REPLACE VIEW expected_scores AS
WITH RECURSIVE hits AS (
	@{[ join("\n\tUNION ALL ", @hits) ]}
), rules (rule_no, model, points, stage_no, max_count, min_count, within, cooldown, expr,
		responses, silence, in_a_row) AS (
	VALUES @{[ join(",\n\t", @rule_rows) ]}
), models (model, half_life_s, momentum_s) AS (
	VALUES $model_rows
), window_hits AS (
	SELECT h.rule_no, h.lead_id, h.occurred_at, r.min_count, r.within, r.cooldown
	FROM hits h JOIN rules r USING (rule_no)
	WHERE r.min_count IS NOT NULL
), moments AS (
	-- each distinct matching time t, numbered k = 1, 2, ... per lead, with
	-- the number n of matching rows in (t - within, t]
	SELECT m.rule_no, m.lead_id, m.t, m.min_count, m.cooldown, count(*) AS n,
		row_number() OVER (PARTITION BY m.rule_no, m.lead_id ORDER BY m.t) AS k
	FROM (SELECT DISTINCT rule_no, lead_id, occurred_at AS t, min_count, within, cooldown FROM window_hits) m
	JOIN window_hits w ON w.rule_no = m.rule_no AND w.lead_id = m.lead_id
		AND w.occurred_at > m.t - m.within AND w.occurred_at <= m.t
	GROUP BY m.rule_no, m.lead_id, m.t, m.min_count, m.cooldown
), walk (rule_no, lead_id, k, t, scored, last_scored) AS (
	-- the moments in order, carrying the time of the last scoring along
	SELECT rule_no, lead_id, k, t, n >= min_count, CASE WHEN n >= min_count THEN t END
	FROM moments WHERE k = 1
	UNION ALL
	SELECT m.rule_no, m.lead_id, m.k, m.t, s.scored, CASE WHEN s.scored THEN m.t ELSE w.last_scored END
	FROM walk w
	JOIN moments m ON m.rule_no = w.rule_no AND m.lead_id = w.lead_id AND m.k = w.k + 1,
	LATERAL (SELECT m.n >= m.min_count AND (w.last_scored IS NULL OR m.t >= w.last_scored + m.cooldown)
		AS scored) s
), sends AS (
	-- a silence rule's activity is answered by a response of the lead in
	-- (t, t + silence]
	SELECT h.rule_no, h.lead_id, h.occurred_at AS t, r.silence, r.in_a_row,
		EXISTS (SELECT 1 FROM activities x WHERE x.lead_id = h.lead_id AND x.kind = ANY (r.responses)
			AND x.occurred_at > h.occurred_at AND x.occurred_at <= h.occurred_at + r.silence
			AND x.occurred_at >= reset_of(r.model, x.lead_id)) AS answered
	FROM hits h JOIN rules r USING (rule_no)
	WHERE r.in_a_row IS NOT NULL
), runs AS (
	-- the unanswered sends between two answered ones, numbered j = 1, 2, ...
	-- in time order; sends at one time are answered or not together
	SELECT rule_no, lead_id, t, silence, in_a_row,
		row_number() OVER (PARTITION BY rule_no, lead_id, run ORDER BY t) AS j
	FROM (SELECT s.*, count(*) FILTER (WHERE answered) OVER (PARTITION BY rule_no, lead_id ORDER BY t) AS run
		FROM sends s) q
	WHERE NOT answered
), silences AS (
	-- every in_a_row-th of a run scores when its window closes: due by now
	-- it is in the score, later it is still pending
	SELECT rule_no, lead_id, t + silence AS t FROM runs WHERE j % in_a_row = 0 AND t + silence <= now()
), ranked AS (
	SELECT h.rule_no, h.id, h.lead_id, h.occurred_at, h.occurred_at AS scored_at, r.model,
		CASE WHEN r.expr THEN h.v ELSE r.points END AS points, r.stage_no, r.max_count,
		r.min_count IS NOT NULL OR r.in_a_row IS NOT NULL AS windowed,
		row_number() OVER (PARTITION BY h.rule_no, h.lead_id ORDER BY h.occurred_at DESC) AS rn
	FROM hits h JOIN rules r USING (rule_no)
	UNION ALL
	-- a window's scorings: no activity row, the rule's points at time t
	SELECT w.rule_no, NULL, w.lead_id, NULL, w.t, r.model, r.points, r.stage_no, NULL, false, 1
	FROM walk w JOIN rules r USING (rule_no)
	WHERE w.scored
	UNION ALL
	SELECT s.rule_no, NULL, s.lead_id, NULL, s.t, r.model, r.points, r.stage_no, NULL, false, 1
	FROM silences s JOIN rules r USING (rule_no)
	UNION ALL
	-- adjust(): the points at the time it was made, since the lead's reset
	SELECT 0, NULL, z.lead_id, NULL, z.at, z.model, z.points, NULL, NULL, false, 1
	FROM leadscore.adjustments z WHERE z.kind = 'adjust' AND z.at >= reset_of(z.model, z.lead_id)
), aged AS (
	SELECT k.*, m.half_life_s, m.momentum_s, extract(epoch FROM now() - k.scored_at)::float8 AS age_s
	FROM ranked k JOIN models m USING (model)
), weighted AS (
	SELECT a.*,
		CASE WHEN a.windowed OR a.points IS NULL THEN 0::float8
			WHEN a.max_count IS NOT NULL AND a.rn > a.max_count THEN 0::float8
			WHEN a.half_life_s IS NULL THEN a.points
			-- 2^-1000 is nothing next to any tolerance, and power() raises
			-- an underflow error where the result would round to 0
			WHEN a.age_s / a.half_life_s > 1000 THEN 0::float8
			ELSE a.points * power(2::float8, -(a.age_s / a.half_life_s)) END AS pts,
		-- momentum: the same with momentum's half-life, decaying in every model
		CASE WHEN a.windowed OR a.points IS NULL THEN 0::float8
			WHEN a.max_count IS NOT NULL AND a.rn > a.max_count THEN 0::float8
			WHEN a.age_s / a.momentum_s > 1000 THEN 0::float8
			ELSE a.points * power(2::float8, -(a.age_s / a.momentum_s)) END AS mpts
	FROM aged a
)
SELECT model, lead_id, sum(pts) AS score, sum(abs(pts)) AS magnitude,
	$stage_cols,
	count(DISTINCT id) AS activity_count, max(occurred_at) AS last_activity_at,
	count(*) FILTER (WHERE id IS NULL AND NOT silence) AS window_scorings,
	count(*) FILTER (WHERE silence) AS silence_scorings,
	sum(mpts) AS momentum, sum(abs(mpts)) AS momentum_magnitude
FROM (SELECT w.*, w.id IS NULL AND r.in_a_row IS NOT NULL AS silence FROM weighted w LEFT JOIN rules r USING (rule_no)) s
GROUP BY model, lead_id;
EOF
}

# One statement: the recompute next to the view, so both use one now().
my $compare_sql = <<'EOF';
SELECT coalesce(e.model, v.model),
	e.model IS NOT NULL, v.model IS NOT NULL,
	coalesce(e.score, 0), coalesce(e.magnitude, 0), coalesce(e.activity_count, 0),
	coalesce(e.s1, 0), coalesce(e.s2, 0), coalesce(e.s3, 0), coalesce(e.s4, 0),
	coalesce(e.m1, 0), coalesce(e.m2, 0), coalesce(e.m3, 0), coalesce(e.m4, 0),
	e.last_activity_at IS NOT DISTINCT FROM v.last_activity_at,
	v.score, coalesce(v.stage, '-'), v.status, v.activity_count, coalesce(e.window_scorings, 0),
	coalesce(e.silence_scorings, 0), coalesce(v.band, '-'),
	coalesce(e.momentum, 0), coalesce(e.momentum_magnitude, 0), v.momentum,
	coalesce(v.grade::text, '-'), coalesce(v.label, '-'),
	coalesce(e.lead_id, v.lead_id)::text
FROM expected_scores e
FULL JOIN leadscore.lead_scores v ON v.model = e.model AND v.lead_id = e.lead_id
ORDER BY 1, 28
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

# The bands ('-': none) a lead may be in, given its clamped score: the
# highest whose minimum it reaches (the floor always); a score within
# rounding of a minimum may go either way.
sub acceptable_bands
{
	my ($m, $score, $mag) = @_;
	my $eps = 1e-9 * max(abs($score), $mag, 1);
	my %ok;
	for my $s ($score - $eps, $score + $eps)
	{
		my $band = '-';
		for my $b (@{ $m->{bands} // [] })
		{
			$band = $b->[0] if !defined $b->[1] || $s >= $b->[1];
		}
		$ok{$band} = 1;
	}
	return keys %ok;
}

# The label ('-': none) of a lead with grade $grade and band $band ('-':
# none): the grade's letter and the band's rank counted from the top, the
# floor last.
sub expected_label
{
	my ($m, $grade, $band) = @_;
	return '-' if $grade eq '-' || $band eq '-';
	my @top_down = sort { ($b->[1] // -1) <=> ($a->[1] // -1) } @{ $m->{bands} };
	my ($rank) = grep { $top_down[$_][0] eq $band } 0 .. $#top_down;
	return substr($grade, 0, 1) . ($rank + 1);
}

# Compares lead_scores with the recompute; returns (rows, leads with
# activity, mismatch descriptions, coverage counters).
sub compare_scores
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql($db, $compare_sql);
	my (@bad, %cover);
	my ($rows, $active) = (0, 0);
	for my $line (split /\n/, $out)
	{
		my @f = split /\|/, $line, 28;
		die "bad compare line: $line" unless @f == 28;
		my ($model, $e_has, $v_has, $e_score, $e_mag, $e_count, @rest) = @f;
		my @s = @rest[0 .. 3];
		my @sm = @rest[4 .. 7];
		my ($last_same, $v_score, $v_stage, $v_status, $v_count, $scorings, $silences, $v_band, $e_momentum,
			$e_momentum_mag, $v_momentum, $v_grade, $v_label, $lead) = @rest[8 .. 21];
		my $m = $model_by_name{$model} or die "unknown model $model";
		$rows++;
		$active++ if $e_count > 0;
		my $who = "$model/$lead";
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
		push @why, "momentum $v_momentum, expected $e_momentum"
		  unless abs($v_momentum - $e_momentum) <= 1e-9 * max(abs($v_momentum), abs($e_momentum), $e_momentum_mag, 1);
		push @why, "last_activity_at differs" unless $last_same eq 't';
		my $stage = $v_stage eq '-' ? undef : $v_stage;
		my @stages = acceptable_stages($m, \@s, \@sm);
		push @why,
		  'stage ' . ($stage // 'NULL') . ', expected ' . join(' or ', map { $_ // 'NULL' } @stages)
		  unless grep { (defined $_ ? $_ : '-') eq $v_stage } @stages;
		my @statuses = acceptable_statuses($m, $e_score, $e_mag);
		push @why, "status $v_status, expected " . join(' or ', @statuses)
		  unless grep { $_ eq $v_status } @statuses;
		my @bands = acceptable_bands($m, $want, $e_mag);
		push @why, "band $v_band, expected " . join(' or ', @bands) unless grep { $_ eq $v_band } @bands;
		my $label = expected_label($m, $v_grade, $v_band);
		push @why, "label $v_label, expected $label" unless $v_label eq $label;
		push @bad, "$who: " . join('; ', @why) if @why;
		if ($e_count > 0)
		{
			$cover{"status $v_status"}++;
			$cover{ 'stage ' . ($stage // 'none') }++;
			$cover{'negative score'}++ if $e_score < 0;
			$cover{'clamped at max_score'}++ if $want != $e_score;
			$cover{'a window scored'}++ if $scorings > 0;
			$cover{'two or more window scorings'}++ if $scorings > 1;
			$cover{'a silence rule scored'}++ if $silences > 0;
			$cover{"band $v_band"}++;
			$cover{'a label'}++ if $v_label ne '-';
		}
	}
	return ($rows, $active, \@bad, \%cover);
}

sub check_consistency
{
	my ($node, $db, $label) = @_;
	my $diff = $node->safe_psql($db,
		"SELECT model || ' ' || lead_id || ': ' || difference FROM leadscore.verify() ORDER BY 1");
	my @diff = grep { $_ ne '' } split /\n/, $diff;
	is(scalar(@diff), 0, "$label: verify() is empty")
	  or diag(join("\n", @diff[ 0 .. ($#diff < 19 ? $#diff : 19) ]));
	my ($rows, $active, $bad, $cover) = compare_scores($node, $db);
	is(scalar(@$bad), 0,
		"$label: lead_scores equals the plain-SQL recompute ($rows rows, $active with activity)")
	  or diag(join("\n", @$bad[ 0 .. ($#$bad < 19 ? $#$bad : 19) ]));
	return $cover;
}

# score_agg() over each 'slow' lead's rows (the one model without a window)
# equals lead_scores.score.  score_agg leaves out rows after as_of, which
# lead_scores counts: the future rows are deleted first, in a transaction
# that is rolled back.
my $score_agg_sql = <<'EOF';
BEGIN;
DELETE FROM activities WHERE occurred_at > now();
SELECT v.lead_id, v.score, coalesce(g.score, 0), coalesce(e.magnitude, 0)
FROM leadscore.lead_scores v
LEFT JOIN (SELECT lead_id, leadscore.score_agg('slow', kind, occurred_at, now(), to_jsonb(a)) AS score
	FROM activities a GROUP BY lead_id) g ON g.lead_id = v.lead_id
LEFT JOIN expected_scores e ON e.model = v.model AND e.lead_id = v.lead_id
WHERE v.model = 'slow'
ORDER BY 1;
ROLLBACK;
EOF

sub check_score_agg
{
	my ($node, $db) = @_;
	my (@bad, $n);
	for my $line (split /\n/, $node->safe_psql($db, $score_agg_sql))
	{
		my ($lead, $score, $agg, $mag) = split /\|/, $line;
		$n++;
		push @bad, "slow/$lead: score_agg $agg, lead_scores $score"
		  unless abs($agg - $score) <= 1e-9 * max(abs($score), abs($agg), $mag, 1);
	}
	is(scalar(@bad), 0, "$db: score_agg over each lead's rows equals lead_scores.score ($n 'slow' leads)")
	  or diag(join("\n", @bad[ 0 .. ($#bad < 19 ? $#bad : 19) ]));
}

# score_at(model, lead, now()) for a sample of 20 leads equals
# lead_scores.score in every model.  Like score_agg, score_at counts no rows
# after `at`: the future rows are deleted first, in a transaction that is
# rolled back.
my $score_at_sql = <<'EOF';
BEGIN;
DELETE FROM activities WHERE occurred_at > now();
SELECT v.model, v.lead_id, v.score, leadscore.score_at(v.model, v.lead_id, now()), coalesce(e.magnitude, 0)
FROM leadscore.lead_scores v
LEFT JOIN expected_scores e ON e.model = v.model AND e.lead_id = v.lead_id
WHERE v.lead_id IN (SELECT s.lead_id FROM leadscore.lead_scores s GROUP BY s.lead_id
	ORDER BY md5(s.lead_id::text) LIMIT 20)
ORDER BY 1, 2;
ROLLBACK;
EOF

sub check_score_at
{
	my ($node, $db) = @_;
	my (@bad, $n);
	for my $line (split /\n/, $node->safe_psql($db, $score_at_sql))
	{
		my ($model, $lead, $score, $at, $mag) = split /\|/, $line;
		$n++;
		push @bad, "$model/$lead: score_at $at, lead_scores $score"
		  unless abs($at - $score) <= 1e-9 * max(abs($score), abs($at), $mag, 1);
	}
	is(scalar(@bad), 0, "$db: score_at(now()) equals lead_scores.score ($n rows of 20 leads)")
	  or diag(join("\n", @bad[ 0 .. ($#bad < 19 ? $#bad : 19) ]));
}

# ---------------------------------------------------------------------------
# Random data
# ---------------------------------------------------------------------------

my $T0;             # test start, us since the Unix epoch (set from the server)
my @fixed_times;    # a few instants shared by many rows: duplicate timestamps

sub pick
{
	return $_[ int(rand(@_)) ];
}

# pick_weighted(value => weight, ...)
sub pick_weighted
{
	my @pairs = @_;
	my $total = 0;
	for (my $i = 1; $i < @pairs; $i += 2) { $total += $pairs[$i]; }
	my $r = rand($total);
	for (my $i = 0; $i < @pairs; $i += 2)
	{
		return $pairs[$i] if ($r -= $pairs[ $i + 1 ]) < 0;
	}
	return $pairs[-2];
}

sub ts_text
{
	my ($us) = @_;
	my $s = int($us / 1_000_000);
	my $frac = $us - $s * 1_000_000;
	my @t = gmtime($s);
	return sprintf('%04d-%02d-%02d %02d:%02d:%02d.%06d+00',
		$t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0], $frac);
}

# A time as text (undef: NULL): mostly the last 60 days, some shared
# instants, some back-dated by months or decades, a few in the near future,
# a few NULL, a few infinite (skipped like NULL).
sub rand_time
{
	my $r = rand();
	return undef if $r < 0.03;
	return ($r < 0.035 ? 'infinity' : '-infinity') if $r < 0.04;
	my $us;
	if    ($r < 0.20) { $us = pick(@fixed_times); }
	elsif ($r < 0.25) { $us = $T0 + int(rand(2 * DAY)); }
	elsif ($r < 0.37) { $us = $T0 - int((60 + rand(740)) * DAY); }
	elsif ($r < 0.39) { $us = $T0 - int((9000 + rand(3000)) * DAY); }
	else              { $us = $T0 - int(rand(60 * DAY)); }
	return ts_text($us);
}

my @scored_kinds =
  qw(page_view page_view page_view email_open download webinar demo_request form_submit unsubscribe email_bounce);

sub rand_kind
{
	return pick_weighted(
		page_view      => 30,
		email_open     => 12,
		download       => 10,
		webinar        => 8,
		demo_request   => 4,
		form_submit    => 6,
		unsubscribe    => 3,
		email_bounce   => 5,
		chat           => 3,     # unknown until the late rule
		'Page_View'    => 1,     # unknown: types match exactly
		'page_view '   => 1,
		'__NULL__'     => 2);
}

my @urls = (
	'/pricing',           '/pricing/enterprise', '/Pricing',     '/careers/dev',
	'/careers',           '/blog/post-1',        '/product/api', '/product/',
	'/whitepaper/roi.pdf', '/docs/GUIDE.PDF',    '/whitepaper/x.Pdf', '',
	'/',                  "/it's",               '/pricing%',    '/product/x/y');

sub rand_url
{
	return rand() < 0.1 ? undef : pick(@urls);
}

sub rand_duration
{
	my $r = rand();
	return undef if $r < 0.1;
	return pick(5, 10, 30, 0, -5) if $r < 0.25;    # boundaries
	return int(rand(121));
}

sub rand_channel
{
	return pick(undef, 'email', 'newsletter', 'Email', 'web', 'ads');
}

sub rand_campaign
{
	return pick(undef, undef, 'spam', 'test', 'q3-launch', 'webinar-series', '');
}

# An amount as numeric text (undef: NULL): mostly deal sizes, some zero or
# negative, some past the bound of a rule's points in every expression (no
# value), a few NaN, infinite or past float8's range (no value).  Scored
# values stay below about 1e6: a deleted row leaves a rounding residue of
# about 1e-16 of its points in the stored sum, which verify() and the
# recompute only tolerate up to 1e-9 of what the lead has now.
sub rand_amount
{
	my $r = rand();
	return undef if $r < 0.12;
	return '0' if $r < 0.18;
	return sprintf('-%.2f', rand(50000)) if $r < 0.28;
	return pick('1e21', '-1e22', '-1e20') if $r < 0.33;
	return pick('NaN', 'Infinity', '-Infinity', '1e400', '-1e400') if $r < 0.35;
	return int(1e6 + rand(1e8)) if $r < 0.40;
	return sprintf('%.2f', rand(60000));
}

sub amount_sql
{
	my ($amount) = @_;
	return defined $amount ? "'$amount'::numeric" : 'NULL::numeric';
}

sub rand_seats
{
	my $r = rand();
	return undef if $r < 0.2;
	return 0 if $r < 0.3;
	return pick(-3, -1) if $r < 0.35;
	return 100000 if $r < 0.37;
	return 1 + int(rand(20));
}

# Lead keys as raw text per key type: 40 ordinary keys (the first five hot),
# then a few unusual ones.
my %lead_pool = (
	bigint => [ (1 .. 40), 0, -42, '9007199254740993', '9223372036854775807' ],
	text   => [
		(map { sprintf('lead-%02d', $_) } 1 .. 40), '', 'Lead-01', 'lead-01 ', 'ключ-λ',
		"o'brien\@example.com", '  spaced  ', 'x' x 300
	],
	uuid => [
		(map { sprintf('%08x-0000-4000-8000-%012x', ($_ * 2654435761) % 4294967296, $_) } 1 .. 40),
		'00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'
	],
);

my $keytype;    # of the database being exercised

sub rand_lead
{
	my $pool = $lead_pool{$keytype};
	my $r = rand();
	return undef if $r < 0.04;
	return $pool->[ int(rand(5)) ] if $r < 0.45;
	return $pool->[ 40 + int(rand(@$pool - 40)) ] if $r < 0.51;
	return $pool->[ int(rand(40)) ];
}

sub lead_sql
{
	my ($lead) = @_;
	return defined $lead ? sql_quote($lead) . "::$keytype" : "NULL::$keytype";
}

sub time_sql
{
	my ($t) = @_;
	return defined $t ? "'$t'::timestamptz" : 'NULL::timestamptz';
}

my $next_id;    # ids are handed out here, never reused (rolled back or not)
my %count;      # operations by kind

my @columns = qw(id lead_id kind occurred_at url duration_s channel campaign note amount seats);
my $column_list = join(', ', @columns);

sub rand_row
{
	my %o = @_;
	my $kind = $o{kind} // rand_kind();
	$kind = undef if $kind eq '__NULL__';
	return {
		id          => $next_id++,
		lead_id     => exists $o{lead} ? $o{lead} : rand_lead(),
		kind        => $kind,
		occurred_at => exists $o{time} ? $o{time} : rand_time(),
		url         => rand_url(),
		duration_s  => rand_duration(),
		channel     => rand_channel(),
		campaign    => rand_campaign(),
		note        => pick(undef, 'n', 'imported', 'x' x 40),
		amount      => rand_amount(),
		seats       => rand_seats(),
	};
}

sub row_sql
{
	my ($row) = @_;
	return '('
	  . join(', ',
		$row->{id}, lead_sql($row->{lead_id}), sql_quote($row->{kind}),
		time_sql($row->{occurred_at}), sql_quote($row->{url}),
		$row->{duration_s} // 'NULL', sql_quote($row->{channel}),
		sql_quote($row->{campaign}), sql_quote($row->{note}),
		amount_sql($row->{amount}), $row->{seats} // 'NULL')
	  . ')';
}

sub row_copy
{
	my ($row) = @_;
	return join("\t", map { defined $row->{$_} ? $row->{$_} : '\N' } @columns);
}

# An id that probably exists: recent ids are likelier to be alive.
sub rand_id
{
	my $span = $next_id - 1;
	return 1 if $span < 1;
	return $next_id - 1 - int(rand()**2 * $span);
}

sub rand_interval
{
	return pick('3 minutes', '2 hours', '1 day', '-1 day', '9 days', '-30 days', '-400 days', '45 days');
}

# WHERE clauses for UPDATE and DELETE.
sub rand_target
{
	my $r = rand();
	if ($r < 0.30) { return 'id = ' . rand_id(); }
	if ($r < 0.50)
	{
		my $a = rand_id();
		return "id BETWEEN $a AND " . ($a + int(rand(30)));
	}
	if ($r < 0.68) { return 'lead_id = ' . lead_sql(rand_lead() // $lead_pool{$keytype}[0]); }
	if ($r < 0.83)
	{
		return 'lead_id = '
		  . lead_sql(rand_lead() // $lead_pool{$keytype}[1])
		  . ' AND kind = '
		  . sql_quote(pick(@scored_kinds));
	}
	if ($r < 0.95)
	{
		return "lead_id IN ("
		  . lead_sql($lead_pool{$keytype}[ int(rand(5)) ]) . ', '
		  . lead_sql(rand_lead())
		  . ") AND occurred_at > "
		  . time_sql(ts_text($T0 - int(rand(20 * DAY))));
	}
	return 'lead_id IS NULL OR occurred_at IS NULL';
}

sub gen_insert_single
{
	$count{'INSERT one row'}++;
	return "INSERT INTO activities ($column_list) VALUES " . row_sql(rand_row()) . ';';
}

sub gen_insert_multi
{
	my $n = 2 + int(rand(24));
	my @rows;
	if (rand() < 0.5)
	{
		# A burst of one lead, a few kinds, a few shared times.
		my $lead = rand_lead();
		my @kinds = map { rand_kind() } 1 .. 2;
		my @times = map { rand_time() } 1 .. 3;
		@rows = map { rand_row(lead => $lead, kind => pick(@kinds), time => pick(@times)) } 1 .. $n;
		$count{'INSERT burst of one lead'}++;
	}
	else
	{
		@rows = map { rand_row() } 1 .. $n;
		$count{'INSERT several rows'}++;
	}
	return "INSERT INTO activities ($column_list) VALUES\n  " . join(",\n  ", map { row_sql($_) } @rows) . ';';
}

sub gen_insert_series
{
	my $n = 10 + int(rand(50));
	my $id0 = $next_id;
	$next_id += $n;
	my $lead = lead_sql(rand_lead() // $lead_pool{$keytype}[2]);
	my $kind = sql_quote(pick(@scored_kinds, 'chat'));
	my $step = pick(1, 7, 60, 600, 1440 * 3);
	my $start = time_sql(ts_text($T0 - int(rand(30 * DAY))));
	$count{'INSERT ... SELECT generate_series'}++;
	return "INSERT INTO activities ($column_list)"
	  . " SELECT $id0 + g, $lead, $kind, $start - g * interval '$step minutes',"
	  . " (ARRAY['/pricing/a', '/product/b', '/whitepaper/c.pdf', '/careers/d', NULL])[1 + g % 5],"
	  . " CASE WHEN g % 6 = 0 THEN NULL ELSE (g * 7) % 90 END,"
	  . " (ARRAY['email', 'web', NULL])[1 + g % 3], (ARRAY['q3', 'spam', NULL, 'test'])[1 + g % 4], 'series',"
	  . " (ARRAY[1500, NULL, 0, -2500.5, 120000, 1e21, 'NaN'])[1 + g % 7]::numeric,"
	  . " CASE WHEN g % 5 = 0 THEN NULL ELSE g % 4 END"
	  . " FROM generate_series(0, $n - 1) AS g;";
}

sub gen_copy
{
	my $n = 1 + int(rand(15));
	$count{'COPY FROM STDIN'}++;
	my $one_lead = rand() < 0.5;
	my $lead = rand_lead();
	my @rows = map { $one_lead ? rand_row(lead => $lead) : rand_row() } 1 .. $n;
	return "COPY activities ($column_list) FROM STDIN;\n" . join("\n", map { row_copy($_) } @rows) . "\n\\.";
}

sub gen_upsert
{
	my $n = 1 + int(rand(4));
	my %ids;
	$ids{ rand() < 0.8 ? rand_id() : $next_id++ } = 1 while keys %ids < $n;
	my @rows = map { my $r = rand_row(); $next_id--; $r->{id} = $_; $r } sort { $a <=> $b } keys %ids;
	$count{'INSERT ... ON CONFLICT DO UPDATE'}++;
	return "INSERT INTO activities ($column_list) VALUES "
	  . join(', ', map { row_sql($_) } @rows)
	  . ' ON CONFLICT (id) DO UPDATE SET lead_id = excluded.lead_id, kind = excluded.kind,'
	  . ' occurred_at = excluded.occurred_at, url = excluded.url, duration_s = excluded.duration_s,'
	  . " amount = excluded.amount, seats = excluded.seats, note = 'upserted';";
}

sub gen_update
{
	my $what = pick_weighted(
		lead       => 5,
		kind       => 3,
		time       => 5,
		condition  => 5,
		value      => 4,
		unrelated  => 3,
		noop       => 1,
		several    => 3,
		swap_leads => 1,
		null_key   => 1);
	$count{"UPDATE $what"}++;
	my %set = (
		lead => sub { 'lead_id = ' . lead_sql(rand_lead()) },
		kind => sub {
			rand() < 0.5
			  ? 'kind = ' . sql_quote(pick(@scored_kinds, 'chat', 'Page_View'))
			  : q{kind = CASE kind WHEN 'page_view' THEN 'webinar' WHEN 'webinar' THEN 'download' ELSE 'page_view' END};
		},
		time => sub {
			rand() < 0.6
			  ? "occurred_at = occurred_at + interval '" . rand_interval() . "'"
			  : 'occurred_at = ' . time_sql(rand_time());
		},
		condition => sub {
			pick(
				'url = ' . sql_quote(rand_url()),
				'duration_s = coalesce(duration_s, 0) + 25',
				'duration_s = NULL',
				'channel = ' . sql_quote(rand_channel()),
				'campaign = ' . sql_quote(rand_campaign()),
				q{url = CASE WHEN url LIKE '/pricing%' THEN '/blog' ELSE '/pricing/x' END});
		},
		# moves the points of the points expressions
		value => sub {
			pick(
				'amount = ' . amount_sql(rand_amount()),
				'seats = ' . (rand_seats() // 'NULL'),
				'amount = amount + 1000',
				'amount = -amount',
				'seats = coalesce(seats, 0) + 1',
				'seats = seats - 1',
				'amount = NULL, seats = 2');
		},
		unrelated => sub { q{note = coalesce(note, '') || '+'} },
		noop      => sub { pick('url = url', 'occurred_at = occurred_at', 'lead_id = lead_id') },
	);
	if ($what eq 'several')
	{
		my @parts = map { $set{$_}->() } grep { rand() < 0.6 } qw(lead kind time condition value unrelated);
		@parts = ($set{time}->(), $set{lead}->()) unless @parts;
		return 'UPDATE activities SET ' . join(', ', @parts) . ' WHERE ' . rand_target() . ';';
	}
	if ($what eq 'swap_leads')
	{
		my ($a, $b) = (lead_sql($lead_pool{$keytype}[ int(rand(5)) ]), lead_sql(rand_lead() // $lead_pool{$keytype}[7]));
		return "UPDATE activities SET lead_id = CASE WHEN lead_id = $a THEN $b ELSE $a END"
		  . " WHERE lead_id IN ($a, $b);";
	}
	if ($what eq 'null_key')
	{
		# Rows leave scoring (NULL lead, type or time) or come back.
		return pick(
			'UPDATE activities SET lead_id = NULL WHERE ' . rand_target() . ';',
			'UPDATE activities SET kind = NULL WHERE ' . rand_target() . ';',
			'UPDATE activities SET occurred_at = NULL WHERE ' . rand_target() . ';',
			'UPDATE activities SET lead_id = ' . lead_sql($lead_pool{$keytype}[3]) . ' WHERE lead_id IS NULL;',
			'UPDATE activities SET occurred_at = ' . time_sql(ts_text($T0 - int(rand(5 * DAY)))) . ' WHERE occurred_at IS NULL OR NOT isfinite(occurred_at);',
			q{UPDATE activities SET kind = 'page_view' WHERE kind IS NULL;});
	}
	return 'UPDATE activities SET ' . $set{$what}->() . ' WHERE ' . rand_target() . ';';
}

sub gen_delete
{
	my $what = pick_weighted(
		'by target'        => 6,
		'newest of a lead' => 2,
		'old rows (purge)' => 2,
		'scattered'        => 1);
	$count{"DELETE $what"}++;
	return 'DELETE FROM activities WHERE ' . rand_target() . ';' if $what eq 'by target';
	if ($what eq 'newest of a lead')
	{
		# More than a cap window's reserve of a lead's newest rows.
		return 'DELETE FROM activities WHERE lead_id = '
		  . lead_sql($lead_pool{$keytype}[ int(rand(5)) ])
		  . ' AND occurred_at >= '
		  . time_sql(ts_text($T0 - int(rand(10 * DAY))))
		  . ';';
	}
	if ($what eq 'old rows (purge)')
	{
		return 'DELETE FROM activities WHERE kind = '
		  . sql_quote(pick(@scored_kinds))
		  . ' AND occurred_at < '
		  . time_sql(ts_text($T0 - int((20 + rand(300)) * DAY)))
		  . ';';
	}
	return 'DELETE FROM activities WHERE id % 7 = ' . int(rand(7))
	  . ' AND lead_id IN (' . join(', ', map { lead_sql($lead_pool{$keytype}[$_]) } 0 .. 4) . ');';
}

# Both orders of a data-modifying WITH: the CTE's rows and the outer
# statement's rows reach two statement triggers that fire one after the other
# at the end of the statement.
sub gen_move
{
	if (rand() < 0.5)
	{
		$count{'WITH DELETE ... RETURNING INSERT (move rows)'}++;
		my $a = rand_id();
		my $b = $a + int(rand(20));
		return "WITH moved AS (DELETE FROM activities WHERE id BETWEEN $a AND $b RETURNING *)"
		  . " INSERT INTO activities ($column_list)"
		  . " SELECT nextval('activities_move_id'), " . lead_sql(rand_lead())
		  . ", kind, occurred_at + interval '1 hour', url, duration_s, channel, campaign, 'moved', amount, seats"
		  . ' FROM moved;';
	}
	$count{'WITH INSERT ... UPDATE or DELETE of the same lead'}++;
	my $lead = $lead_pool{$keytype}[ int(rand(5)) ];
	my @rows = map { rand_row(lead => $lead, time => ts_text($T0 - int(rand(20 * DAY)))) } 1 .. 1 + int(rand(4));
	my $outer = rand() < 0.5 ? 'DELETE FROM activities' : 'UPDATE activities SET lead_id = ' . lead_sql(rand_lead());
	return "WITH added AS (INSERT INTO activities ($column_list) VALUES "
	  . join(', ', map { row_sql($_) } @rows)
	  . " RETURNING id) $outer WHERE lead_id = " . lead_sql($lead)
	  . ' AND occurred_at >= ' . time_sql(ts_text($T0 - int(rand(10 * DAY)))) . ';';
}

my $truncates_allowed;

sub gen_statement
{
	my $r = rand();
	if ($truncates_allowed && $r < 0.002)
	{
		$count{TRUNCATE}++;
		return 'TRUNCATE activities;';
	}
	if ($r < 0.01)
	{
		$count{'rescore()'}++;
		return rand() < 0.5
		  ? q{SELECT 'rescored', leadscore.rescore();}
		  : q{SELECT 'rescored', leadscore.rescore('fast');};
	}
	return gen_ledger() if $r < 0.025;
	my $op = pick_weighted(
		single  => 13,
		multi   => 14,
		series  => 4,
		copy    => 3,
		upsert  => 4,
		update  => 29,
		delete  => 19,
		move    => 3,
		contact => 8);
	return gen_contact()       if $op eq 'contact';
	return gen_insert_single() if $op eq 'single';
	return gen_insert_multi()  if $op eq 'multi';
	return gen_insert_series() if $op eq 'series';
	return gen_copy()          if $op eq 'copy';
	return gen_upsert()        if $op eq 'upsert';
	return gen_update()        if $op eq 'update';
	return gen_delete()        if $op eq 'delete';
	return gen_move();
}

# Sales' ledger of one model ('fast'): an adjustment up or down, or a reset
# that makes the lead's older rows (also those written later) count no more.
sub gen_ledger
{
	my $lead = rand_lead() // $lead_pool{$keytype}[0];
	if (rand() < 0.3)
	{
		$count{'reset()'}++;
		return "SELECT 'reset', leadscore.reset('fast', " . lead_sql($lead) . ", 'closed-lost');";
	}
	$count{'adjust()'}++;
	# Three decimals: no two adjustments of a lead cancel out exactly (a
	# lead whose score is exactly 0 without activity keeps no state row).
	return "SELECT 'adjusted', leadscore.adjust('fast', " . lead_sql($lead) . ', '
	  . sprintf('%.3f', rand(70) - 30) . ", 'call');";
}

# A change of the lead table: a contact added or changed (title: grade;
# company: account), several moved to another company, or removed.
sub gen_contact
{
	my $lead = rand_lead();
	$lead = $lead_pool{$keytype}[0] unless defined $lead;
	my $company = pick(undef, 'c1', 'c2', 'c3', 'c4');
	my $title = pick(undef, 'Head of IT', 'Student', 'Engineer', 'Chief Executive', 'working student');
	my $r = rand();
	if ($r < 0.6)
	{
		$count{'contact upserted'}++;
		return 'INSERT INTO contacts VALUES (' . lead_sql($lead) . ', ' . sql_quote($company) . ', '
		  . sql_quote($title)
		  . ') ON CONFLICT (id) DO UPDATE SET company = excluded.company, title = excluded.title;';
	}
	if ($r < 0.8)
	{
		$count{'contacts moved to another company'}++;
		return 'UPDATE contacts SET company = ' . sql_quote($company) . ' WHERE id IN ('
		  . join(', ', map { lead_sql(rand_lead() // $lead) } 1 .. 3) . ');';
	}
	$count{'contact deleted'}++;
	return 'DELETE FROM contacts WHERE id = ' . lead_sql($lead) . ';';
}

my ($statements, $rolled_back_statements, $transactions, $rolled_back) = (0, 0, 0, 0);

# verify() inside a transaction: one line, 'midverify|<differences>|<first ones>'.
my $midverify_sql =
  q{SELECT 'midverify', count(*), string_agg(model || ' ' || lead_id || ': ' || difference, '; ')}
  . q{ FROM (SELECT * FROM leadscore.verify() LIMIT 10) v;};

# One transaction (or one autocommit statement); returns its SQL.
sub gen_transaction
{
	my $n = 1 + int(rand(19));
	$transactions++;
	if ($n == 1 && rand() < 0.5)
	{
		$statements++;
		$count{'autocommit statements'}++;
		return gen_statement();
	}
	my $abort = rand() < 0.15;
	my $savepoint_at = rand() < 0.15 ? int(rand($n)) : -1;
	my $savepoint_len = 1 + int(rand(4));
	my $release = rand() < 0.4;
	my @sql = ('BEGIN;');
	for my $i (0 .. $n - 1)
	{
		if ($i == $savepoint_at)
		{
			push @sql, 'SAVEPOINT sp;';
			$count{$release ? 'savepoints released' : 'savepoints rolled back'}++;
		}
		push @sql, gen_statement();
		$statements++;
		$rolled_back_statements++
		  if $abort || (!$release && $savepoint_at >= 0 && $i >= $savepoint_at && $i < $savepoint_at + $savepoint_len);
		if ($savepoint_at >= 0 && $i == $savepoint_at + $savepoint_len - 1)
		{
			push @sql, $release ? 'RELEASE SAVEPOINT sp;' : 'ROLLBACK TO SAVEPOINT sp;';
			$savepoint_at = -1;
		}
		if (rand() < 0.03)
		{
			push @sql, $midverify_sql;
			$count{'verify() inside a transaction'}++;
		}
	}
	push @sql, ($release ? 'RELEASE SAVEPOINT sp;' : 'ROLLBACK TO SAVEPOINT sp;') if $savepoint_at >= 0;
	push @sql, $abort ? 'ROLLBACK;' : 'COMMIT;';
	$rolled_back++ if $abort;
	return join("\n", @sql);
}

# Runs $txns random transactions in one psql session; checks it ran and that
# every verify() inside a transaction was empty.
sub run_batch
{
	my ($node, $db, $label, $txns, $extra) = @_;
	my @sql = ('SET client_min_messages = warning;');
	push @sql, gen_transaction() for 1 .. $txns;
	push @sql, $extra if defined $extra;
	my $script = join("\n", @sql);
	my ($rc, $out, $err) = $node->psql($db, $script, on_error_stop => 1);
	my $ran = is($rc, 0, "$label: ran without error ($txns random transactions)");
	diag($err) unless $ran;
	my @mid = grep { /^midverify\|/ } split /\n/, $out;
	my @nonempty = grep { !/^midverify\|0\|/ } @mid;
	my $clean = is(scalar(@nonempty), 0,
		"$label: verify() inside transactions was empty (" . scalar(@mid) . ' calls)');
	diag(join("\n", @nonempty)) unless $clean;
	my $ok = $ran && $clean;
	# Keep what failed, to replay by hand.
	if (!$ok)
	{
		(my $file = "$PostgreSQL::Test::Utils::log_path/$label.sql") =~ s/ /_/g;
		open(my $fh, '>', $file) or die "$file: $!";
		print $fh "$script\n";
		close($fh);
		diag("the SQL of this batch is in $file");
	}
	return $ok;
}

# Seeds rows before the table is attached: attach_activities scores them.
sub pre_attach_rows
{
	my ($n) = @_;
	return "INSERT INTO activities ($column_list) VALUES\n  "
	  . join(",\n  ", map { row_sql(rand_row()) } 1 .. $n) . ';';
}

sub exercise_database
{
	my ($node, $db, $type, $batches, $txns_per_batch) = @_;
	$keytype = $type;
	$next_id = 1;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, setup_sql($keytype));
	$node->safe_psql($db, pre_attach_rows(60));
	$node->safe_psql($db,
		q{SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'occurred_at', account_column => 'campaign')});
	$node->safe_psql($db, q{SELECT leadscore.attach_leads('contacts', 'id', account_column => 'company')});
	$node->safe_psql($db, expected_view_sql(\@rules));
	is( $node->safe_psql($db,
			q{SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = 'leadscore.lead_scores'::regclass AND attname = 'lead_id'}
		),
		$keytype,
		"$db: lead_scores.lead_id has the CRM's key type $keytype");
	check_consistency($node, $db, "$db after attach of 60 rows");

	my $cover = {};
	for my $b (1 .. $batches)
	{
		$truncates_allowed = $b <= $batches * 2 / 3;
		run_batch($node, $db, "$db batch $b", $txns_per_batch);
		if ($b == int($batches / 2) && $type eq 'bigint')
		{
			# A rule change on a live table, then rescore(), in one transaction.
			$node->safe_psql($db, "BEGIN;\n" . add_rule_sql($late_rule) . "\nSELECT leadscore.rescore();\nCOMMIT;");
			$node->safe_psql($db, expected_view_sql([ @rules, $late_rule ]));
			$count{'add_rule + rescore() on a live table'}++;
		}
		$cover = check_consistency($node, $db, "$db checkpoint $b");
	}

	# A TRUNCATE that is rolled back, then one more check.
	run_batch($node, $db, "$db rolled-back TRUNCATE", 0,
		"BEGIN;\nTRUNCATE activities;\n" . gen_insert_multi() . "\n$midverify_sql\nROLLBACK;");
	$count{'TRUNCATE rolled back'}++;
	$cover = check_consistency($node, $db, "$db final");
	my $unscored = $node->safe_psql($db, 'SELECT sum(points_unscored) FROM leadscore.stats');
	ok($unscored > 0, "$db: rows without a usable points value were counted in stats.points_unscored ($unscored)");
	check_score_agg($node, $db);
	check_score_at($node, $db);
	my $rows = $node->safe_psql($db, 'SELECT count(*) FROM activities');
	note("$db: $rows activity rows at the end; coverage: "
		  . join(', ', map { "$_ $cover->{$_}" } sort keys %$cover));
	return ($cover, $rows);
}

# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

my $node = PostgreSQL::Test::Cluster->new('random_consistency');
$node->init;
$node->append_conf('postgresql.conf', "timezone = 'UTC'\nfsync = off");
$node->start;

$T0 = $node->safe_psql('postgres',
	q{SELECT (extract(epoch FROM date_trunc('second', now())) * 1000000)::bigint});
@fixed_times = map { $T0 - $_ * 7 * HOUR - 123_456 } 0 .. 9;

# Part 1: bigint keys, 300 transactions.
my ($cover, $rows) = exercise_database($node, 'keys_bigint', 'bigint', 12, 25);
for my $want ('status sql', 'status mql', 'status nurture', 'stage none', 'negative score',
	'clamped at max_score', 'a window scored', 'two or more window scorings', 'a silence rule scored',
	'band cold', 'band hot', 'band burning', 'band -', 'a label',
	map { "stage $_" } qw(decide consider buy contract))
{
	ok(($cover->{$want} // 0) > 0, "keys_bigint: the final state has leads with $want");
}
ok($rows > 500, "keys_bigint: the table ends with a substantial history ($rows rows)");
diag(sprintf('part 1 (bigint): %d statements in %d transactions (%d rolled back, %d statements undone)',
		$statements, $transactions, $rolled_back, $rolled_back_statements));
diag("  $_: $count{$_}") for sort keys %count;

# Part 2: text and uuid keys, a database each.
for my $type (qw(text uuid))
{
	%count = ();
	($statements, $rolled_back_statements, $transactions, $rolled_back) = (0, 0, 0, 0);
	exercise_database($node, "keys_$type", $type, 4, 20);
	diag(sprintf('part 2 (%s): %d statements in %d transactions (%d rolled back)',
			$type, $statements, $transactions, $rolled_back));
}

$node->stop;
diag(sprintf('run time %.1f s', time() - $started));
done_testing();
