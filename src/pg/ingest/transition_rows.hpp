// Reading a statement's transition table into the ingest batch.
//
// A bulk load's rows come in random lead order, so each row's lead map slot
// and the lead's accumulator are cache misses.  The rows therefore go
// through three steps a row apart: read a row and prefetch its lead's map
// slot; a row later intern the lead (the slot is in the cache by then) and
// prefetch its accumulator; a row later add the row to the batch.  The
// misses overlap with the work on the other rows instead of stalling it
// (bench/ingest_bench.cpp, BM_BulkLoad: about half the core's time).
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "pg/state/state_store.hpp"

#include "core/ingest/ingest_batch.hpp"
#include "core/base/value.hpp"

extern "C" {
#include "executor/tuptable.h"
#include "utils/tuplestore.h"
}

#include <array>
#include <cstdint>
#include <vector>

namespace leadscore::pg {

struct TablePlan;

// One row in flight.  Its values point into its slot's tuple or into its
// memory context, which live until the row's last step.
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

// The rows in flight; kept with the table's plan, so that no C++ object
// with a destructor lives on the stack while PostgreSQL calls may ERROR.
struct RowPipeline {
	std::array<PendingRow, 3> rows;
};

// Adds every row of `store` (rows of tp's table, descriptor `desc`) to
// tp->batch as `change`; rows with a NULL lead, type or time (or an infinite
// time, or a key over kMaxKeyBytes) are counted in *skipped.  Inserted rows
// that name an account note it for their lead (TablePlan::first_account).
// PostgreSQL side: may ERROR.
void ReadTransitionRows(TablePlan *tp, const KeyType &kt, Tuplestorestate *store, TupleDesc desc,
                        core::RowChange change, std::int64_t *skipped);

} // namespace leadscore::pg
