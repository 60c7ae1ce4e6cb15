// The module: its magic block and load-time initialisation.
#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/ingest/query_levels.hpp"
#include "pg/ingest/replica_rows.hpp"
#include "pg/maintenance/rescore_progress.hpp"
#include "pg/state/pending_notifies.hpp"

extern "C" {
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);
}

// Loaded on first use; no shared memory, no background worker, so no
// shared_preload_libraries entry is needed.
void _PG_init(void) {
	leadscore::pg::RegisterRescoreProgress();
	MarkGUCPrefixReserved("leadscore");
	leadscore::pg::RegisterPlanInvalidation();
	leadscore::pg::RegisterQueryLevels();
	leadscore::pg::RegisterPendingNotifies();
	// Last: its end-of-transaction flush runs before the callbacks above.
	leadscore::pg::RegisterReplicatedRows();
}
