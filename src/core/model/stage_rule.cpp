// Buyer stage: the furthest stage with enough decayed points.  See
// stage_rule.hpp.
#include "core/model/stage_rule.hpp"

namespace leadscore::core {

namespace {

// The stored sum that equals stage_min_points at `now`.
double StageStoredMinimum(const ModelSpec &model, std::int64_t now) noexcept {
	return Decay(model.half_life_us, model.epoch_us).StoredThreshold(model.stage_min_points, now);
}

} // namespace

int StageAt(const ModelSpec &model, const double *stage_stored, std::size_t n, std::int64_t now) noexcept {
	if (n > model.stages.size())
		n = model.stages.size();
	// Compare stored sums with the stored minimum rather than decaying each
	// sum: one weight for every stage, and the inequality NextDue solves for
	// the lead's due_at (core/lead/lead_lifecycle.cpp).
	double minimum = StageStoredMinimum(model, now);
	for (std::size_t k = n; k-- > 0;)
		if (stage_stored[k] >= minimum && stage_stored[k] > 0)
			return static_cast<int>(k);
	return kNoStage;
}

} // namespace leadscore::core
