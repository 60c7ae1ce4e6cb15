# A streaming standby (pg_basebackup of the primary, its own port on
# 127.0.0.1) serves the lead_scores view read-only with the primary's
# answers, follows new activity, and refuses what writes: tick() fails
# with a clear message (SQLSTATE 25006), so do the admin functions and
# rescore(); verify(), top_leads() and explain() work.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# Both servers listen on 127.0.0.1, each on its own port, as a replica on
# another machine would (the test framework defaults to Unix sockets).
$PostgreSQL::Test::Cluster::use_tcp     = 1;
$PostgreSQL::Test::Cluster::test_pghost = '127.0.0.1';

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', q{
	CREATE EXTENSION leadscore;
	CREATE TABLE activities (lead_id bigint, kind text, at timestamptz, url text);
	SELECT leadscore.create_model('crm', half_life => '30 days');
	SELECT leadscore.create_model('flat', half_life => NULL, mql_threshold => 10, sql_threshold => 20);
	SELECT leadscore.add_rule('crm', 'demo', 70, stage => 'decision', max_count => 1);
	SELECT leadscore.add_rule('crm', 'view', 15, stage => 'consideration', condition => 'url LIKE ''/pricing%''');
	SELECT leadscore.add_rule('flat', 'view', 5);
	SELECT leadscore.attach_activities('activities', 'lead_id', 'kind', 'at');
	INSERT INTO activities SELECT 1 + i % 20, CASE WHEN i % 5 = 0 THEN 'demo' ELSE 'view' END,
		now() - i * interval '5 hours', '/pricing/' || i FROM generate_series(1, 200) i;
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

# The same answers, in one statement per server with a fixed "now" (the
# view decays with now(), so compare stored sums and what depends on them).
my $view = q{SELECT string_agg(format('%s %s %s %s %s %s', model, lead_id, score_key, stage, status, activity_count),
	E'\n' ORDER BY model, lead_id) FROM leadscore.lead_scores};
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($standby->host, '127.0.0.1', 'the standby listens on 127.0.0.1');
isnt($standby->port, $primary->port, 'on another port than the primary');
like($standby->safe_psql('postgres', q{SELECT setting FROM pg_settings WHERE name = 'primary_conninfo'}),
	qr/host=127\.0\.0\.1/, 'and streams from the primary over TCP');
is($standby->safe_psql('postgres', $view), $primary->safe_psql('postgres', $view), 'lead_scores answers as on the primary');
is($standby->safe_psql('postgres', q{SELECT string_agg(lead_id::text, ',') FROM leadscore.top_leads('crm', 5)}),
	$primary->safe_psql('postgres', q{SELECT string_agg(lead_id::text, ',') FROM leadscore.top_leads('crm', 5)}),
	'top_leads() too');

# New activity on the primary reaches the standby's scores.
$primary->safe_psql('postgres', q{INSERT INTO activities VALUES (99, 'demo', now(), NULL), (3, 'demo', now(), NULL)});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $view), $primary->safe_psql('postgres', $view), 'and follows new activity');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM leadscore.verify()'), '0', 'verify() runs on the standby: empty');
is($standby->safe_psql('postgres', q{SELECT sum(activities) FROM leadscore.explain('crm', 3::bigint)}),
	$primary->safe_psql('postgres', q{SELECT sum(activities) FROM leadscore.explain('crm', 3::bigint)}),
	'explain() runs on the standby');

# What writes fails, with a message that says why.
my ($ret, $stdout, $stderr) = $standby->psql('postgres', 'SELECT leadscore.tick()',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'tick() fails on the standby');
like($stderr, qr/ERROR:  25006: leadscore\.tick\(\) cannot run on a standby server/, 'with SQLSTATE 25006 and a clear message');
like($stderr, qr/HINT:  Schedule it on the primary/, 'and a hint');
for my $call ('SELECT leadscore.rescore()', q{SELECT leadscore.add_rule('crm', 'x', 1)},
	q{SELECT leadscore.create_model('x')}, q{INSERT INTO activities VALUES (1, 'view', now(), NULL)})
{
	($ret, $stdout, $stderr) = $standby->psql('postgres', $call, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($stderr, qr/ERROR:  25006:/, "$call fails with 25006 on the standby");
}
is($standby->safe_psql('postgres', $view), $primary->safe_psql('postgres', $view), 'nothing changed on either');

$standby->stop;
$primary->stop;
done_testing();
