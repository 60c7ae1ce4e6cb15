# Activity rows loaded by the clients users load CRM data with, each load
# checked like 001_random_consistency.pl checks its statements:
#
#   1. pgloader loading a CSV file over TCP, in batches of a few hundred rows
#      (a COPY and a transaction each) from two sessions at once, one row a
#      duplicate key: that batch fails, is rolled back and retried around the
#      bad row;
#   2. Python psycopg2: execute_values (pages smaller than the rows) and
#      executemany (one statement per row), in one transaction and in many,
#      an executemany of UPDATEs and a batch rolled back;
#   3. psql \copy of a CSV file, once rolled back and once committed;
#   4. MERGE with UPDATE, DELETE and INSERT actions in one statement, on the
#      leads whose capped rule is full (deleting a counted row brings an older
#      one back into the cap window), then one in a transaction that also
#      deletes and is checked before it commits.
#
# After each step leadscore.verify() is empty and every lead's score, stage,
# status, activity_count and last_activity_at in leadscore.lead_scores equals
# an independent plain-SQL recompute (the one of 001_random_consistency.pl).
# Everything runs twice: bigint lead keys and text keys (one with a comma and
# quotes, which every loader must carry through its CSV or parameters), each
# in a database of its own (the first attachment fixes a database's lead key
# type).  A loader that is not installed is skipped, and says so.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use List::Util qw(max);
use Time::HiRes qw(time);

srand($ENV{LEADSCORE_TEST_SEED} // 11);
my $started = time();

use constant DAY  => 86_400_000_000;    # microseconds
use constant HOUR => 3_600_000_000;

# ---------------------------------------------------------------------------
# The scoring configuration, and the same rules in plain SQL for the
# independent recompute.
# ---------------------------------------------------------------------------

my @models = (
	{
		name      => 'core',
		half_life => undef,                   # no decay
		mql       => 30,
		sql       => 80,
		stages    => [qw(aware consider decide)],
		stage_min => 10,
		# unclamped: the hot leads' scores show their capped rows
		max_score => undef,
	},
	{
		name      => 'fast',
		half_life => 7 * 86400,               # seconds
		mql       => 20,
		sql       => 60,
		stages    => [qw(learn evaluate buy)],
		stage_min => 15,
		max_score => 60,
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

my @columns = qw(id lead_id kind occurred_at url duration_s channel note);
my $column_list = join(', ', @columns);

sub setup_sql
{
	my ($keytype) = @_;
	my @sql = (
		'SET client_min_messages = warning;',
		'CREATE EXTENSION leadscore;',
		"CREATE TABLE activities (id bigint PRIMARY KEY, lead_id $keytype, kind text,"
		  . ' occurred_at timestamptz, url text, duration_s integer, channel text, note text);',
		'CREATE INDEX ON activities (lead_id);');
	for my $m (@models)
	{
		my $hl = defined $m->{half_life} ? "'$m->{half_life} seconds'" : 'NULL';
		my $stages = '{' . join(',', @{ $m->{stages} }) . '}';
		my $max = $m->{max_score} // 'NULL';
		push @sql,
		  "SELECT leadscore.create_model('$m->{name}', half_life => $hl, mql_threshold => $m->{mql},"
		  . " sql_threshold => $m->{sql}, stages => '$stages', stage_min_points => $m->{stage_min},"
		  . " max_score => $max);";
	}
	for my $r (@rules)
	{
		my @args = (sql_quote($r->{model}), sql_quote($r->{type}), $r->{points});
		push @args, 'stage => ' . sql_quote($r->{stage}) if defined $r->{stage};
		push @args, 'condition => ' . sql_quote($r->{cond}) if defined $r->{cond};
		push @args, "max_count => $r->{max_count}" if defined $r->{max_count};
		push @sql, 'SELECT leadscore.add_rule(' . join(', ', @args) . ');';
	}
	push @sql, q{SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'occurred_at');};
	return join("\n", @sql);
}

# The independent recompute, as a view: one row per (model, lead) with at
# least one activity matching a rule of the model.  Decayed points now, their
# magnitude (sum of |points|, the scale of rounding), the decayed points per
# stage number, the number of matching rows and the newest matching time.
# The rule conditions are SQL as they stand (the condition language is a
# subset of SQL's expression syntax).
sub expected_view_sql
{
	my (@hits, @rule_rows);
	my $n = 0;
	for my $r (@rules)
	{
		$n++;
		my $cond = $r->{cond} // 'true';
		push @hits,
		  "SELECT $n AS rule_no, a.id, a.lead_id, a.occurred_at FROM activities a"
		  . ' WHERE a.kind = ' . sql_quote($r->{type}) . " AND ($cond)"
		  . ' AND a.lead_id IS NOT NULL AND a.occurred_at IS NOT NULL AND isfinite(a.occurred_at)';
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
CREATE OR REPLACE VIEW expected_scores AS
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
FROM expected_scores e
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
# activity, mismatch descriptions, coverage counters).
sub compare_scores
{
	my ($node, $db) = @_;
	my $out = $node->safe_psql($db, $compare_sql);
	my (@bad, %cover);
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
		if ($e_count > 0)
		{
			$cover{"status $v_status"}++;
			$cover{ 'stage ' . ($stage // 'none') }++;
			$cover{'negative score'}++ if $e_score < 0;
			$cover{'clamped at max_score'}++ if $want != $e_score;
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

# ---------------------------------------------------------------------------
# Random rows
# ---------------------------------------------------------------------------

use constant LEADS => 300;
use constant HOT   => 20;    # leads 1..HOT fill their capped pricing rule

my $T0;             # test start, us since the Unix epoch (set from the server)
my @fixed_times;    # a few instants shared by many rows: duplicate timestamps
my $keytype;

sub pick { return $_[ int(rand(@_)) ]; }

# Lead number n as the database's key: text keys include one that needs
# quoting in CSV and in SQL.
sub lead_key
{
	my ($n) = @_;
	return undef unless defined $n;
	return 5_000_000_000 + $n if $keytype eq 'bigint';
	return q{acme, "seven's"} if $n == 7;
	return sprintf('lead-%03d', $n);
}

sub lead_sql
{
	my ($n) = @_;
	return $keytype eq 'bigint' ? lead_key($n) : sql_quote(lead_key($n));
}

sub ts_text
{
	my ($us) = @_;
	my $s = int($us / 1_000_000);
	my @t = gmtime($s);
	return sprintf('%04d-%02d-%02d %02d:%02d:%02d.%06d+00',
		$t[5] + 1900, $t[4] + 1, $t[3], $t[2], $t[1], $t[0], $us - $s * 1_000_000);
}

my @urls = ('/pricing', '/pricing/enterprise', '/Pricing', '/careers/dev', '/blog/post-1',
	'/product/api', '/whitepaper/roi.pdf', '/docs/GUIDE.PDF', '/');

# A row (a hash of column => value, undef for NULL): a quarter of them on the
# hot leads, which mostly view the pricing pages long enough to count.
sub rand_row
{
	my ($id, $note) = @_;
	my $hot = rand() < 0.25;
	my $lead = rand() < 0.01 ? undef : $hot ? 1 + int(rand(HOT)) : 1 + int(rand(LEADS));
	my $kind =
	  $hot && rand() < 0.6
	  ? 'page_view'
	  : pick(('page_view') x 6, ('email_open') x 3, ('download') x 2, 'webinar', 'webinar', 'demo_request',
		'unsubscribe', 'chat', undef);
	my $r = rand();
	my $us =
	    $r < 0.02 ? undef
	  : $r < 0.15 ? pick(@fixed_times)
	  : $r < 0.20 ? $T0 - int((60 + rand(700)) * DAY)
	  :             $T0 - int(rand(60 * DAY));
	my $url = $hot && $kind && $kind eq 'page_view' && rand() < 0.8 ? '/pricing/plans' : pick(@urls, undef);
	return {
		id          => $id,
		lead_id     => lead_key($lead),
		kind        => $kind,
		occurred_at => defined $us ? ts_text($us) : undef,
		url         => $url,
		duration_s  => rand() < 0.15 ? undef : int(rand(120)),
		channel     => pick('email', 'web', undef),
		note        => rand() < 0.1 ? qq{$note, "quoted", it's} : $note,
	};
}

# CSV with quotes doubled; NULL is $null (COPY and pgloader read an empty
# unquoted field as NULL; no value of these rows is an empty string).
sub write_csv
{
	my ($file, $null, @rows) = @_;
	open(my $fh, '>', $file) or die "$file: $!";
	for my $row (@rows)
	{
		print $fh join(',',
			map {
				my $v = $row->{$_};
				!defined $v ? $null : $v =~ /[",\n]/ ? do { (my $q = $v) =~ s/"/""/g; qq{"$q"} } : $v
			} @columns),
		  "\n";
	}
	close($fh);
}

sub row_sql
{
	my ($row) = @_;
	return '(' . join(', ',
		$row->{id}, (defined $row->{lead_id} && $keytype eq 'bigint' ? $row->{lead_id} : sql_quote($row->{lead_id})),
		sql_quote($row->{kind}), sql_quote($row->{occurred_at}) . '::timestamptz', sql_quote($row->{url}),
		$row->{duration_s} // 'NULL', sql_quote($row->{channel}), sql_quote($row->{note})) . ')';
}

sub rows_from
{
	my ($id0, $n, $note) = @_;
	return map { rand_row($id0 + $_, $note) } 0 .. $n - 1;
}

sub row_count
{
	my ($node, $db, $where) = @_;
	return $node->safe_psql($db, 'SELECT count(*) FROM activities' . ($where ? " WHERE $where" : ''));
}

# Runs a program: (success, its output).
sub run
{
	my ($cmd) = @_;
	my ($out, $err) = ('', '');
	# IPC::Run dies where the program is not installed.
	my $ok = eval { IPC::Run::run($cmd, '>', \$out, '2>', \$err) };
	return ($ok, $@ || "$out$err");
}

# ---------------------------------------------------------------------------
# The loaders
# ---------------------------------------------------------------------------

# 1. pgloader: 3,000 rows and one duplicate id, in batches of 400 rows.
sub load_pgloader
{
	my ($node, $db) = @_;
	SKIP:
	{
		my ($have) = run([ 'pgloader', '--version' ]);
		skip 'pgloader is not installed (Debian package pgloader)', 4 unless $have;
		my @rows = rows_from(1, 3000, 'pgloader');
		my $dup = rand_row(7, 'duplicate id');
		splice(@rows, 1500, 0, $dup);
		my $dir = $node->basedir . "/pgloader-$db";
		mkdir $dir;
		write_csv("$dir/activities.csv", '', @rows);
		my @fields = map { $_ eq 'id' || $_ eq 'note' ? $_ : "$_ [null if blanks]" } @columns;
		my ($ok, $out) = run([
				'pgloader', '--root-dir', $dir, '--type', 'csv',
				'--field', join(',', @fields),
				'--with', q{fields terminated by ','},
				'--with', q{fields optionally enclosed by '"'},
				'--with', 'batch rows = 400',
				'--with', 'concurrency = 2',
				"$dir/activities.csv",
				'postgresql://' . getpwuid($<) . '@127.0.0.1:' . $node->port . "/$db?tablename=activities" ]);
		ok($ok, "$db pgloader: ran") or diag($out);
		is(row_count($node, $db), 3000, "$db pgloader: loaded every row but the duplicate id")
		  or diag($out);
		check_consistency($node, $db, "$db pgloader");
	}
}

my $python_script = <<'EOF';
import csv, sys
import psycopg2, psycopg2.extras

dsn, path = sys.argv[1], sys.argv[2]
with open(path, newline='') as f:
    rows = [tuple(None if v == r'\N' else v for v in r) for r in csv.reader(f)]
cols = 'id, lead_id, kind, occurred_at, url, duration_s, channel, note'
insert_values = f'INSERT INTO activities ({cols}) VALUES %s'
insert_one = f'INSERT INTO activities ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)'

conn = psycopg2.connect(dsn)
cur = conn.cursor()
# execute_values in one transaction: 1,500 rows in pages of 200
psycopg2.extras.execute_values(cur, insert_values, rows[0:1500], page_size=200)
conn.commit()
# executemany in one transaction: 300 statements
cur.executemany(insert_one, rows[1500:1800])
conn.commit()
# execute_values, a transaction per 150 rows, pages of 64
for i in range(1800, 2400, 150):
    psycopg2.extras.execute_values(cur, insert_values, rows[i:i + 150], page_size=64)
    conn.commit()
# executemany, rolled back
cur.executemany(insert_one, rows[2400:2500])
conn.rollback()
# executemany of UPDATEs, one transaction: rows move to the first lead of
# the batch and onto the pricing pages
first_lead = rows[0][1]
cur.executemany(
    "UPDATE activities SET lead_id = %s, url = '/pricing/moved', duration_s = 45 WHERE id = %s",
    [(first_lead, r[0]) for r in rows[100:1800:25]])
conn.commit()
# executemany in autocommit: a transaction per row
conn.autocommit = True
cur.executemany(insert_one, rows[2500:2600])
conn.close()
EOF

# 2. psycopg2: 2,600 rows, 100 of them rolled back, and 68 UPDATEs.
sub load_psycopg2
{
	my ($node, $db) = @_;
	my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';
	SKIP:
	{
		my ($have) = run([ $python, '-c', 'import psycopg2, psycopg2.extras' ]);
		skip 'psycopg2 is not installed (Debian package python3-psycopg2)', 5 unless $have;
		my @rows = rows_from(100_001, 2600, 'psycopg2');
		# The UPDATEs' target lead must exist: the first row names one.
		$rows[0]{lead_id} //= lead_key(1);
		my $dir = $node->basedir;
		# Python's csv module reads an empty field as '', not None.
		write_csv("$dir/rows-$db.csv", '\N', @rows);
		PostgreSQL::Test::Utils::append_to_file("$dir/load.py", $python_script) unless -e "$dir/load.py";
		my ($ok, $out) = run([ $python, "$dir/load.py", $node->connstr($db), "$dir/rows-$db.csv" ]);
		ok($ok, "$db psycopg2: ran") or diag($out);
		is(row_count($node, $db, 'id > 100000'), 2500, "$db psycopg2: the rolled-back rows are not there");
		is(row_count($node, $db, q{url = '/pricing/moved'}), 68, "$db psycopg2: the UPDATEs moved 68 rows");
		check_consistency($node, $db, "$db psycopg2");
	}
}

# 3. psql \copy: 1,000 rows, first in a transaction rolled back.
sub load_copy
{
	my ($node, $db) = @_;
	my $file = $node->basedir . "/copy-$db.csv";
	write_csv($file, '', rows_from(200_001, 1000, 'psql \copy'));
	my $copy = "\\copy activities ($column_list) FROM '$file' WITH (FORMAT csv)";
	$node->safe_psql($db, "BEGIN;\n$copy\nROLLBACK;");
	is(row_count($node, $db, 'id > 200000'), 0, "$db \\copy: rolled back");
	check_consistency($node, $db, "$db \\copy rolled back");
	$node->safe_psql($db, $copy);
	is(row_count($node, $db, 'id > 200000'), 1000, "$db \\copy: loaded");
	check_consistency($node, $db, "$db \\copy");
}

# The rows the capped pricing rule matches, each lead's newest first (it
# counts rn <= 3).
my $capped_rows = q{
	SELECT id, lead_id, row_number() OVER (PARTITION BY lead_id ORDER BY occurred_at DESC, id) AS rn
	FROM activities
	WHERE kind = 'page_view' AND url LIKE '/pricing%' AND duration_s >= 30 AND occurred_at IS NOT NULL
};

# 4. MERGE: DELETEs and UPDATEs of the hot leads' counted pricing views and
# INSERTs of new rows, in one statement.
sub load_merge
{
	my ($node, $db) = @_;
	my $hot = join(', ', map { lead_sql($_) } 1 .. HOT);
	my $hot_a = join(', ', map { lead_sql($_) } 1 .. HOT / 2);
	my $hot_b = join(', ', map { lead_sql($_) } HOT / 2 + 1 .. HOT);
	my $full = $node->safe_psql($db,
		"SELECT count(*) FROM (SELECT lead_id FROM ($capped_rows) c WHERE lead_id IN ($hot) GROUP BY lead_id HAVING count(*) > 4) f");
	ok($full >= 10, "$db MERGE: $full hot leads have more capped rows than the cap counts");

	my $before = row_count($node, $db);
	my @new = rows_from(300_001, 300, 'merged');
	my $sql = <<"EOF";
CREATE TABLE staging (action text, LIKE activities);
INSERT INTO staging SELECT 'delete', a.* FROM activities a JOIN ($capped_rows) c USING (id)
	WHERE c.rn <= 2 AND c.lead_id IN ($hot_a);
-- moved to lead 3 (its window fills with other leads' rows), back-dated, or
-- off the pricing pages
INSERT INTO staging SELECT 'update', a.id,
		CASE c.rn WHEN 1 THEN @{[ lead_sql(3) ]} ELSE a.lead_id END, a.kind,
		CASE c.rn WHEN 2 THEN a.occurred_at - interval '90 days' ELSE a.occurred_at END,
		CASE c.rn WHEN 3 THEN '/blog/merged' ELSE a.url END, a.duration_s, a.channel, 'merge updated'
	FROM activities a JOIN ($capped_rows) c USING (id)
	WHERE c.rn <= 3 AND c.lead_id IN ($hot_b);
-- matched by no action: stays as it is
INSERT INTO staging SELECT 'keep', a.* FROM activities a
	WHERE a.id % 97 = 0 AND a.id NOT IN (SELECT id FROM staging);
INSERT INTO staging VALUES @{[ join(",\n\t", map { "('insert', " . substr(row_sql($_), 1) } @new) ]};
MERGE INTO activities a USING staging s ON a.id = s.id
WHEN MATCHED AND s.action = 'delete' THEN DELETE
WHEN MATCHED AND s.action = 'update' THEN
	UPDATE SET lead_id = s.lead_id, kind = s.kind, occurred_at = s.occurred_at, url = s.url, note = s.note
WHEN NOT MATCHED THEN
	INSERT ($column_list) VALUES (s.id, s.lead_id, s.kind, s.occurred_at, s.url, s.duration_s, s.channel, s.note);
SELECT (SELECT count(*) FROM staging WHERE action = 'delete'), (SELECT count(*) FROM staging WHERE action = 'update');
EOF
	my ($deleted, $updated) = split /\|/, $node->safe_psql($db, $sql);
	ok($deleted >= 10 && $updated >= 15, "$db MERGE: one statement deleted $deleted, updated $updated, inserted 300");
	is(row_count($node, $db), $before - $deleted + 300, "$db MERGE: the rows deleted and inserted");
	is(row_count($node, $db, q{note = 'merge updated'}), $updated, "$db MERGE: the rows updated");
	check_consistency($node, $db, "$db MERGE");

	# Again in a transaction, the source read from the table itself (the
	# newest counted row of each hot lead deleted, the next one moved a day
	# on, 50 rows copied) and a DELETE after it; checked before COMMIT too.
	my $out = $node->safe_psql($db, <<"EOF");
BEGIN;
MERGE INTO activities a USING (
		SELECT x.id AS target, c.rn, x.* FROM activities x JOIN ($capped_rows) c USING (id) WHERE c.lead_id IN ($hot)
		UNION ALL SELECT x.id + 100000, NULL, x.* FROM activities x WHERE x.id BETWEEN 300001 AND 300050
	) s ON a.id = s.target
WHEN MATCHED AND s.rn = 1 THEN DELETE
WHEN MATCHED AND s.rn = 2 THEN UPDATE SET occurred_at = s.occurred_at + interval '1 day'
WHEN NOT MATCHED THEN
	INSERT ($column_list) VALUES (s.target, s.lead_id, s.kind, s.occurred_at, s.url, s.duration_s, s.channel, 'merged again');
SELECT count(*) FROM leadscore.verify();
DELETE FROM activities WHERE lead_id = @{[ lead_sql(3) ]} AND kind = 'page_view' AND id % 2 = 0 AND id < 300000;
COMMIT;
EOF
	is($out, '0', "$db MERGE in a transaction: verify() empty before COMMIT");
	is(row_count($node, $db, q{note = 'merged again'}), 50, "$db MERGE in a transaction: inserted");
	return check_consistency($node, $db, "$db MERGE in a transaction");
}

# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

my $node = PostgreSQL::Test::Cluster->new('loaders');
$node->init;
# pgloader connects over TCP; initdb -A trust (PostgreSQL::Test::Cluster)
# trusts 127.0.0.1 too.
$node->append_conf('postgresql.conf', "timezone = 'UTC'\nfsync = off\nlisten_addresses = '127.0.0.1'");
$node->start;

$T0 = $node->safe_psql('postgres',
	q{SELECT (extract(epoch FROM date_trunc('second', now())) * 1000000)::bigint});
@fixed_times = map { $T0 - $_ * 7 * HOUR - 123_456 } 0 .. 9;

for my $type (qw(bigint text))
{
	$keytype = $type;
	my $db = "keys_$type";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, setup_sql($type));
	$node->safe_psql($db, expected_view_sql());
	load_pgloader($node, $db);
	load_psycopg2($node, $db);
	load_copy($node, $db);
	my $cover = load_merge($node, $db);
	for my $want ('status sql', 'status mql', 'status nurture', 'negative score', 'clamped at max_score',
		'stage decide', 'stage buy')
	{
		ok(($cover->{$want} // 0) > 0, "$db: the final state has leads with $want");
	}
}

$node->stop;
diag(sprintf('run time %.1f s', time() - $started));
done_testing();
