// What calibrate() reads for its criterion rows: which criteria of the
// model's grade profile each lead's row in the attached lead tables matches.
// Needs an SPI connection (BeginEngineCall).
//
// The lead rows are read as they are now (grades are not historised): an
// attribute that changed with the conversion would give the label away, so
// the README warns against criteria over such columns.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/insight/calibration.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace leadscore::pg {

struct LeadCriteria {
	// A lead table grades the model: only then are there criterion rows
	// (without one no lead has attributes to match).
	bool graded = false;
	// The profile's criteria in catalog order (the order of the rows).
	std::vector<core::CalibrationCriterionInfo> criteria;
	// By lead key bytes: the indexes into `criteria` that the lead's rows
	// match (several rows: any of them), unique.
	std::unordered_map<std::string, std::vector<std::uint32_t>> matched;
};

// Empty (not graded) for a model without a grade profile.
LeadCriteria LoadLeadCriteria(const KeyType &kt, const core::ModelSpec &model);

} // namespace leadscore::pg
