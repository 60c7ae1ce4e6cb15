// The queue of history walks.  See walk_queue.hpp.
#include "pg/state/walk_queue.hpp"

#include "pg/boundary/pg_arrays.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

#include <string>

namespace leadscore::pg {

void QueueWalks(const KeyType &kt, std::int32_t model_id, const WalkQueue &queue) {
	// The queue came with 0.3's layout: a 0.3 library on 0.2's tables
	// (before ALTER EXTENSION UPDATE) records times as it did.
	if (queue.keys.empty() || !HotStateLayout())
		return;
	Oid types[] = {INT4OID, kt.array_oid, TIMESTAMPTZARRAYOID};
	SPIPlanPtr plan = KeptPlan("INSERT INTO leadscore.history_walks AS w (model_id, lead_id, since)"
	                           " SELECT $1, u.k, u.t FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(k, t)"
	                           " ON CONFLICT (model_id, lead_id) DO UPDATE SET since = LEAST(w.since, excluded.since)",
	                           3, types, CURSOR_OPT_GENERIC_PLAN);
	CallPg([&] {
		int n = static_cast<int>(queue.keys.size());
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, queue.keys.data(), n),
		                  TimestampArrayDatum(queue.since.data(), n)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "queueing history walks");
	});
}

void DequeueWalks(const KeyType &kt, std::int32_t model_id, const std::vector<Datum> &keys) {
	if (keys.empty())
		return;
	Oid types[] = {INT4OID, kt.array_oid};
	SPIPlanPtr plan = KeptPlan("DELETE FROM leadscore.history_walks w USING pg_catalog.unnest($2) AS u(k)"
	                           " WHERE w.model_id = $1 AND w.lead_id = u.k",
	                           2, types, CURSOR_OPT_CUSTOM_PLAN);
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, keys.data(), static_cast<int>(keys.size()))};
		RunKeptPlan(plan, values, nullptr, SPI_OK_DELETE, "taking history walks off the queue");
	});
}

void ClearWalks(std::int32_t model_id, bool orphans) {
	std::string sql = "DELETE FROM leadscore.history_walks w WHERE w.model_id = $1::pg_catalog.int4";
	if (orphans)
		sql += " AND NOT EXISTS (SELECT FROM leadscore.lead_state s WHERE s.model_id = w.model_id"
		       " AND s.lead_id = w.lead_id)";
	ExecuteText(sql.c_str(), {std::to_string(model_id)});
}

} // namespace leadscore::pg
