// One statement's work on one attached activity table: its batch of deltas,
// its leads, the accounts its rows name and the rows in flight.  A
// "statement" is what is scored in one pass: every trigger firing of one
// query on the table (query_levels.hpp), one COPY, or the rows of one
// replicated transaction (replica_rows.hpp).
//
// Kept per table and query level between statements, so that a bulk
// load's buffers are reused, and on the heap, so that while transition
// rows are read no C++ object with a destructor lives on the stack and a
// PostgreSQL ERROR may longjmp out of the reading loop.  Built for one
// TablePlan (the cached, compiled configuration: table_plan.hpp), which it
// holds until its rows are scored, and rebuilt with it.
#pragma once

#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_map.hpp"
#include "pg/spi/shard_names.hpp"

#include "core/base/value.hpp"
#include "core/ingest/ingest_batch.hpp"

extern "C" {
#include "executor/tuptable.h"
}

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace leadscore::pg {

// One row in flight (transition_rows.hpp).  Its values point into its
// slot's tuple or into its memory context, which live until the row's last
// step.
struct PendingRow {
	TupleTableSlot *slot = nullptr;
	MemoryContext context = nullptr;
	bool valid = false; // a row to score (its lead, type and time are set)
	Datum lead = 0;
	std::uint32_t lead_index = 0;
	core::Value type;
	std::int64_t at = 0;
	std::vector<core::Value> values; // schema order; only columns_used() set
	bool has_account = false;        // the table's account column names one
	Datum account = 0;
};

struct StatementScratch {
	TablePlan *tp = nullptr; // the plan it was built for
	// The Citus shard its rows were read on (shard_context.hpp), or nullptr.
	const ShardContext *shard = nullptr;
	std::shared_ptr<TablePlan> held;
	std::uint64_t plan_build = 0;
	// The keys and accounts of the rows read: they must outlive the
	// trigger call that read them when the rows are scored later.
	MemoryContext memory = nullptr;
	std::int64_t skipped = 0; // rows without a lead, type or time, or with too long a key
	bool finished = false;    // batch->Finish() ran
	std::unique_ptr<core::IngestBatch> batch;
	LeadMap leads; // the leads' dense indexes and keys
	// By lead index, when the table has an account column: the account of
	// the lead's earliest inserted row that names one.
	std::vector<Datum> first_account;
	std::vector<std::int64_t> first_account_at;
	// By lead index: the time of the lead's earliest inserted row, which
	// tells the writer whether the lead's history is to be walked
	// (state/walk_queue.hpp); kNoTime: none.
	std::vector<std::int64_t> earliest_at;
	std::array<PendingRow, 3> rows;
	// ApplyModel: by delta index of the model it applies, the leads with a
	// reset (lead_ledger.hpp), recomputed rather than added to.
	std::vector<char> reset_leads;

	// Empties it for the next statement (keeping the buffers).
	void Reset();
	~StatementScratch();
};

// Scratches of statements in progress at once on one table: each query
// level's (slots 1, 2, ...: query_levels.hpp), the replicated
// transaction's, and those scored at once, one per level they fire in
// (their scoring may run a user's trigger that writes the table again).
enum class ScratchSlot : int { Replicated = -1 };
inline int AtOnceSlot(int depth) {
	return -2 - depth;
}

// The scratch of tp's table for `slot`, emptied, for a statement that uses
// `tp`, a current plan (GetTablePlan), which the scratch holds.
// PostgreSQL side.
StatementScratch *BeginStatement(TablePlan *tp, int slot);

} // namespace leadscore::pg
