// verify()'s check of the values themselves: a stored sum that is not a
// finite number, or a time outside the core's range (core/base/time_range.hpp),
// is a difference whatever a recompute says.  Such values once came from a
// far-future CRM time: an out-of-range timestamptz made lead_scores,
// top_leads and pg_dump fail while a recompute, converting the same row the
// same wrong way, agreed with it.  rescore() rewrites every value checked.
#pragma once

#include "core/model/scoring_model.hpp"

#include <string>
#include <utility>
#include <vector>

namespace leadscore::pg {

// (lead key as text, or "account " and the account key, what is wrong) for
// every lead and account state of the model with such a value.
std::vector<std::pair<std::string, std::string>> VerifyRanges(const core::ModelSpec &model);

} // namespace leadscore::pg
