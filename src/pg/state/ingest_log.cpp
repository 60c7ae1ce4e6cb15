// Appending to leadscore.ingest_log.
#include "pg/state/ingest_log.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/shard_names.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace leadscore::pg {

void AppendIngestLog(Oid relid, std::int64_t rows_skipped, std::int64_t unknown_types, std::int64_t points_unscored) {
	const Oid types[] = {OIDOID, INT8OID, INT8OID, INT8OID};
	SPIPlanPtr plan =
	    points_unscored == 0
	        ? KeptPlan("INSERT INTO leadscore.ingest_log (tbl, rows_skipped, unknown_types)"
	                   " VALUES ($1::pg_catalog.regclass, $2, $3)",
	                   3, types, CURSOR_OPT_GENERIC_PLAN)
	        : KeptPlan("INSERT INTO leadscore.ingest_log (tbl, rows_skipped, unknown_types, points_unscored)"
	                   " VALUES ($1::pg_catalog.regclass, $2, $3, $4)",
	                   4, types, CURSOR_OPT_GENERIC_PLAN);
	// On a Citus shard, the table it is a shard of (the table attached).
	Oid table = ShardTable(relid);
	if (table == InvalidOid)
		table = relid;
	CallPg([&] {
		Datum values[] = {ObjectIdGetDatum(table), Int64GetDatum(rows_skipped), Int64GetDatum(unknown_types),
		                  Int64GetDatum(points_unscored)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "appending to leadscore.ingest_log");
	});
}

} // namespace leadscore::pg
