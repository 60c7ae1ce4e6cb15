// The state of one lead in one model: what the glue persists per
// (model, lead), what IngestBatch deltas are applied to (ingest_batch.hpp),
// and what a recompute from the activity history produces
// (scoring_recompute.hpp).  verify() holds the two side by side.
#pragma once

#include "core/model/cap_window.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace leadscore::core {

class CompiledModel;

// "No time": the last_activity_at of a lead without matching activity.
constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();

struct LeadState {
	// sum(points * Weight(t)) over every counted activity of every rule
	// (capped rules: the N most recent), epoch-relative (decay.hpp):
	// the indexed column; the score now is Decay::Current(stored, now).
	double stored = 0;
	// The same sum per stage, over the rules with that stage.
	std::vector<double> stage_stored;
	// Momentum: the same terms weighted with CompiledModel::momentum()
	// instead (a shorter half-life, the same epoch): what the lead did lately.
	double momentum = 0;
	// Activity rows that match at least one rule of the model.
	std::int64_t activity_count = 0;
	// The newest occurred_at among those rows; kNoTime when there is none.
	std::int64_t last_activity_at = kNoTime;
	// One window per capped rule, in CompiledModel::capped_rules() order.
	std::vector<CapWindow> caps;
	// Silence scorings not yet due (at > the time the state was computed),
	// by time: each adds `stored` (and to stage `stage`) from `at` on, and
	// `momentum` to momentum.  The glue stores no momentum with it: a
	// scoring read back gets it from PendingMomentum().
	struct Pending {
		std::int64_t at;
		double stored;
		int stage;
		double momentum = 0;
	};
	std::vector<Pending> pending;

	// The state of a lead without activity, sized for `model`.
	void Clear(const CompiledModel &model);
};

// Moves the pending scorings due by `now` (at <= now) into the sums.
void FoldPending(LeadState *state, std::int64_t now);

// A pending scoring's momentum term from its stored term: the points are
// stored / Weight(at) (exact: a scoring the sums hold or will hold lies within
// the epoch's reach, decay.hpp); 0 where that weight underflowed.
double PendingMomentum(const Decay &decay, const Decay &momentum, std::int64_t at, double stored) noexcept;

// Adds one pending scoring to a state's sums: `stored` and the stage sums.
void AddScoring(const LeadState::Pending &p, double *stored, std::vector<double> *stage_stored) noexcept;

} // namespace leadscore::core
