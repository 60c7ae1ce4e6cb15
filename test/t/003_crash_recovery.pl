# Crash safety: two clients write activity and lead rows (INSERT, COPY,
# UPDATE, DELETE, upserts, data-modifying WITHs) while a third runs tick()
# and rescore(); the server is killed at a random moment (fixed seeds), then
# restarted.  Each cycle kills it another way: SIGKILL of the postmaster and
# every backend at once, SIGKILL of one backend (the postmaster's crash
# restart), and stop('immediate').  After each restart:
#
#   * every statement a client saw acknowledged is there, and nothing else:
#     each client's rows equal the replay of its acknowledged statements,
#     plus or minus the one statement in flight at the kill (atomically:
#     all of it or none);
#   * verify() is empty: scores, stages, grades and the recorded lifecycle
#     of every lead equal a recompute from the surviving rows;
#   * no event is duplicated or missing: per lead, model and kind, events
#     form a chain (each starts where the previous ended: nurture, or no
#     stage / grade, at first; never from x to x), and the chain ends at the
#     status, stage and grade lead_state records (nurture and none for a
#     lead whose state row is gone).  So every transition implied by the
#     successive records is an event, and none twice.
#
# LEADSCORE_CRASH_CYCLES (default 3) and LEADSCORE_CRASH_SEED (default 7)
# run more or other cycles: test/long/crash_soak.sh.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use POSIX qw(strftime);
use Time::HiRes qw(usleep);

my $cycles = $ENV{LEADSCORE_CRASH_CYCLES} // 3;
my $seed   = $ENV{LEADSCORE_CRASH_SEED}   // 7;
my $leads  = 40;
my @kinds  = qw(demo view view blog blog unsub other);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', q{
restart_after_crash = on
deadlock_timeout = 100ms
});
$node->start;

$node->safe_psql('postgres', qq{
	CREATE EXTENSION leadscore;
	CREATE SCHEMA crm;
	CREATE TABLE crm.activities (token text PRIMARY KEY, lead_id bigint, kind text, at timestamptz, url text);
	CREATE TABLE crm.contacts (id bigint PRIMARY KEY, job_title text);
	INSERT INTO crm.contacts SELECT i, 'Engineer' FROM generate_series(1, $leads) i;
	SELECT leadscore.create_grade_profile('icp');
	SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of');
	SELECT leadscore.add_criterion('icp', 'job_title ~* ''intern''', -3, 'intern');
	-- A one-minute half-life: tick() has crossings to report during the run.
	SELECT leadscore.create_model('fast', half_life => '1 minute', mql_threshold => 30, sql_threshold => 60,
		grade_profile => 'icp', sql_min_grade => 'C');
	SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 50, sql_threshold => 120);
	SELECT leadscore.add_rule('fast', 'demo', 40, stage => 'decision', max_count => 2);
	SELECT leadscore.add_rule('fast', 'view', 10, stage => 'consideration', condition => 'url LIKE ''/pricing%''');
	SELECT leadscore.add_rule('fast', 'blog', 5, stage => 'awareness', max_count => 3);
	SELECT leadscore.add_rule('flat', 'demo', 30, max_count => 3);
	SELECT leadscore.add_rule('flat', 'view', 4);
	SELECT leadscore.add_rule('flat', 'unsub', -20);
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
	SELECT leadscore.attach_leads('crm.contacts', 'id');
	-- The epoch is midnight: a one-minute model read more than 960 minutes
	-- later saturates until a tick() re-bases it.  Re-base before any row.
	SELECT leadscore.tick();
});

# ---------------------------------------------------------------------------
# The clients' scripts.  A client's statements are generated from what its
# earlier ones would have left; each is one atomic statement followed by
# "ack N" (it committed) or "fail N" (it did not: e.g. a deadlock with the
# other client's own rows).
# ---------------------------------------------------------------------------

my %generated;    # client -> { token -> [lead, kind] } if everything committed
my %contacts_gen; # client -> { id -> title }
my %next_token;   # client -> counter

sub random_time_sql { return sprintf("now() - interval '%d seconds'", int(rand(1800))); }

sub random_url { return rand() < 0.5 ? '/pricing/' . int(rand(9)) : '/blog/' . int(rand(9)); }

sub pick_existing
{
	my ($rows) = @_;
	my @tokens = sort keys %$rows;
	return @tokens ? $tokens[ int(rand(@tokens)) ] : undef;
}

# One operation: its SQL and how it changes a client's rows if it commits.
sub generate_op
{
	my ($c) = @_;
	my $rows = $generated{$c} //= {};
	my $r    = rand();
	my $new  = sub { sprintf('c%d-%06d', $c, $next_token{$c}++) };
	if ($r < 0.30)
	{
		my @values;
		my @ins;
		for (1 .. 1 + int(rand(4)))
		{
			my ($t, $l, $k) = ($new->(), 1 + int(rand($leads)), $kinds[ int(rand(@kinds)) ]);
			push @values, sprintf("('%s', %d, '%s', %s, '%s')", $t, $l, $k, random_time_sql(), random_url());
			push @ins, [ $t, $l, $k ];
		}
		return { sql => 'INSERT INTO crm.activities VALUES ' . join(', ', @values) . ';', op => [ 'insert', @ins ] };
	}
	if ($r < 0.40)
	{
		my @lines;
		my @ins;
		for (1 .. 1 + int(rand(6)))
		{
			my ($t, $l, $k) = ($new->(), 1 + int(rand($leads)), $kinds[ int(rand(@kinds)) ]);
			my $at = strftime('%Y-%m-%d %H:%M:%S+00', gmtime(time() - int(rand(1800))));
			push @lines, join("\t", $t, $l, $k, $at, random_url());
			push @ins, [ $t, $l, $k ];
		}
		return {
			sql => "COPY crm.activities FROM stdin;\n" . join("\n", @lines) . "\n\\.",
			op  => [ 'insert', @ins ] };
	}
	my $t = pick_existing($rows);
	if ($r < 0.60 && defined $t)
	{
		my ($l, $k) = (1 + int(rand($leads)), $kinds[ int(rand(@kinds)) ]);
		return {
			sql => sprintf("UPDATE crm.activities SET lead_id = %d, kind = '%s', at = %s WHERE token = '%s';",
				$l, $k, random_time_sql(), $t),
			op => [ 'update', $t, $l, $k ] };
	}
	if ($r < 0.75 && defined $t)
	{
		return { sql => "DELETE FROM crm.activities WHERE token = '$t';", op => [ 'delete', $t ] };
	}
	if ($r < 0.85)
	{
		my $u = (defined $t && rand() < 0.5) ? $t : $new->();
		my ($l, $k) = (1 + int(rand($leads)), $kinds[ int(rand(@kinds)) ]);
		return {
			sql => sprintf("INSERT INTO crm.activities VALUES ('%s', %d, '%s', %s, '%s')"
				  . " ON CONFLICT (token) DO UPDATE SET lead_id = excluded.lead_id, kind = excluded.kind;",
				$u, $l, $k, random_time_sql(), random_url()),
			op => [ 'upsert', $u, $l, $k ] };
	}
	if ($r < 0.92 && defined $t)
	{
		my $u = $new->();
		return {
			sql => "WITH moved AS (DELETE FROM crm.activities WHERE token = '$t' RETURNING *)"
			  . " INSERT INTO crm.activities SELECT '$u', lead_id % $leads + 1, kind, at, url FROM moved;",
			op => [ 'move', $t, $u ] };
	}
	my ($id, $title) = (1 + int(rand($leads)), ('Head of IT', 'Engineer', 'Intern')[ int(rand(3)) ]);
	return {
		sql => "UPDATE crm.contacts SET job_title = '$title' WHERE id = $id;",
		op  => [ 'contact', $id, $title ] };
}

# Applies one operation to a client's rows and contacts, as SQL would.
sub apply_op
{
	my ($rows, $contacts, $op) = @_;
	my ($kind, @a) = @$op;
	if ($kind eq 'insert') { $rows->{ $_->[0] } = [ $_->[1], $_->[2] ] for @a; }
	elsif ($kind eq 'update') { $rows->{ $a[0] } = [ $a[1], $a[2] ] if exists $rows->{ $a[0] }; }
	elsif ($kind eq 'delete') { delete $rows->{ $a[0] }; }
	elsif ($kind eq 'upsert') { $rows->{ $a[0] } = [ $a[1], $a[2] ]; }
	elsif ($kind eq 'move')
	{
		if (my $old = delete $rows->{ $a[0] }) { $rows->{ $a[1] } = [ $old->[0] % $leads + 1, $old->[1] ]; }
	}
	elsif ($kind eq 'contact') { $contacts->{ $a[0] } = $a[1]; }
	return;
}

# ---------------------------------------------------------------------------
# What the server holds: a client's rows, the events' chains.
# ---------------------------------------------------------------------------

my %committed;          # client -> rows after its acknowledged statements
my %committed_contacts; # client -> contacts it changed (last acknowledged title)

sub rows_in_db
{
	my ($c) = @_;
	my %rows;
	for my $line (split /\n/,
		$node->safe_psql('postgres', "SELECT token, lead_id, kind FROM crm.activities WHERE token LIKE 'c$c-%'"))
	{
		my ($t, $l, $k) = split /\|/, $line;
		$rows{$t} = [ $l, $k ];
	}
	return \%rows;
}

sub same_rows
{
	my ($x, $y) = @_;
	return 0 unless keys %$x == keys %$y;
	for my $t (keys %$x)
	{
		return 0 unless exists $y->{$t} && "@{$x->{$t}}" eq "@{$y->{$t}}";
	}
	return 1;
}

my $broken_chains = q{
	WITH e AS (
		SELECT model, lead_id, kind, from_value, to_value,
			lag(to_value) OVER w AS previous, row_number() OVER w AS n
		FROM leadscore.events
		WINDOW w AS (PARTITION BY model, lead_id, kind ORDER BY id))
	SELECT count(*) FROM e
	WHERE from_value IS NOT DISTINCT FROM to_value
		OR (n = 1 AND from_value IS DISTINCT FROM CASE WHEN kind = 'status' THEN 'nurture' END)
		OR (n > 1 AND from_value IS DISTINCT FROM previous)
};
my $chains_off_record = q{
	WITH last AS (
		SELECT DISTINCT ON (model, lead_id, kind) model, lead_id, kind, to_value
		FROM leadscore.events ORDER BY model, lead_id, kind, id DESC),
	recorded AS (
		SELECT m.name AS model, s.lead_id, k.kind,
			CASE k.kind WHEN 'status' THEN s.status WHEN 'stage' THEN s.stage ELSE s.grade::text END AS value
		FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id
		CROSS JOIN (VALUES ('status'), ('stage'), ('grade')) k(kind))
	SELECT count(*) FROM (
		-- a recorded state the chain does not end at
		SELECT 1 FROM recorded r LEFT JOIN last l USING (model, lead_id, kind)
		WHERE r.value IS DISTINCT FROM coalesce(l.to_value, CASE WHEN r.kind = 'status' THEN 'nurture' END)
		UNION ALL
		-- a chain of a lead without a state row that does not end at rest
		SELECT 1 FROM last l
		WHERE NOT EXISTS (SELECT 1 FROM leadscore.lead_state s JOIN leadscore.models m ON m.id = s.model_id
			WHERE m.name = l.model AND s.lead_id = l.lead_id)
			AND l.to_value IS DISTINCT FROM CASE WHEN l.kind = 'status' THEN 'nurture' END) x
};

sub check_consistency
{
	my ($label) = @_;
	is($node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', "$label: verify() is empty");
	is($node->safe_psql('postgres', $broken_chains), '0', "$label: every event continues its lead's chain (none duplicated or skipped)");
	is($node->safe_psql('postgres', $chains_off_record), '0', "$label: every chain ends at the lifecycle lead_state records");
	return;
}

# ---------------------------------------------------------------------------
# The cycles.
# ---------------------------------------------------------------------------

my @kill_modes = ('postmaster', 'backend', 'immediate');
my %total = (acked => 0, failed => 0, in_flight_applied => 0, in_flight_absent => 0);

for my $cycle (1 .. $cycles)
{
	srand($seed * 1000 + $cycle);
	my $mode = $kill_modes[ ($cycle - 1) % @kill_modes ];

	# Scripts long enough to outlast the kill.
	my %ops;
	for my $c (1, 2)
	{
		my @script = ("\\set ON_ERROR_STOP 0", "SET application_name = 'writer$c';");
		for my $n (1 .. 3000)
		{
			my $g = generate_op($c);
			push @{ $ops{$c} }, $g->{op};
			apply_op($generated{$c}, $contacts_gen{$c} //= {}, $g->{op});
			push @script, $g->{sql}, "\\if :ERROR", "\\echo fail $n", "\\else", "\\echo ack $n", "\\endif";
		}
		PostgreSQL::Test::Utils::append_to_file($node->basedir . "/writer$c-$cycle.sql", join("\n", @script) . "\n");
	}
	my @ticker = ("\\set ON_ERROR_STOP 0", "\\o /dev/null");
	for my $n (1 .. 3000)
	{
		push @ticker, "SELECT leadscore.tick();", "\\echo tick $n", "SELECT pg_sleep(0.01);";
		push @ticker, "SELECT leadscore.rescore('flat');" if $n % 40 == 0;
	}
	PostgreSQL::Test::Utils::append_to_file($node->basedir . "/ticker-$cycle.sql", join("\n", @ticker) . "\n");

	my %out;
	my %h;
	for my $client ('writer1', 'writer2', 'ticker')
	{
		$out{$client} = '';
		my $err = '';
		$h{$client} = IPC::Run::start(
			[ 'psql', '-X', '-q', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
				'-f', $node->basedir . "/$client-$cycle.sql" ],
			'>', \$out{$client}, '2>', \$err);
	}

	# The kill comes at a random moment of the load.
	usleep(int((0.8 + rand(2.0)) * 1_000_000));
	if ($mode eq 'postmaster')
	{
		# The postmaster and every backend at once, as a power cut would.
		my $pm = (split /\n/, PostgreSQL::Test::Utils::slurp_file($node->data_dir . '/postmaster.pid'))[0];
		my @children = grep { my $s = eval { PostgreSQL::Test::Utils::slurp_file("/proc/$_/stat") } // '';
			$s =~ /^\d+ \(.*\) \S (\d+)/ && $1 == $pm } map { m{/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*');
		kill 'KILL', @children;
		$node->kill9;
		# A new postmaster refuses to start while the old one's PID is alive
		# (a zombie until PID 1 reaps it) or orphans hold shared memory.
		for (1 .. 300)
		{
			last unless grep { -e "/proc/$_" } ($pm, @children);
			usleep(100_000);
		}
	}
	elsif ($mode eq 'backend')
	{
		# One writer's backend: the postmaster kills the others and restarts.
		my $pid = $node->safe_psql('postgres',
			"SELECT pid FROM pg_stat_activity WHERE application_name = 'writer1' LIMIT 1");
		kill 'KILL', $pid if $pid;
	}
	else
	{
		$node->stop('immediate');
	}
	$h{$_}->finish for keys %h;

	if ($mode eq 'backend')
	{
		$node->poll_query_until('postgres', 'SELECT true') or die "no restart after a backend crash";
	}
	else
	{
		$node->start;
	}

	# Kept beside the cluster for a post-mortem.
	PostgreSQL::Test::Utils::append_to_file($node->basedir . "/$_-$cycle.out", $out{$_}) for keys %out;
	my $ticks = () = $out{ticker} =~ /^tick \d+$/mg;
	for my $c (1, 2)
	{
		my %seen;
		$seen{$2} = $1 while $out{"writer$c"} =~ /^(ack|fail) (\d+)$/mg;
		my $last = 0;
		$last = $_ > $last ? $_ : $last for keys %seen;
		my $rows     = $committed{$c}          //= {};
		my $contacts = $committed_contacts{$c} //= {};
		my ($acked, $failed) = (0, 0);
		for my $n (1 .. $last)
		{
			die "statement $n of writer$c has no outcome" unless defined $seen{$n};
			if ($seen{$n} eq 'ack') { apply_op($rows, $contacts, $ops{$c}[ $n - 1 ]); $acked++; }
			else { $failed++; }
		}
		$total{acked}  += $acked;
		$total{failed} += $failed;
		# The statement in flight at the kill: all of it or none.  Usually it
		# is the one after the last outcome.  But a statement the crash
		# interrupted may have printed "fail" (the backend's "terminating
		# connection" arrives as an error before psql notices the connection
		# is gone) although its commit record was already written: when the
		# last outcome is a failure, that statement may have committed too.
		my @candidates = ($last);
		unshift @candidates, $last - 1 if $last > 0 && $seen{$last} eq 'fail';
		my $db = rows_in_db($c);
		my ($match, $how) = (undef, 'absent');
		if (same_rows($db, $rows)) { $match = [ $rows, $contacts ]; }
		else
		{
			for my $i (grep { $_ < @{ $ops{$c} } } @candidates)
			{
				my %with = map { $_ => [ @{ $rows->{$_} } ] } keys %$rows;
				my %with_contacts = %$contacts;
				apply_op(\%with, \%with_contacts, $ops{$c}[$i]);
				if (same_rows($db, \%with))
				{
					($match, $how) = ([ \%with, \%with_contacts ], 'statement ' . ($i + 1) . ' committed');
					last;
				}
			}
		}
		ok(defined $match,
			"cycle $cycle ($mode): writer$c has exactly its $acked acknowledged statements"
			  . " ($failed failed, in flight: $how)");
		if ($match && $match->[0] != $rows)
		{
			%$rows = %{ $match->[0] };
			%$contacts = %{ $match->[1] };
			$total{in_flight_applied}++;
		}
		else { $total{in_flight_absent}++; }
		# Whatever the generator assumed, from here on it follows what is.
		$generated{$c} = { map { $_ => [ @{ $rows->{$_} } ] } keys %$rows };
		$contacts_gen{$c} = { %$contacts };
	}
	note("cycle $cycle ($mode): $ticks ticks before the kill");
	check_consistency("cycle $cycle ($mode)");
}

# After the last restart the periodic job finds its way: due crossings are
# reported once, and everything still holds.
$node->safe_psql('postgres', "SELECT leadscore.tick(now() + interval '10 minutes')");
check_consistency('after a final tick');
my $events = $node->safe_psql('postgres', 'SELECT count(*) FROM leadscore.events');
my $rows   = $node->safe_psql('postgres', 'SELECT count(*) FROM crm.activities');
note("totals: $cycles kills, $total{acked} acknowledged statements, $total{failed} failed,"
	  . " in-flight statements committed $total{in_flight_applied} / absent $total{in_flight_absent};"
	  . " $rows activity rows, $events events");
cmp_ok($total{acked}, '>', 100, 'the clients got work done between the kills');
# A statement that fires two of leadscore's triggers (an upsert, a
# data-modifying WITH) locks lead states in two passes, so two of them can
# deadlock; PostgreSQL aborts one (40P01), which the client saw as "fail".
my $deadlocks = () = PostgreSQL::Test::Utils::slurp_file($node->logfile) =~ /deadlock detected/g;
note("deadlocks detected by the server: $deadlocks");

$node->stop;
done_testing();
