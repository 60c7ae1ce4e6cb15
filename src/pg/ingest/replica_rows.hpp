// Rows that logical replication applies.
//
// A subscription's apply worker fires row triggers only, never statement
// triggers, and only those enabled REPLICA or ALWAYS; it runs no executor
// hook either.  So attach_activities also puts an AFTER ROW trigger on the
// table, enabled REPLICA: it fires exactly where the statement triggers do
// not (session_replication_role = replica: the apply and table sync
// workers, and sessions that set it), so a row written either way is scored
// once.  A row joins the open query level when there is one (a session:
// query_levels.hpp), and otherwise the transaction's buffer, which holds
// one table's rows and is scored in one pass like a statement: when a row
// of another table arrives, when it is full, before rescore(), and at the
// end of the transaction (PRE_COMMIT, or PRE_PREPARE for a two_phase
// subscription).  One remote transaction is one local transaction, which
// commits with the subscription's position: after a crash it is applied
// again from its start, and its scores with it.
//
// The apply worker must never stop on scoring: an ERROR would make it exit
// and retry the same transaction forever.  Rows that cannot be scored are
// skipped and counted, as for local writes; a flush that fails (a lock
// timeout, running out of memory) is rolled back on its own, with a
// WARNING, and the rows' transaction goes on.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "commands/trigger.h"
}

namespace leadscore::pg {

// Takes the row of a firing of leadscore.replica_trigger(), whose OID is
// `function`: the rows are scored with its owner's rights.  Inside
// Guarded; may ERROR.
void TakeReplicatedRow(TriggerData *trigger, Oid function);

// Scores the buffered rows now: before anything that reads every lead's
// history (rescore()), or before a lead table's row is graded.  PostgreSQL
// side; never ERRORs for what scoring raises.
void FlushReplicatedRows();

// Registers the end-of-transaction flush; from _PG_init, after every other
// transaction callback of leadscore (they run last-registered first: the
// flush may queue handoffs, which pending_notifies.hpp sends at commit).
void RegisterReplicatedRows();

} // namespace leadscore::pg
