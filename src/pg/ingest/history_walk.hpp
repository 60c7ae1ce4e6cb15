// The threshold crossings of leads' histories (core/insight/history_crossings.hpp),
// read from the attached tables: rescore()'s walk of every lead, and
// tick()'s of the leads writers queued because their rows came dated before
// their lifecycle record (maintenance/queued_walks.hpp).
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

} // namespace leadscore::pg
