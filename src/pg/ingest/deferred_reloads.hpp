// Reloads deferred to the end of a query.
//
// One statement can fire several of our statement triggers on one table:
// INSERT ... ON CONFLICT DO UPDATE fires the UPDATE and the INSERT trigger,
// a data-modifying WITH fires one per sub-statement.  They all fire after
// every row of the statement is written.  A trigger that re-reads a lead's
// history (ApplyLeadDelta's needs_reload) therefore already sees the rows a
// later trigger of the same statement will add again: the lead would count
// them twice.  So inside a query's ExecutorFinish (where its AFTER triggers
// fire) the reload waits until the last trigger has run, and then replaces
// whatever the triggers wrote for that lead with the recompute.  COPY fires
// its one trigger outside ExecutorFinish and reloads at once.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>

namespace leadscore::pg {

// True while AFTER triggers of a query may still be pending.
bool InQueryFinish();

// Recompute lead `key` of model `model_id` from history when the current
// query's triggers are done.
void DeferReload(std::int32_t model_id, Datum key, const KeyType &kt);

// Installs the ExecutorFinish hook and the abort cleanup; from _PG_init.
void RegisterDeferredReloads();

} // namespace leadscore::pg
