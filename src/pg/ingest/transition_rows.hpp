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
#include "pg/catalog/partition_members.hpp"
#include "pg/ingest/statement_scratch.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

#include <cstdint>

namespace leadscore::pg {

// Adds every row of `store` (rows of st's table or of a partition of it,
// descriptor `desc`, read through `layout`: partition_members.hpp) to
// st->batch as `change`; rows with a NULL lead, type or time (or an infinite
// time, or a key over kMaxKeyBytes) are counted in st->skipped.  Inserted rows
// that name an account note it for their lead (StatementScratch::first_account).
// PostgreSQL side: may ERROR.
void ReadTransitionRows(StatementScratch *st, const KeyType &kt, Tuplestorestate *store, TupleDesc desc,
                        const MemberRows &layout, core::RowChange change);

// Adds the one row in `slot` (a tuple of st's table or of a partition of
// it, as a row trigger sees it) to st->batch as `change`, skipping and
// counting it as above.  PostgreSQL side: may ERROR.
void ReadSlotRow(StatementScratch *st, TupleTableSlot *slot, const MemberRows &layout, core::RowChange change);

} // namespace leadscore::pg
