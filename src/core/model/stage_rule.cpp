// Buyer stage: the furthest stage with enough decayed points.  See
// stage_rule.hpp.
#include "core/model/stage_rule.hpp"

namespace leadscore::core {

namespace {

Decay ModelDecay(const ModelSpec &model) noexcept {
	return Decay(model.half_life_us, model.epoch_us);
}

} // namespace

double StageStoredMinimum(const ModelSpec &model, std::int64_t now) noexcept {
	return ModelDecay(model).StoredThreshold(model.stage_min_points, now);
}

int StageAt(const ModelSpec &model, const double *stage_stored, std::size_t n, std::int64_t now) noexcept {
	if (n > model.stages.size())
		n = model.stages.size();
	// Compare stored sums with the stored minimum rather than decaying each
	// sum: the same test tick() makes with an index, to the last bit.
	double minimum = StageStoredMinimum(model, now);
	for (std::size_t k = n; k-- > 0;)
		if (stage_stored[k] >= minimum && stage_stored[k] > 0)
			return static_cast<int>(k);
	return kNoStage;
}

StoredRange StageFellBelow(const ModelSpec &model, std::int64_t t0, std::int64_t t1) noexcept {
	return ModelDecay(model).FellBelow(model.stage_min_points, t0, t1);
}

} // namespace leadscore::core
