// Scenario testing (docs/design.md, "Insight"): a hypothetical lead played
// through a model before it goes live ("would our ideal customer, with medium
// activity, reach SQL under this model?").  Nothing is written.
#pragma once

#include "core/base/value.hpp"
#include "core/lead/scoring_recompute.hpp"
#include "core/lead/scoring_status.hpp"
#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::core {

// Bounds on a persona, so simulate() stays a quick what-if: 10,000
// activities (after `count` repeats) is years of a very busy lead.
constexpr std::size_t kMaxPersonaActivities = 10000;

struct PersonaActivity {
	std::string type;
	std::int64_t at = 0;       // us since the Unix epoch
	std::vector<Value> values; // the model's schema order; text points into the caller's memory
};

struct Simulation {
	Recomputed recomputed;
	double score = 0;
	int stage = kNoStage;
	LeadStatus status = LeadStatus::Nurture;
	std::optional<GradeRank> grade;
	bool fit_priority = false;
};

// The persona's score, stage, status and fit at `now`; `grade` is its grade
// under the model's profile (nullopt: the model grades nobody).
Simulation Simulate(const CompiledModel &model, const std::vector<PersonaActivity> &activities,
                    std::optional<GradeRank> grade, std::int64_t now);

} // namespace leadscore::core
