// How leadscore's SQL names tables on a Citus shard (issue 16,
// docs/design.md §6.1).
//
// After leadscore.distribute() (src/sql/citus.sql) leadscore's per-lead
// tables are distributed colocated with the attached CRM tables, and its
// configuration tables are reference tables.  A trigger that fires on a
// shard may not run SQL over Citus tables (a nested distributed query), but
// it may run plain SQL over the shards of its node: the colocated shard of
// each per-lead table holds exactly the leads of the rows it fires for, and
// every reference table has a placement on every node.  So, inside such a
// firing, every statement leadscore runs is rewritten from the tables'
// names to the names of those local shards, and keeps its shape, lock
// order and plan; statements are kept per shard (their text differs).
//
// One home: the SPI entry points (kept_plans, spi_query, consistent_reads)
// pass every text through ShardSql.  Which shards a firing uses is found in
// src/pg/citus/shard_context.hpp.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::pg {

struct ShardContext {
	// The lead_state shard of the group: tells one context from another.
	Oid key = InvalidOid;
	// The node's Citus group: ids a shard's rows take from this node's
	// sequences are offset by group << 48, as Citus does for the sequences
	// of its own tables, so that they are unique across the nodes.
	std::int64_t group = 0;
	// Qualified names as leadscore's SQL spells them ("leadscore.events",
	// "public.activities") and their local shards', quoted.
	std::vector<std::pair<std::string, std::string>> names;
	// The tables colocated here (leadscore's aside) and their local shards.
	struct Shard {
		Oid table;
		Oid relid;
	};
	std::vector<Shard> shards;
};

// Makes `ctx` (from citus/shard_context.hpp; nullptr: none) current for
// its life, and the one before it again after: for rows read in a firing
// and scored at the end of its query.  C++ side.
class ShardScope {
public:
	explicit ShardScope(const ShardContext *ctx) noexcept;
	~ShardScope();
	ShardScope(const ShardScope &) = delete;
	ShardScope &operator=(const ShardScope &) = delete;

private:
	const ShardContext *was_;
};

// The current context, or nullptr.
const ShardContext *CurrentShard() noexcept;

// The current context's key (InvalidOid: none): what caches of plans and
// of table lists are kept per.
Oid ShardKey() noexcept;

// The table a shard of the current context belongs to, or InvalidOid when
// `relid` is none of its shards.
Oid ShardTable(Oid relid) noexcept;

// The local shard of table `table` in the current context, or InvalidOid.
Oid LocalShard(Oid table) noexcept;

// SQL for the next id of sequence `sequence` (a literal's text): nextval,
// on a shard offset into its node's range (ShardContext::group).
std::string NextId(const char *sequence);

// PostgreSQL side: `sql` itself without a context; with one, a palloc'd
// copy in which every table of the context is named by its local shard.
// Names match whole (a name followed by an identifier character is
// another's).
const char *ShardSql(const char *sql);

} // namespace leadscore::pg
