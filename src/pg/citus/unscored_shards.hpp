// Citus shards that leadscore does not score yet (issue 16).
//
// A table attached and then distributed by Citus keeps leadscore's
// triggers, and Citus copies them to every shard, where they fire on the
// workers for the rows written.  A shard is a table of its own that no
// attachment names, so the trigger finds nothing to score: without this
// check every write would be left unscored in silence (verify() alone
// would show it).  A TRUNCATE of the distributed table fires leadscore's
// trigger on the coordinator before Citus empties the shards, so its
// rescore would keep every score.  Until leadscore.distribute() exists,
// the triggers warn instead.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "utils/relcache.h"
}

namespace leadscore::pg {

// C++ side, under a trigger's SPI connection: when `rel` is a Citus
// distributed table or one of its shards, a WARNING (SQLSTATE 0A000) that
// names the distributed table, and true; false otherwise (no Citus, or a
// local table), at the cost of a syscache lookup.
bool WarnIfDistributed(Relation rel);

// Whether `rel` is a Citus table (distributed, reference or local to the
// coordinator).  C++ side, under SPI.
bool IsCitusTable(Relation rel);

} // namespace leadscore::pg
