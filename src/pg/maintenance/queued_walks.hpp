// tick()'s walks of the leads writers queued because their rows came dated
// before their lifecycle record (state/walk_queue.hpp): each lead's history
// (ingest/history_walk.hpp) gives its mql_at and sql_at.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

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
