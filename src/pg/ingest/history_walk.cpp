// Walks of leads' histories.  See history_walk.hpp.
#include "pg/ingest/history_walk.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/ingest/lead_history.hpp"

extern "C" {
#include "miscadmin.h"
}

#include <algorithm>

namespace leadscore::pg {
namespace {

// Leads whose rows are held at once when the model has several tables
// (their rows come table by table, so a lead is complete only at the end).
constexpr std::size_t kChunk = 1000;

bool Cancelled() {
	return InterruptPending != 0;
}

} // namespace

std::vector<core::HistoryCrossings> WalkHistories(const KeyType &kt, const core::CompiledModel &model,
                                                  const std::vector<Datum> &keys,
                                                  const std::vector<std::optional<core::GradeRank>> &grades,
                                                  std::int64_t now) {
	std::vector<core::HistoryCrossings> out(keys.size());
	if (keys.empty())
		return out;
	// One table (the usual case): one query for every lead, whose rows come
	// lead by lead, each walked when its rows end, so memory holds one
	// lead's rows and the table is read once however many leads walk.
	if (ModelTableCount(model) == 1) {
		std::vector<const core::CompiledModel *> tables;
		core::LeadTimeline timeline;
		std::size_t current = 0;
		bool any = false;
		auto walk = [&] {
			out[current] = core::WalkHistory(tables, timeline, now, grades[current], Cancelled);
			timeline = core::LeadTimeline();
		};
		ScanLeadHistories(kt, keys, model, &tables, [&](std::size_t i, std::size_t table, const HistoryRow &row) {
			if (any && i != current)
				walk();
			current = i;
			any = true;
			timeline.Add(table, row.type, row.at, row.values, tables[table]->schema().size());
		});
		if (any)
			walk();
		return out;
	}
	for (std::size_t first = 0; first < keys.size(); first += kChunk) {
		std::size_t end = std::min(keys.size(), first + kChunk);
		std::vector<Datum> chunk(keys.begin() + static_cast<std::ptrdiff_t>(first),
		                         keys.begin() + static_cast<std::ptrdiff_t>(end));
		std::vector<core::LeadTimeline> timelines(chunk.size());
		std::vector<const core::CompiledModel *> tables;
		ScanLeadHistories(kt, chunk, model, &tables, [&](std::size_t i, std::size_t table, const HistoryRow &row) {
			timelines[i].Add(table, row.type, row.at, row.values, tables[table]->schema().size());
		});
		for (std::size_t i = 0; i < chunk.size() && !tables.empty(); i++)
			out[first + i] = core::WalkHistory(tables, timelines[i], now, grades[first + i], Cancelled);
	}
	return out;
}

} // namespace leadscore::pg
