// Walks of back-dated leads.  See history_walk.hpp.
#include "pg/ingest/history_walk.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/ingest/lead_history.hpp"

extern "C" {
#include "miscadmin.h"
}

#include <algorithm>

namespace leadscore::pg {
namespace {

constexpr std::size_t kChunk = 1000;

} // namespace

std::vector<core::HistoryCrossings> WalkHistories(const KeyType &kt, const core::CompiledModel &model,
                                                  const std::vector<Datum> &keys,
                                                  const std::vector<std::optional<core::GradeRank>> &grades,
                                                  std::int64_t now) {
	std::vector<core::HistoryCrossings> out;
	out.reserve(keys.size());
	auto cancel = [] { return InterruptPending != 0; };
	for (std::size_t first = 0; first < keys.size(); first += kChunk) {
		std::size_t end = std::min(keys.size(), first + kChunk);
		std::vector<Datum> chunk(keys.begin() + static_cast<std::ptrdiff_t>(first),
		                         keys.begin() + static_cast<std::ptrdiff_t>(end));
		std::vector<core::LeadTimeline> timelines(chunk.size());
		std::vector<const core::CompiledModel *> tables;
		ScanLeadHistories(kt, chunk, model, &tables, [&](std::size_t i, std::size_t table, const HistoryRow &row) {
			timelines[i].Add(table, row.type, row.at, row.values, tables[table]->schema().size());
		});
		for (std::size_t i = 0; i < chunk.size(); i++)
			out.push_back(tables.empty() ? core::HistoryCrossings()
			                             : core::WalkHistory(tables, timelines[i], now, grades[first + i], cancel));
	}
	return out;
}

} // namespace leadscore::pg
