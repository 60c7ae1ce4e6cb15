// The threshold crossings of leads' histories (core/insight/history_crossings.hpp),
// read from the attached tables: rescore()'s walk of every lead, and
// tick()'s of the leads writers queued because their rows came dated before
// their lifecycle record (state/walk_queue.hpp).
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/insight/history_crossings.hpp"
#include "core/model/scoring_model.hpp"

#include <optional>
#include <vector>

namespace leadscore::pg {

// The crossings of each of `keys` up to `now`, grades[i] the SQL gate of
// keys[i] (none for a lead without rows).
std::vector<core::HistoryCrossings> WalkHistories(const KeyType &kt, const core::CompiledModel &model,
                                                  const std::vector<Datum> &keys,
                                                  const std::vector<std::optional<core::GradeRank>> &grades,
                                                  std::int64_t now);

// The models with queued leads, by id (none before the 0.3 layout).
std::vector<std::int32_t> ModelsWithWalks();

// Walks the queued leads of `model` (ten thousand at a time, each batch's
// leads locked and taken off the queue; leads a writer holds are skipped,
// as tick() skips them) and moves their records through their histories
// (core::AdvanceThroughHistory): mql_at and sql_at become the crossings'
// times, and a lead that was an MQL or SQL there and has cooled since
// reports the climb at its time and the fall at `now`, so stale_leads()
// sees it.  Returns the transitions reported.
std::int64_t WalkQueuedLeads(const KeyType &kt, const core::ModelSpec &model, std::int64_t now);

} // namespace leadscore::pg
