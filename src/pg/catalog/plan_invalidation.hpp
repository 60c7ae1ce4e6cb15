// When the per-backend caches built from leadscore's configuration go stale:
// the compiled plans of attached activity tables (table_plan.hpp) and of
// lead tables (lead_plan.hpp).
//
// Every admin function that changes models, rules, profiles or attachments
// calls InvalidatePlans() in its transaction: a relcache invalidation of
// leadscore.models, which PostgreSQL delivers to every backend at commit
// (and to this one at once).  An attached table's own invalidation (ALTER
// TABLE, but also ANALYZE) makes the plans of that table stale: a plan reads
// columns as raw Datums of the types they had, and a retyped column read
// as its old type crashed the backend.  One relcache callback hears both and
// tells every cache.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

namespace leadscore::pg {

// Called from the relcache callback: with InvalidOid when every plan is
// stale, else with the relation whose plans are.  Runs inside PostgreSQL's
// invalidation processing, so it only notes what it hears: no allocation,
// no error.
using StaleListener = void (*)(Oid relid);

// Adds a cache's listener (at most a few; from the cache's first use).
void ListenForStalePlans(StaleListener listener);

// Looks up leadscore.models again (DROP and CREATE EXTENSION in one session
// make a new one): what a cache calls when it refills after everything went
// stale.  C++ side.
void RememberModelsRelid();

// Marks every backend's plans stale at commit (this one's at once), and on
// Citus the workers' backends' (config_generation.hpp); in a shard group,
// this node's backends'.
void InvalidatePlans();

// Marks this backend's plans stale (a Citus shard's firing that saw the
// configuration change).
void MarkPlansStale();

// Registers the relcache callback; from _PG_init.
void RegisterPlanInvalidation();

} // namespace leadscore::pg
