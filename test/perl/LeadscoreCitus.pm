# A throw-away Citus cluster for the TAP tests (test/t/016_citus.pl): a
# coordinator and N workers, each a PostgreSQL::Test::Cluster node started
# by the postgres user the suite runs as, listening on 127.0.0.1 and a free
# port (Citus's nodes connect to each other over TCP; the test's own psql
# still uses the node's socket directory), with Citus preloaded, the
# workers registered on the coordinator with metadata synced.
#
# Citus is not in Debian: users install Citus's own packages, and
# scripts/test.sh builds it into the installation the tests run against
# when the machine has a Citus source tree (CITUS_BUILD).  citus_skip_reason() says why the
# suite cannot run (no citus.so or citus.control there), for skip_all.
#
# The nodes are stopped and their data directories removed when the test
# exits, whether it passed or not (the framework keeps a failed test's
# directories; three Citus nodes are too big to leave behind): on failure
# the tail of each node's server log is printed first, and the logs stay in
# tmp_check/log.

package LeadscoreCitus;

use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use File::Path qw(rmtree);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(citus_skip_reason start_citus_cluster start_citus_node worker_sum);

my @started;

# Why Citus cannot run here, or undef when it can.  Looks at the
# installation that PATH's pg_config describes (the one the suite tests).
sub citus_skip_reason
{
	my $libdir = `pg_config --pkglibdir`;
	my $sharedir = `pg_config --sharedir`;
	return 'pg_config not found' unless defined $libdir && defined $sharedir && $? == 0;
	chomp($libdir, $sharedir);
	for my $file ("$libdir/citus.so", "$sharedir/extension/citus.control")
	{
		return "Citus is not installed ($file missing): install Citus's packages, or run the README's test command with CITUS_BUILD set to a Citus build script"
		  unless -f $file;
	}
	return undef;
}

# start_citus_node(NAME, ROLE, shard_count => S, conf => TEXT): a node
# named NAME_ROLE, started, with the citus extension in database postgres,
# not added to any cluster (a node to add later).
sub start_citus_node
{
	my ($name, $role, %opt) = @_;
	my $shards = $opt{shard_count} // 8;
	my $node = PostgreSQL::Test::Cluster->new("${name}_$role");
	push @started, $node;
	$node->init;
	# citus first in shared_preload_libraries (Citus refuses otherwise).
	# enable_unsafe_triggers: leadscore's triggers on distributed tables.
	# track_functions: the tests count the trigger's firings per worker.
	$node->append_conf('postgresql.conf', qq{
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus'
citus.enable_unsafe_triggers = on
citus.shard_count = $shards
track_functions = 'all'
max_connections = 60
max_worker_processes = 16
shared_buffers = 32MB
fsync = off
timezone = 'UTC'
@{[ $opt{conf} // "" ]}
});
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION citus');
	return $node;
}

# start_citus_cluster(NAME, workers => N, shard_count => S, conf => TEXT):
# ($coordinator, @workers), started, with the citus extension in database
# postgres of each, the coordinator's host set and the workers added.
sub start_citus_cluster
{
	my ($name, %opt) = @_;
	my $workers = $opt{workers} // 2;
	my @nodes = map { start_citus_node($name, $_ == 0 ? 'coordinator' : "worker$_", %opt) } 0 .. $workers;
	my ($coordinator, @rest) = @nodes;
	$coordinator->safe_psql('postgres',
		"SELECT citus_set_coordinator_host('127.0.0.1', " . $coordinator->port . ')');
	$coordinator->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ')') for @rest;
	return @nodes;
}

# The sum over the workers of the integer one query returns on each.
sub worker_sum
{
	my ($workers, $sql) = @_;
	my $sum = 0;
	$sum += $_->safe_psql('postgres', $sql) for @$workers;
	return $sum;
}

# Runs before PostgreSQL::Test::Cluster's own END (END blocks run last
# defined first): stops the nodes and removes their directories even when
# a test failed, which the framework would keep.
END
{
	my $exit_code = $?;
	my $failed = $exit_code != 0 || !PostgreSQL::Test::Utils::all_tests_passing();
	for my $node (@started)
	{
		if ($failed && -f $node->logfile)
		{
			my @lines = split /\n/, slurp_file($node->logfile);
			my $from = @lines > 30 ? @lines - 30 : 0;
			diag("--- " . $node->name . ' server log (last lines)');
			diag(join("\n", @lines[ $from .. $#lines ]));
		}
		$node->teardown_node;
		rmtree($node->basedir);
	}
	$? = $exit_code;
}

1;
