// The lifecycle in rescore() and verify(): grades recomputed from the lead
// tables, records advanced to the rebuilt scores, and the checks that a
// stored record agrees with its lead's state.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/model/scoring_model.hpp"

#include <string>
#include <utility>
#include <vector>

namespace leadscore::pg {

// Zeroes the scores of every lead of the model, keeping grade and lifecycle
// (rescore() rebuilds the scores next).
void ZeroScores(std::int32_t model_id, std::size_t stage_count);

// After the scores are rebuilt: regrades every lead from the lead tables,
// advances every record (events with cause rescore, no NOTIFY: a rebuild is
// not news), and deletes rows left with no activity, grade or status.  With
// `walk` (the model compiled for its tables: rescore()), mql_at and sql_at
// are the crossings of each lead's sorted history, as tick() finds them for
// back-dated rows (ingest/history_walk.hpp).
void RescoreLifecycle(const KeyType &kt, const core::ModelSpec &model, std::int64_t now,
                      const core::CompiledModel *walk = nullptr);

// (lead key as text, what differs) for every lead whose grade differs from
// its lead row's or whose record disagrees with its state.
std::vector<std::pair<std::string, std::string>> VerifyLifecycle(const KeyType &kt, const core::ModelSpec &model);

} // namespace leadscore::pg
