// Warning for Citus shards.  See unscored_shards.hpp.
#include "pg/citus/unscored_shards.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "utils/rel.h"
}

#include <cctype>
#include <optional>
#include <string>

namespace leadscore::pg {

namespace {

// A shard is named after its table with "_<shard id>" appended.
std::optional<std::string> ShardIdSuffix(const std::string &name) {
	std::size_t underscore = name.rfind('_');
	if (underscore == std::string::npos || underscore + 1 == name.size())
		return std::nullopt;
	for (std::size_t i = underscore + 1; i < name.size(); i++)
		if (!std::isdigit(static_cast<unsigned char>(name[i])))
			return std::nullopt;
	return name.substr(underscore + 1);
}

// The distributed table `rel` is or is a shard of; nullopt: neither.
std::optional<std::string> DistributedTableOf(Relation rel) {
	std::string name = RelationGetRelationName(rel);
	std::optional<std::string> shard = ShardIdSuffix(name);
	std::vector<TextRow> rows = QueryText(
	    "SELECT p.logicalrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_dist_partition p"
	    " WHERE p.logicalrelid = $1::pg_catalog.oid"
	    " UNION ALL SELECT s.logicalrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_dist_shard s"
	    " WHERE s.shardid = $2::pg_catalog.int8 AND s.logicalrelid::pg_catalog.oid <> $1::pg_catalog.oid",
	    {std::to_string(RelationGetRelid(rel)), shard});
	if (rows.empty() || !rows[0][0])
		return std::nullopt;
	return rows[0][0];
}

} // namespace

bool IsCitusTable(Relation rel) {
	if (!CitusInstalled())
		return false;
	return *QueryText("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p"
	                  " WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid)",
	                  {std::to_string(RelationGetRelid(rel))})[0][0] == "t";
}

bool WarnIfDistributed(Relation rel) {
	// Without Citus's catalog there is nothing distributed: the usual case
	// costs one syscache lookup.
	if (!CitusInstalled())
		return false;
	std::optional<std::string> table = DistributedTableOf(rel);
	if (!table)
		return false;
	CallPg([&] {
		ereport(WARNING,
		        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		         errmsg("leadscore does not score the Citus table %s: its rows written or truncated here are not "
		                "scored",
		                table->c_str()),
		         errdetail("leadscore's state and configuration are on the coordinator, which a shard's trigger "
		                   "cannot write."),
		         errhint("Keep the tables leadscore scores local (SELECT undistribute_table('%s')) until "
		                 "leadscore.distribute() exists.",
		                 table->c_str())));
	});
	return true;
}

} // namespace leadscore::pg
