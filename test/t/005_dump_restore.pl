# pg_dump / pg_restore into a fresh database, once with bigint and once
# with text lead keys: pg_restore reports no error; models, rules, grade
# profiles, criteria, attachments, settings, events, lead state, the
# ingest log and the adjustments come back as they were
# (pg_extension_config_dump); the triggers are attached again and score new rows as the original does; and
# after rescore() every score equals the original's, without one new event.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

# Every table of leadscore's that pg_dump keeps, as one fingerprint each.
my @kept = qw(models rules grade_profiles grade_criteria attachments settings events lead_state ingest_log adjustments);

sub fingerprint
{
	my ($db, $table) = @_;
	return $node->safe_psql($db, "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')"
		  . " FROM leadscore.$table t");
}

# Scores match when everything but the stored sum is equal and the stored
# sums agree to 1e-9 (a rescore adds the same contributions in another
# order than the triggers did).
sub same_scores
{
	my ($x, $y) = @_;
	my @a = split /\n/, $x;
	my @b = split /\n/, $y;
	return 0 unless @a == @b;
	for my $i (0 .. $#a)
	{
		my @f = split / /, $a[$i], -1;
		my @g = split / /, $b[$i], -1;
		return 0 unless @f == @g;
		for my $j (0 .. $#f)
		{
			next if $f[$j] eq $g[$j];
			return 0 unless $j == 2 && abs($f[$j] - $g[$j]) <= 1e-9 * (abs($f[$j]) + abs($g[$j]));
		}
	}
	return 1;
}

sub scores
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT string_agg(format('%s %s %s %s %s %s %s', model, lead_id, score_key, stage, grade, status, activity_count),
			E'\n' ORDER BY model, lead_id::text) FROM leadscore.lead_scores});
}

for my $key_type ('bigint', 'text')
{
	my ($src, $dst) = ("src_$key_type", "dst_$key_type");
	my $key = sub { $key_type eq 'text' ? "'lead-' || ($_[0])" : "($_[0])" };
	$node->safe_psql('postgres', "CREATE DATABASE $src");
	$node->safe_psql($src, sprintf(q{
		CREATE EXTENSION leadscore;
		CREATE SCHEMA crm;
		CREATE TABLE crm.activities (id bigserial PRIMARY KEY, lead_id %1$s, kind text, at timestamptz, url text);
		CREATE TABLE crm.contacts (id %1$s PRIMARY KEY, job_title text);
		SELECT leadscore.create_grade_profile('icp');
		SELECT leadscore.add_criterion('icp', 'job_title ~* ''head''', 3, 'head of');
		SELECT leadscore.add_criterion('icp', 'job_title ~* ''intern''', -4, 'intern');
		SELECT leadscore.create_model('crm', half_life => '30 days', grade_profile => 'icp', sql_min_grade => 'C');
		SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 10, sql_threshold => 30);
		SELECT leadscore.add_rule('crm', 'demo', 70, stage => 'decision', max_count => 1);
		SELECT leadscore.add_rule('crm', 'view', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%%''',
			max_count => 3);
		SELECT leadscore.add_rule('flat', 'view', 5);
		SELECT leadscore.attach_activities('crm.activities', 'lead_id', 'kind', 'at');
		SELECT leadscore.attach_leads('crm.contacts', 'id');
		SELECT leadscore.set_notify('tick');
		INSERT INTO crm.contacts SELECT %2$s, CASE i %% 3 WHEN 0 THEN 'Head of IT' WHEN 1 THEN 'Intern' ELSE NULL END
		FROM generate_series(1, 30) i;
		INSERT INTO crm.activities (lead_id, kind, at, url)
		SELECT %3$s, CASE WHEN i %% 9 = 0 THEN 'demo' ELSE 'view' END, now() - i * interval '7 hours',
			CASE WHEN i %% 2 = 0 THEN '/pricing/' ELSE '/blog/' END || i
		FROM generate_series(1, 400) i;
		INSERT INTO crm.activities (lead_id, kind, at) VALUES (NULL, 'view', now());  -- skipped, counted
		DELETE FROM crm.activities WHERE id %% 7 = 0;
		SELECT leadscore.tick();
		SELECT leadscore.adjust('flat', %4$s, 12, 'call');
		SELECT leadscore.reset('crm', %5$s, 'closed-lost');
	}, $key_type, $key->('i'), $key->('1 + i % 30'), $key->('3'), $key->('4')));

	my $dump = $node->basedir . "/$src.dump";
	command_ok([ 'pg_dump', '-Fc', '-h', $node->host, '-p', $node->port, '-f', $dump, $src ], "pg_dump ($key_type keys)");
	$node->safe_psql('postgres', "CREATE DATABASE $dst");
	my ($stdout, $stderr) = ('', '');
	my $restored = IPC::Run::run([ 'pg_restore', '-h', $node->host, '-p', $node->port, '-d', $dst, $dump ],
		'>', \$stdout, '2>', \$stderr);
	ok($restored && $stderr eq '', "pg_restore reports no error ($key_type keys)") or diag($stderr);

	for my $table (@kept)
	{
		is(fingerprint($dst, $table), fingerprint($src, $table), "leadscore.$table comes back ($key_type keys)");
	}
	is($node->safe_psql($dst, 'SELECT lead_key_type FROM leadscore.settings'), $key_type,
		"the lead key type comes back ($key_type keys)");
	is($node->safe_psql($dst, q{SELECT format_type(atttypid, NULL) FROM pg_attribute
		WHERE attrelid = 'leadscore.lead_scores'::regclass AND attname = 'lead_id'}), $key_type,
		"lead_scores.lead_id has the CRM's key type ($key_type keys)");
	my $triggers = q{SELECT string_agg(tgrelid::regclass || ' ' || tgname || ' ' || tgfoid::regproc, ', '
		ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'crm.%'};
	is($node->safe_psql($dst, $triggers), $node->safe_psql($src, $triggers), "the triggers are attached again ($key_type keys)");

	# Scores equal the original's, before and after rescore(), which finds
	# nothing to report.
	is(scores($dst), scores($src), "restored scores equal the original's, bit for bit ($key_type keys)");
	my $events = $node->safe_psql($dst, 'SELECT count(*) FROM leadscore.events');
	$node->safe_psql($dst, 'SELECT leadscore.rescore()');
	ok(same_scores(scores($dst), scores($src)), "after rescore() every score equals the original's ($key_type keys)")
	  or diag(scores($dst) . "\n---\n" . scores($src));
	is($node->safe_psql($dst, 'SELECT count(*) FROM leadscore.events'), $events, "rescore() reports no transition again ($key_type keys)");
	is($node->safe_psql($dst, 'SELECT count(*) FROM leadscore.verify()'), '0', "verify() is empty ($key_type keys)");

	# Both score a new row and a changed lead alike.
	for my $db ($src, $dst)
	{
		$node->safe_psql($db, sprintf(q{
			INSERT INTO crm.activities (lead_id, kind, at) VALUES (%s, 'demo', '2026-06-01');
			UPDATE crm.contacts SET job_title = 'Head of Sales' WHERE id = %s;
			SELECT leadscore.tick();
		}, $key->(31), $key->(2)));
	}
	ok(same_scores(scores($dst), scores($src)), "new rows score alike in both ($key_type keys)")
	  or diag(scores($dst) . "\n---\n" . scores($src));
	is($node->safe_psql($dst, q{SELECT count(*) FROM leadscore.events WHERE notified_at IS NULL AND to_value = 'sql'}),
		'0', "the restored notify mode (tick) relays handoffs ($key_type keys)");
	is($node->safe_psql($dst, 'SELECT count(*) FROM leadscore.verify()'), '0', "verify() is empty after new rows ($key_type keys)");
	is($node->safe_psql($dst, q{SELECT has_function_privilege('leadscore_admin', 'leadscore.rescore(text)', 'EXECUTE')
		AND NOT has_function_privilege('public', 'leadscore.rescore(text)', 'EXECUTE')}), 't',
		"the privileges are the extension's own ($key_type keys)");
}

$node->stop;
done_testing();
