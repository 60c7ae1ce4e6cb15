// The shard a trigger fires on.  See shard_context.hpp.
#include "pg/citus/shard_context.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_namespace.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <cctype>
#include <cstring>
#include <map>
#include <optional>

namespace leadscore::pg {
namespace {

// Contexts found, per shard relid: a shard's colocated shards keep their
// names for its life (a move copies them under the same names; a split
// makes new shards, new relids).  Created on first use.
std::map<Oid, ShardContext> *contexts = nullptr;

// A shard is named after its table with "_<shard id>" appended.
std::optional<std::string> ShardIdSuffix(const char *name) {
	const char *underscore = std::strrchr(name, '_');
	if (underscore == nullptr || underscore[1] == '\0')
		return std::nullopt;
	for (const char *p = underscore + 1; *p != '\0'; p++)
		if (!std::isdigit(static_cast<unsigned char>(*p)))
			return std::nullopt;
	return std::string(underscore + 1);
}

// Shards go by to_regclass(), not by a query of pg_class: in a user's
// session (on a coordinator that holds shards) Citus hides them there.
//
// Every Citus table's shard on this node that `shard_id`'s group holds
// (the colocated shards; reference tables in leadscore's schema count as
// colocated with everything): qualified name, shard's qualified name, shard
// relid, table relid.  A NULL shard id: the reference tables alone.
const char *const kColocatedShards =
    "WITH g AS ("
    " SELECT s.logicalrelid, s.shardid FROM pg_catalog.pg_dist_shard s"
    " WHERE s.shardid OPERATOR(pg_catalog.=) ANY (pg_catalog.get_colocated_shard_array($1::pg_catalog.int8))"
    " UNION ALL SELECT s.logicalrelid, s.shardid FROM pg_catalog.pg_dist_shard s"
    " JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid OPERATOR(pg_catalog.=) s.logicalrelid"
    " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.logicalrelid"
    " WHERE p.partmethod OPERATOR(pg_catalog.=) 'n'"
    " AND c.relnamespace OPERATOR(pg_catalog.=) 'leadscore'::pg_catalog.regnamespace)"
    " SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.format('%I.%I', n.nspname, sc.name),"
    " sc.oid, c.oid FROM g"
    " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) g.logicalrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
    " CROSS JOIN LATERAL pg_catalog.parse_ident(pg_catalog.shard_name(g.logicalrelid, g.shardid)) AS i(parts)"
    " CROSS JOIN LATERAL (SELECT i.parts[pg_catalog.array_upper(i.parts, 1)] AS name) t"
    " CROSS JOIN LATERAL (SELECT t.name, pg_catalog.to_regclass(pg_catalog.format('%I.%I', n.nspname, t.name))"
    "::pg_catalog.oid AS oid) sc WHERE sc.oid IS NOT NULL";

// The context of shard `relid` named `name`, when leadscore's state is
// colocated with it; nullopt otherwise (not a shard, or not distributed by
// leadscore.distribute()).
std::optional<ShardContext> FindContext(Oid relid, const char *name) {
	std::optional<std::string> shard_id = ShardIdSuffix(name);
	if (!shard_id)
		return std::nullopt;
	// Citus's functions raise for a shard its catalog does not hold yet (a
	// table being distributed fires the triggers of its new shards).
	if (*QueryText("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_shard s"
	               " WHERE s.shardid OPERATOR(pg_catalog.=) $1::pg_catalog.int8)"
	               " AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid"
	               " OPERATOR(pg_catalog.=) 'leadscore.lead_state'::pg_catalog.regclass)",
	               {shard_id})[0][0] != "t")
		return std::nullopt;
	ShardContext ctx;
	bool mine = false;
	for (const TextRow &r : QueryText(kColocatedShards, {shard_id})) {
		Oid shard = static_cast<Oid>(std::stoul(*r[2]));
		if (*r[0] == "leadscore.lead_state")
			ctx.key = shard;
		mine = mine || shard == relid;
		ctx.names.emplace_back(*r[0], *r[1]);
		if (r[0]->rfind("leadscore.", 0) != 0)
			ctx.shards.push_back(ShardContext::Shard{static_cast<Oid>(std::stoul(*r[3])), shard});
	}
	if (!mine || ctx.key == InvalidOid)
		return std::nullopt;
	ctx.group = std::stoll(*QueryText("SELECT groupid FROM pg_catalog.pg_dist_local_group")[0][0]);
	return ctx;
}

// The node's own context on a worker: the reference tables' placements,
// for leadscore's SQL that runs in a query Citus sent to the worker (an
// aggregate pushed down to the shards) and reads the configuration.
std::optional<ShardContext> FindNodeContext() {
	ShardContext ctx;
	ctx.group = std::stoll(*QueryText("SELECT groupid FROM pg_catalog.pg_dist_local_group")[0][0]);
	if (ctx.group == 0)
		return std::nullopt;
	for (const TextRow &r : QueryText(kColocatedShards, {std::nullopt})) {
		if (*r[0] == "leadscore.models")
			ctx.key = static_cast<Oid>(std::stoul(*r[2]));
		ctx.names.emplace_back(*r[0], *r[1]);
	}
	if (ctx.key == InvalidOid)
		return std::nullopt;
	return ctx;
}

const ShardContext *ContextOf(Oid relid, const char *name) {
	if (contexts == nullptr)
		contexts = new std::map<Oid, ShardContext>();
	auto it = contexts->find(relid);
	if (it == contexts->end()) {
		// Not cached when absent: distribute() may come later.
		std::optional<ShardContext> found = FindContext(relid, name);
		if (!found)
			return nullptr;
		it = contexts->emplace(relid, std::move(*found)).first;
	}
	return &it->second;
}

} // namespace

bool CitusInstalled() {
	return CallPg([] { return get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE); }) != InvalidOid;
}

const ShardContext *ShardContextOf(Relation rel) {
	// Without Citus's catalog there are no shards: the usual case costs one
	// syscache lookup.
	if (!CitusInstalled())
		return nullptr;
	return ContextOf(RelationGetRelid(rel), RelationGetRelationName(rel));
}

const ShardContext *ShardContextOf(Oid relid) {
	if (!CitusInstalled())
		return nullptr;
	const char *name = CallPg([relid] { return get_rel_name(relid); });
	return name == nullptr ? nullptr : ContextOf(relid, name);
}

std::vector<const ShardContext *> LocalShardGroups() {
	std::vector<const ShardContext *> groups;
	if (!CitusInstalled())
		return groups;
	for (const TextRow &r : QueryText(
	         "SELECT sc.oid, sc.name FROM pg_catalog.pg_dist_shard s"
	         " JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid"
	         " JOIN pg_catalog.pg_dist_local_group g ON g.groupid OPERATOR(pg_catalog.=) p.groupid"
	         " CROSS JOIN LATERAL pg_catalog.parse_ident(pg_catalog.shard_name(s.logicalrelid, s.shardid)) AS i(parts)"
	         " CROSS JOIN LATERAL (SELECT i.parts[pg_catalog.array_upper(i.parts, 1)] AS name) t"
	         " CROSS JOIN LATERAL (SELECT t.name, pg_catalog.to_regclass(pg_catalog.format('leadscore.%I', t.name))"
	         "::pg_catalog.oid AS oid) sc"
	         " WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'leadscore.lead_state'::pg_catalog.regclass"
	         " AND sc.oid IS NOT NULL ORDER BY s.shardid"))
		if (const ShardContext *ctx = ContextOf(static_cast<Oid>(std::stoul(*r[0])), r[1]->c_str()))
			groups.push_back(ctx);
	return groups;
}

const ShardContext *NodeContext() {
	static std::optional<ShardContext> *node = nullptr;
	if (node != nullptr)
		return &**node;
	if (!CitusInstalled())
		return nullptr;
	// Not kept when absent: distribute() may come later.
	std::optional<ShardContext> found = FindNodeContext();
	if (!found)
		return nullptr;
	node = new std::optional<ShardContext>(std::move(found));
	return &**node;
}

bool LeadscoreDistributed() {
	return CitusInstalled() &&
	       *QueryText("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid"
	                  " OPERATOR(pg_catalog.=) 'leadscore.lead_state'::pg_catalog.regclass)")[0][0] == "t";
}

} // namespace leadscore::pg
