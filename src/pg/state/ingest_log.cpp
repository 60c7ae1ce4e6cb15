// Appending to leadscore.ingest_log.
#include "pg/state/ingest_log.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace leadscore::pg {
namespace {

// Kept for the backend's life; the plan cache re-plans it if the table is
// re-created (DROP and CREATE EXTENSION).
SPIPlanPtr append_plan = nullptr;

} // namespace

void AppendIngestLog(Oid relid, std::int64_t rows_skipped, std::int64_t unknown_types) {
	if (append_plan == nullptr) {
		Oid types[] = {OIDOID, INT8OID, INT8OID};
		SPIPlanPtr plan = SPI_prepare("INSERT INTO leadscore.ingest_log (tbl, rows_skipped, unknown_types)"
		                              " VALUES ($1::pg_catalog.regclass, $2, $3)",
		                              3, types);
		if (plan == nullptr)
			elog(ERROR, "leadscore: SPI_prepare failed (%d) for ingest_log", SPI_result);
		SPI_keepplan(plan);
		append_plan = plan;
	}
	Datum values[] = {ObjectIdGetDatum(relid), Int64GetDatum(rows_skipped), Int64GetDatum(unknown_types)};
	if (SPI_execute_plan(append_plan, values, nullptr, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "leadscore: appending to leadscore.ingest_log failed");
}

} // namespace leadscore::pg
