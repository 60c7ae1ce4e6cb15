# leadscore on Citus (issue 16): what Citus allows and what leadscore does
# there so far.
#
# A coordinator and two workers (test/perl/LeadscoreCitus.pm: throw-away
# clusters on 127.0.0.1, free ports, removed even on failure), 8 shards.
# Skipped, saying why, when Citus is not installed (Citus is not in Debian:
# users install Citus's packages; scripts/test.sh builds it from a source
# tree when the machine has one).
#
# 1. What Citus allows inside a trigger that fires on a shard, the ground
#    shard-local scoring will stand on (plain checks of Citus, with
#    plpgsql probes, not leadscore): a statement trigger fires once per
#    shard touched with that shard's rows; SQL joining the transition table
#    with a Citus table fails ("unrecognized RTE kind: 7"), INSERT ... SELECT
#    from it into a distributed table fails ("could not find named
#    tuplestore"), multi-shard statements and writes to reference tables
#    fail ("cannot execute a distributed query from a query on a shard"),
#    NOTIFY fails every multi-shard write and never reaches a coordinator
#    LISTEN, a coordinator SET is not seen; but the shard finds its
#    distributed table and its colocated shards in pg_dist_shard, and plain
#    SQL over those local shard relations (the transition table joined with
#    a reference table's local shard, an upsert into the colocated shard of
#    another table) works and is exact.
# 2. leadscore until leadscore.distribute() exists: attaching a Citus table
#    is refused, saying why; tables attached before create_distributed_table
#    are not scored afterwards, but every write and TRUNCATE warns, once per
#    shard (src/pg/citus/unscored_shards.hpp), instead of scoring nothing in
#    silence; verify() reports the leads left unscored.
# 3. Lead keys of other types than bigint: a worker's leadscore tables are
#    its own CREATE EXTENSION's, and Citus checks their key columns against
#    the CRM's; distribute() gives them the coordinator's types first.
# 4. Citus on one node (the coordinator holds the shards): Citus hides
#    shards from a user's queries of pg_class there, and runs its commands
#    on the shards as the node's own; writes, the ledger, tick(), rescore()
#    and a partition made and dropped work as on workers.

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

my $shards = 8;
my ($coord, @workers) = start_citus_cluster('citus', workers => 2, shard_count => $shards);

is( $coord->safe_psql('postgres',
		'SELECT count(*) FROM pg_dist_node WHERE hasmetadata AND metadatasynced AND isactive'),
	'3', 'the coordinator and two workers, metadata synced');

# The ERROR lines of psql's stderr.
sub errors { return join("\n", grep { /ERROR:/ } split /\n/, $_[0]); }

# Runs $sql on the coordinator; (stdout, stderr, exit code).
sub coord_psql
{
	my ($sql) = @_;
	my ($out, $err);
	my $rc = $coord->psql('postgres', $sql, stdout => \$out, stderr => \$err);
	return ($out // '', $err // '', $rc);
}

# What the probe triggers said: their NOTICEs, which Citus relays from the
# workers, as probe name => [distinct results].
sub probe_results
{
	my ($err) = @_;
	my %seen;
	while ($err =~ /NOTICE:  probe (\S+): (.*)$/mg)
	{
		$seen{$1}{$2} = 1;
	}
	return { map { $_ => [ sort keys %{ $seen{$_} } ] } keys %seen };
}

sub first_result { my ($r, $name) = @_; return ($r->{$name} // ['(did not run)'])->[0]; }

# ---------------------------------------------------------------------------
# 1. Citus inside a shard's trigger
# ---------------------------------------------------------------------------

$coord->safe_psql('postgres', q{
	CREATE SCHEMA probe;
	CREATE TABLE probe.rows (id bigint, lead bigint NOT NULL, kind text);
	SELECT create_distributed_table('probe.rows', 'lead');
	CREATE TABLE probe.state (lead bigint PRIMARY KEY, points bigint NOT NULL, firings int NOT NULL);
	SELECT create_distributed_table('probe.state', 'lead', colocate_with => 'probe.rows');
	CREATE TABLE probe.cfg (kind text PRIMARY KEY, points int NOT NULL);
	SELECT create_reference_table('probe.cfg');
	INSERT INTO probe.cfg VALUES ('view', 5), ('demo', 50);

	-- Each probe reports "ok ..." or "error <message>" in a NOTICE.
	CREATE FUNCTION probe.fire() RETURNS trigger LANGUAGE plpgsql AS $$
	DECLARE
		shard bigint := substring(TG_TABLE_NAME FROM '_(\d+)$')::bigint;
		shell regclass;
		state_shard text;
		cfg_shard text;
		n bigint;
	BEGIN
		SELECT count(*) INTO n FROM new_rows;
		RAISE NOTICE 'probe firing: % % rows', TG_TABLE_NAME, n;
		-- The distributed table of this shard, and the colocated shards of
		-- the state table and of the reference table, by name.
		SELECT s.logicalrelid INTO shell FROM pg_catalog.pg_dist_shard s WHERE s.shardid = shard;
		RAISE NOTICE 'probe shell: %', coalesce(shell::text, 'not found');
		SELECT pg_catalog.shard_name(s.logicalrelid, s.shardid) INTO state_shard
			FROM pg_catalog.unnest(pg_catalog.get_colocated_shard_array(shard)) c(id)
			JOIN pg_catalog.pg_dist_shard s ON s.shardid = c.id WHERE s.logicalrelid = 'probe.state'::regclass;
		SELECT pg_catalog.shard_name(s.logicalrelid, s.shardid) INTO cfg_shard
			FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = 'probe.cfg'::regclass;
		RAISE NOTICE 'probe colocated: %', CASE WHEN pg_catalog.to_regclass(state_shard) IS NOT NULL
			AND pg_catalog.to_regclass(cfg_shard) IS NOT NULL THEN 'ok, local' ELSE 'missing' END;
		BEGIN
			SELECT count(*) INTO n FROM new_rows r JOIN probe.cfg c ON c.kind = r.kind;
			RAISE NOTICE 'probe join_reference: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe join_reference: error %', SQLERRM; END;
		BEGIN
			SELECT count(*) INTO n FROM probe.cfg;
			RAISE NOTICE 'probe read_reference: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe read_reference: error %', SQLERRM; END;
		BEGIN
			INSERT INTO probe.state SELECT r.lead, 0, 0 FROM new_rows r ON CONFLICT DO NOTHING;
			RAISE NOTICE 'probe insert_select_distributed: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe insert_select_distributed: error %', SQLERRM; END;
		BEGIN
			SELECT count(*) INTO n FROM probe.state;
			RAISE NOTICE 'probe multi_shard_select: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe multi_shard_select: error %', SQLERRM; END;
		BEGIN
			UPDATE probe.cfg SET points = points WHERE kind = 'view';
			RAISE NOTICE 'probe write_reference: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe write_reference: error %', SQLERRM; END;
		RAISE NOTICE 'probe coordinator_guc: %', coalesce(pg_catalog.current_setting('probe.setting', true), 'not set');
		-- The write the design relies on: plain SQL over local shard
		-- relations, the transition table joined with the reference
		-- table's local shard, upserted into the colocated state shard.
		BEGIN
			EXECUTE format('INSERT INTO %s AS s (lead, points, firings)'
				' SELECT r.lead, sum(c.points), 1 FROM new_rows r JOIN %s c ON c.kind = r.kind GROUP BY r.lead'
				' ON CONFLICT (lead) DO UPDATE SET points = s.points + excluded.points, firings = s.firings + 1',
				state_shard, cfg_shard);
			RAISE NOTICE 'probe local_shard_upsert: ok';
		EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'probe local_shard_upsert: error %', SQLERRM; END;
		RETURN NULL;
	END $$;
	CREATE TRIGGER fire AFTER INSERT ON probe.rows REFERENCING NEW TABLE AS new_rows
		FOR EACH STATEMENT EXECUTE FUNCTION probe.fire();
});

my ($out, $err, $rc) = coord_psql(q{
	SET probe.setting = 'set on the coordinator';
	INSERT INTO probe.rows SELECT g, g % 40, CASE WHEN g % 7 = 0 THEN 'demo' ELSE 'view' END
	FROM generate_series(1, 400) g;
});
is($rc, 0, 'a multi-shard INSERT ... SELECT into a table with the probe trigger commits');
my $r = probe_results($err);
my @firings = $err =~ /NOTICE:  probe firing: (\S+) (\d+) rows/g;
my %rows_of = @firings;
my $touched = $coord->safe_psql('postgres',
	"SELECT count(DISTINCT get_shard_id_for_distribution_column('probe.rows', g % 40)) FROM generate_series(1, 400) g");
is(scalar(keys %rows_of), $touched, "the statement trigger fired once per shard touched ($touched)");
my $total = 0;
$total += $_ for values %rows_of;
is($total, 400, "the firings' transition tables hold the statement's 400 rows between them");
is_deeply($r->{shell}, ['probe.rows'], 'each shard finds its distributed table in pg_dist_shard');
is_deeply($r->{colocated}, ['ok, local'],
	'each shard finds its colocated state shard and the reference table shard on its node');
like(first_result($r, 'join_reference'), qr/^error unrecognized RTE kind: 7$/,
	'the transition table joined with a reference table: "unrecognized RTE kind: 7"');
is(first_result($r, 'read_reference'), 'ok', 'a reference table alone can be read');
like(first_result($r, 'insert_select_distributed'), qr/^error executor could not find named tuplestore "new_rows"$/,
	'INSERT ... SELECT from the transition table into a distributed table: "could not find named tuplestore"');
like(first_result($r, 'multi_shard_select'), qr/^error cannot execute a distributed query from a query on a shard$/,
	'a multi-shard SELECT: "cannot execute a distributed query from a query on a shard"');
like(first_result($r, 'write_reference'), qr/^error cannot execute a distributed query from a query on a shard$/,
	'a write to a reference table: the same');
is(first_result($r, 'coordinator_guc'), 'not set', 'a setting SET on the coordinator is not seen on the shard');
is(first_result($r, 'local_shard_upsert'), 'ok', 'an upsert into the local colocated shard, joined with the reference shard, works');
is( $coord->safe_psql('postgres', q{
		SELECT count(*) FROM (SELECT lead, sum(c.points) AS points FROM probe.rows r JOIN probe.cfg c USING (kind) GROUP BY lead) e
		FULL JOIN probe.state s USING (lead)
		WHERE s.points IS DISTINCT FROM e.points OR s.firings IS DISTINCT FROM 1}),
	'0', 'and is exact: every lead of the state shards holds its points, written once');

# NOTIFY inside a shard's trigger.
$coord->safe_psql('postgres', q{
	CREATE TABLE probe.notifying (id bigint, lead bigint NOT NULL);
	SELECT create_distributed_table('probe.notifying', 'lead', colocate_with => 'probe.rows');
	CREATE FUNCTION probe.notify() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN PERFORM pg_catalog.pg_notify('leadscore', TG_TABLE_NAME); RETURN NULL; END $$;
	CREATE TRIGGER notify AFTER INSERT ON probe.notifying FOR EACH STATEMENT EXECUTE FUNCTION probe.notify();
});
($out, $err, $rc) = coord_psql(q{
	LISTEN leadscore;
	NOTIFY leadscore, 'from the coordinator';
	SELECT 'single-shard insert';
	INSERT INTO probe.notifying VALUES (1, 1);
	SELECT 'after';
});
like($out, qr/Asynchronous notification "leadscore" with payload "from the coordinator"/,
	'control: the LISTEN session hears a coordinator NOTIFY');
unlike($out, qr/payload "notifying_/, 'a single-shard INSERT commits, but its shard NOTIFY never reaches the coordinator LISTEN');
($out, $err, $rc) = coord_psql(q{INSERT INTO probe.notifying SELECT g, g FROM generate_series(1, 40) g});
like($err, qr/ERROR:  cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY/,
	'a multi-shard INSERT fails: "cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY"');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM probe.notifying'), '1', 'and rolls back entirely');
$coord->safe_psql('postgres', 'DROP SCHEMA probe CASCADE');

# ---------------------------------------------------------------------------
# 2. leadscore today
# ---------------------------------------------------------------------------

$coord->safe_psql('postgres', q{
	SET client_min_messages = warning;
	CREATE EXTENSION leadscore;
	CREATE SCHEMA crm;
	CREATE TABLE crm.leads (id bigint PRIMARY KEY, title text, company text);
	CREATE TABLE crm.activities (id bigint NOT NULL, lead_id bigint, kind text, at timestamptz, url text);
	CREATE INDEX ON crm.activities (lead_id, at);
	-- Distributed before it is attached.
	CREATE TABLE crm.early (id bigint, lead_id bigint, kind text, at timestamptz);
	SELECT create_distributed_table('crm.early', 'lead_id');
	SELECT leadscore.create_grade_profile('fit');
	SELECT leadscore.add_criterion('fit', 'title ~* ''head|chief''', 3, 'decision maker');
	SELECT leadscore.create_model('core', half_life => NULL, mql_threshold => 30, sql_threshold => 80,
		grade_profile => 'fit', sql_min_grade => NULL);
	SELECT leadscore.add_rule('core', 'view', 5);
	SELECT leadscore.add_rule('core', 'demo', 90);
});
is( $coord->safe_psql('postgres',
		q{SELECT string_agg(result, ',') FROM run_command_on_workers($$SELECT extversion FROM pg_extension WHERE extname = 'leadscore'$$)}),
	'0.3,0.3', 'CREATE EXTENSION leadscore on the coordinator created it on both workers');

($out, $err, $rc) = coord_psql(q{SELECT leadscore.attach_activities('crm.early', 'lead_id', 'kind', 'at')});
isnt($rc, 0, 'attach_activities() refuses a table distributed first');
like($err, qr/ERROR:  table crm\.early is a Citus table, which leadscore scores only after leadscore\.distribute\(\)/,
	'and says why, not in silence and not with a Citus planner error') or diag($err);

# Attached first, distributed next: what the issue measured.
# The key type steps rebuild leadscore's views and functions: on the
# coordinator only, not sent to the workers (whose extension refused the
# DROP FUNCTION of the account key type step).
($out, $err, $rc) = coord_psql(q{
	SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
	SELECT leadscore.attach_leads('crm.leads', 'id', account_column => 'company');
});
is($rc, 0, 'attach_activities() and attach_leads() with an account column work on a Citus coordinator')
  or diag(errors($err));
unlike($err, qr/Citus does not propagate/, 'and the view rebuilds stay on the coordinator, without notices');

# Ten leads scored before distribution, on the coordinator.
$coord->safe_psql('postgres', q{
	INSERT INTO crm.leads SELECT g, CASE WHEN g % 3 = 0 THEN 'Head of IT' ELSE 'Engineer' END, 'c' || (g % 50)
	FROM generate_series(1, 10) g;
	INSERT INTO crm.activities SELECT g, g, 'view', now() - interval '1 day' FROM generate_series(1, 10) g;
});
is($coord->safe_psql('postgres', q{SELECT score FROM leadscore.lead_scores WHERE lead_id = 1}), '5',
	'before distribution: lead 1 scores 5 on the coordinator');

$coord->safe_psql('postgres', q{
	SET client_min_messages = warning;
	SELECT create_distributed_table('crm.leads', 'id');
	SELECT create_distributed_table('crm.activities', 'lead_id', colocate_with => 'crm.leads');
});

# leadscore's statement triggers went with the table onto every shard.
my $with_trigger = worker_sum(\@workers, q{
	SET citus.override_table_visibility = off;
	SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	WHERE c.relname ~ '^activities_[0-9]+$' AND t.tgname ~ '^leadscore_activity_insert_[0-9]+$'});
is($with_trigger, $shards, "every one of the $shards shards of crm.activities carries leadscore's insert trigger");

# Writes after distribution: the triggers fire on the shards, find no
# attachment, and warn (the workers' warnings reach the client) instead of
# scoring nothing in silence.
my $warning = qr/WARNING:  leadscore does not score the Citus table crm\.(\w+): its rows written or truncated here are not scored/;
sub warned_tables
{
	my ($stderr) = @_;
	my %tables;
	$tables{$1}++ while $stderr =~ /$warning/g;
	return \%tables;
}
($out, $err, $rc) = coord_psql(q{
	INSERT INTO crm.leads SELECT g, CASE WHEN g % 3 = 0 THEN 'Head of IT' ELSE 'Engineer' END, 'c' || (g % 50)
	FROM generate_series(11, 4501) g;
	INSERT INTO crm.activities SELECT 100 + g, 1 + g % 2000,
		CASE WHEN g % 50 = 0 THEN 'demo' WHEN g % 9 = 0 THEN 'webinar' ELSE 'view' END,
		now() - (g % 1000) * interval '1 minute', '/p/' || g
	FROM generate_series(1, 10000) g;
});
is($rc, 0, 'the CRM writes to the distributed tables commit') or diag(errors($err));
my $warned = warned_tables($err);
is($warned->{activities}, $shards, "the INSERT ... SELECT of activities warned once per shard ($shards)")
  or diag($err);
is($warned->{leads}, $shards, 'and so did the INSERT of lead rows');
like($err, qr/HINT:  Keep the tables leadscore scores local \(SELECT undistribute_table\('crm\.activities'\)\)/,
	'the warning says what to do');

my $copy = "COPY crm.activities (id, lead_id, kind, at, url) FROM STDIN;\n"
  . join('', map { (20000 + $_) . "\t" . (2000 + $_) . "\tview\t2026-01-01 00:00:00+00\t/copy\n" } 1 .. 2501)
  . "\\.\n";
# Citus does not relay the workers' warnings to a COPY's client: they are
# in the workers' logs, once per shard.
my @log_sizes = map { -s $_->logfile } @workers;
($out, $err, $rc) = coord_psql($copy);
is($rc, 0, 'a COPY into the distributed table commits');
my $copy_warnings = 0;
for my $i (0 .. $#workers)
{
	$copy_warnings += warned_tables(slurp_file($workers[$i]->logfile, $log_sizes[$i]))->{activities} // 0;
}
is($copy_warnings, $shards, "and warns once per shard, in the workers' logs ($copy_warnings)");
is($coord->safe_psql('postgres', 'SELECT count(*) FROM crm.activities'), '12511',
	'the distributed table holds the 10 + 10,000 + 2,501 rows');

# Nothing was scored on the workers, and verify() on the coordinator says
# so for every lead first seen after distribution.
my $scoring = $coord->safe_psql('postgres',
	q{SELECT count(DISTINCT lead_id) FROM crm.activities WHERE kind IN ('view', 'demo')});
is(worker_sum(\@workers, 'SELECT count(*) FROM leadscore.lead_state'), 0, 'no lead_state row on any worker');
is($coord->safe_psql('postgres', q{SELECT count(*) FROM leadscore.verify() WHERE difference = 'state missing'}),
	$scoring - 10, "verify() reports every lead first seen after distribution as 'state missing'");

# TRUNCATE: leadscore's trigger on the coordinator fires before Citus's
# own empties the shards (triggers fire in name order); a rescore there
# would keep every score.  It warns and leaves the state alone.
my $states = $coord->safe_psql('postgres', q{SELECT count(*) FROM leadscore.lead_state WHERE activity_count > 0});
($out, $err, $rc) = coord_psql('TRUNCATE crm.activities');
is($rc, 0, 'TRUNCATE of the distributed table commits');
ok(warned_tables($err)->{activities}, 'and warns') or diag($err);
is($coord->safe_psql('postgres', q{SELECT count(*) FROM leadscore.lead_state WHERE activity_count > 0}), $states,
	'without rescoring from the shards it has not emptied yet');

# A distributed activity table keyed by `type`, scored after distribute():
# 50 leads (key expression `key` of g) with a demo each, the first three
# adjusted by 5.
sub scored_sql
{
	my ($type, $key) = @_;
	return qq{
		SET client_min_messages = warning;
		CREATE SCHEMA crm;
		CREATE TABLE crm.activities (lead_id $type, kind text, at timestamptz);
		CREATE EXTENSION leadscore;
		SELECT leadscore.create_model('core', half_life => '30 days');
		SELECT leadscore.add_rule('core', 'demo', 40);
		SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
		SELECT create_distributed_table('crm.activities', 'lead_id');
		SELECT leadscore.distribute();
		INSERT INTO crm.activities SELECT $key, 'demo', now() FROM generate_series(1, 50) g;
		SELECT leadscore.adjust('core', $key\::$type, 5, 'met') FROM generate_series(1, 3) g;
	};
}

# 3. Integer and text lead keys, each in a database of its own (Citus's
# nodes are per database).
for my $type ('integer', 'text')
{
	my $db = "keys_$type";
	for my $node ($coord, @workers)
	{
		$node->safe_psql('postgres', "CREATE DATABASE $db");
		$node->safe_psql($db, 'CREATE EXTENSION citus');
	}
	$coord->safe_psql($db, "SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ')');
	$coord->safe_psql($db, "SELECT citus_add_node('127.0.0.1', " . $_->port . ')') for @workers;
	my $key = $type eq 'text' ? q{('L' || g)} : '(g)';
	($out, $err, $rc) = (undef, undef, 0);
	$rc = $coord->psql($db, scored_sql($type, $key), stdout => \$out, stderr => \$err);
	is($rc, 0, "distribute() with $type lead keys") or diag($err);
	is( $coord->safe_psql($db, q{SELECT count(*) || ' ' || round(sum(score)) FROM leadscore.lead_scores}),
		'50 2015', "the shards score $type keys and keep their ledger");
	is($coord->safe_psql($db, 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty');
}

# 4. One node: the coordinator alone holds the shards, in a database of
# its own.
$coord->safe_psql('postgres', 'CREATE DATABASE one_node');
$coord->safe_psql('one_node', 'CREATE EXTENSION citus');
$coord->safe_psql('one_node', "SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ')');
$coord->safe_psql('one_node', "SELECT citus_set_node_property('127.0.0.1', " . $coord->port . ", 'shouldhaveshards', true)");
($out, $err, $rc) = (undef, undef, 0);
$rc = $coord->psql('one_node', scored_sql('bigint', '(g)') . 'DELETE FROM crm.activities WHERE lead_id = 50;',
	stdout => \$out, stderr => \$err);
is($rc, 0, 'distribute() on one node') or diag($err);
unlike($err // '', qr/WARNING/, 'its shards score without a warning') or diag($err);
is( $coord->safe_psql('one_node', q{SELECT count(*) || ' ' || round(sum(score)) FROM leadscore.lead_scores}),
	'50 1975', 'the coordinator\'s shards score their rows and keep their ledger');
$coord->safe_psql('one_node', 'SELECT leadscore.tick(); SELECT leadscore.rescore()');
is($coord->safe_psql('one_node', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() is empty after tick() and rescore()');
# A partition made and dropped there: Citus's commands on the shards run
# on this node too.
$rc = $coord->psql('one_node', q{
	SET client_min_messages = warning;
	CREATE TABLE crm.visits (lead_id bigint, kind text, at timestamptz) PARTITION BY RANGE (at);
	SELECT create_distributed_table('crm.visits', 'lead_id', colocate_with => 'crm.activities');
	SELECT leadscore.attach_activities('crm.visits', 'lead_id', 'kind', 'at');
	SELECT leadscore.distribute();
	CREATE TABLE crm.visits_now PARTITION OF crm.visits FOR VALUES FROM ('2000-01-01') TO ('3000-01-01');
	INSERT INTO crm.visits SELECT g, 'demo', now() FROM generate_series(1, 10) g;
}, stdout => \$out, stderr => \$err);
is($rc, 0, 'a partition made on one node') or diag($err);
is($coord->safe_psql('one_node', q{SELECT round(sum(score)) FROM leadscore.lead_scores}), '2375', 'its rows score');
$coord->safe_psql('one_node', 'DROP TABLE crm.visits_now');
is( $coord->safe_psql('one_node', q{SELECT round(sum(score)) FROM leadscore.lead_scores}) . ' '
	  . $coord->safe_psql('one_node', q{SELECT count(*) FROM leadscore.verify()}),
	'1975 0', 'dropped, its rows leave the scores; verify() is empty');

done_testing();
