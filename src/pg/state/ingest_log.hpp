// leadscore.ingest_log: the rows a statement could not score, per attached
// table (summed by the view leadscore.stats).
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>

namespace leadscore::pg {

// Appends one row for table `relid` (on a Citus shard, for the table it
// is a shard of: a worker's stats are summed by table).  A kept plan: a CRM inserting one
// row of an unscored type per transaction pays this on every transaction.
// `points_unscored` (rows a points_expression gave no value) is written
// only when not 0, so a 0.2 table without its column (a new library before
// ALTER EXTENSION UPDATE, which has no such rules) takes the others.
// C++ side: call outside CallPg, under an SPI connection.
void AppendIngestLog(Oid relid, std::int64_t rows_skipped, std::int64_t unknown_types, std::int64_t points_unscored);

} // namespace leadscore::pg
