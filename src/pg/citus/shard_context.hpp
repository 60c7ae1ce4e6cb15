// Which shards a Citus firing uses (issue 16): the context of a shard of
// an attached table, the groups of a worker, the node's own.  How SQL then
// names them: src/pg/spi/shard_names.hpp.
#pragma once

#include "pg/spi/shard_names.hpp"

extern "C" {
#include "utils/relcache.h"
}

#include <vector>

namespace leadscore::pg {

// Whether Citus's catalog is in this database: one syscache lookup, what
// every Citus path checks first so that a server without Citus pays no
// more.
bool CitusInstalled();

// C++ side, under SPI, at the start of a trigger: the context of `rel`
// when it is a shard of a table colocated with leadscore's distributed
// state, else nullptr (no Citus: one syscache lookup).
const ShardContext *ShardContextOf(Relation rel);

// The same for relation `relid` (a table's OID as a query on a shard
// reads it: tableoid).
const ShardContext *ShardContextOf(Oid relid);

// The contexts of this node's shards of lead_state: what tick() works
// through on a worker (each a group of colocated shards).  C++ side,
// under SPI.
std::vector<const ShardContext *> LocalShardGroups();

// On a Citus worker of a distributed install, the context that names the
// configuration's reference tables by their local placements (and nothing
// else); else nullptr.  For readers that run inside a query Citus sent to
// the worker, where reading a Citus table would be a nested distributed
// query.  C++ side, under SPI.
const ShardContext *NodeContext();

// Whether leadscore.distribute() has run (lead_state is a Citus table).
// C++ side, under SPI; without Citus one syscache lookup.
bool LeadscoreDistributed();

} // namespace leadscore::pg
