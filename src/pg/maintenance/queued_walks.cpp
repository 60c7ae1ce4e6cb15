// tick()'s walks of queued leads.  See queued_walks.hpp.
#include "pg/maintenance/queued_walks.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/history_walk.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/lifecycle_store.hpp"
#include "pg/state/state_columns.hpp"
#include "pg/state/state_layout.hpp"
#include "pg/state/walk_queue.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/timestamp.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// Queued leads taken at once by tick(): each batch reads the model's
// tables once for all of its leads (a scan without an index on the lead
// column), so a backfill of 100,000 leads takes ten.  The locks last to
// tick()'s commit whatever the batch.
constexpr std::size_t kWalkBatch = 10000;

// One batch of the queued leads of `model` with a state row, locked (writers'
// leads skipped), in key order; since[i] is leads[i]'s queued time.
std::vector<LifecycleLead> LockQueued(const core::ModelSpec &model, std::vector<std::int64_t> *since) {
	Oid types[] = {INT4OID};
	std::string sql = std::string("SELECT " LEADSCORE_LIFECYCLE_SELECT) + BandColumn() +
	                  ", w.since FROM leadscore.lead_state s JOIN (SELECT lead_id AS k, since"
	                  " FROM leadscore.history_walks WHERE model_id = $1) w ON s.lead_id = w.k"
	                  " WHERE s.model_id = $1 ORDER BY s.lead_id LIMIT " +
	                  std::to_string(kWalkBatch) + " FOR UPDATE OF s SKIP LOCKED";
	SPIPlanPtr plan = KeptPlan(sql.c_str(), 1, types, CURSOR_OPT_CUSTOM_PLAN);
	std::uint64_t rows = CallPg([&] {
		Datum values[] = {Int32GetDatum(model.id)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_SELECT, "reading queued history walks");
		since->resize(SPI_processed);
		TupleDesc desc = SPI_tuptable->tupdesc;
		for (std::uint64_t r = 0; r < SPI_processed; r++) {
			bool isnull;
			(*since)[r] = TimestampToUnixUs(
			    DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[r], desc, desc->natts, &isnull)));
		}
		return SPI_processed;
	});
	return ReadLifecycleRows(SPI_tuptable, rows, StateSelect::Lifecycle, model);
}

// Walks one locked batch and takes it off the queue; returns the
// transitions reported.
std::int64_t WalkBatch(const KeyType &kt, const core::ModelSpec &spec, const core::CompiledModel &model,
                       std::int64_t now, std::vector<LifecycleLead> *leads, const std::vector<std::int64_t> &since) {
	std::vector<Datum> keys;
	std::vector<std::optional<core::GradeRank>> grades;
	for (const LifecycleLead &lead : *leads) {
		keys.push_back(lead.key);
		grades.push_back(lead.record.grade);
	}
	std::vector<core::HistoryCrossings> walked = WalkHistories(kt, model, keys, grades, now);
	std::vector<LeadEvent> events;
	std::vector<core::Transition> transitions;
	for (std::size_t i = 0; i < leads->size(); i++) {
		LifecycleLead &lead = (*leads)[i];
		transitions.clear();
		core::AdvanceThroughHistory(spec, walked[i], lead.Input(), since[i], now, &lead.record, &transitions);
		core::Advance(spec, lead.Input(), now, core::TransitionCause::Decay, &lead.record, &transitions);
		for (const core::Transition &t : transitions)
			events.push_back(LeadEvent{lead.key, t});
	}
	WriteLifecycle(kt, spec, *leads);
	InsertEvents(kt, spec, events, true);
	DequeueWalks(kt, spec.id, keys);
	return static_cast<std::int64_t>(events.size());
}

} // namespace

std::vector<std::int32_t> ModelsWithWalks() {
	std::vector<std::int32_t> ids;
	if (!HotStateLayout())
		return ids;
	for (const TextRow &r : QueryText("SELECT DISTINCT model_id FROM leadscore.history_walks ORDER BY model_id"))
		ids.push_back(static_cast<std::int32_t>(std::stol(*r[0])));
	return ids;
}

std::int64_t WalkQueuedLeads(const KeyType &kt, const core::ModelSpec &spec, std::int64_t now) {
	const core::CompiledModel *model = CompiledModelById(spec.id);
	if (model == nullptr) {
		// No table feeds the model any more: no history to walk.
		ClearWalks(spec.id, false);
		return 0;
	}
	std::int64_t reported = 0;
	for (;;) {
		std::vector<std::int64_t> since;
		std::vector<LifecycleLead> leads = LockQueued(spec, &since);
		if (!leads.empty())
			reported += WalkBatch(kt, spec, *model, now, &leads, since);
		// Each batch left the queue, so the next holds other leads; a short
		// batch was the last.
		if (leads.size() < kWalkBatch)
			break;
	}
	ClearWalks(spec.id, true);
	return reported;
}

} // namespace leadscore::pg
