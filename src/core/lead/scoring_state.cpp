// The state of one lead in one model.  See scoring_state.hpp.
#include "core/lead/scoring_state.hpp"

#include "core/model/scoring_model.hpp"

namespace leadscore::core {

void LeadState::Clear(const CompiledModel &model) {
	stored = 0;
	momentum = 0;
	stage_stored.assign(model.stage_count(), 0.0);
	activity_count = 0;
	last_activity_at = kNoTime;
	caps.resize(model.capped_rules().size());
	for (CapWindow &w : caps) {
		w.times.clear();
		w.beyond = 0;
	}
	pending.clear();
}

void FoldPending(LeadState *state, std::int64_t now) {
	std::size_t due = 0;
	for (; due < state->pending.size() && state->pending[due].at <= now; due++) {
		AddScoring(state->pending[due], &state->stored, &state->stage_stored);
		state->momentum += state->pending[due].momentum;
	}
	state->pending.erase(state->pending.begin(), state->pending.begin() + static_cast<std::ptrdiff_t>(due));
}

double PendingMomentum(const Decay &decay, const Decay &momentum, std::int64_t at, double stored) noexcept {
	double weight = decay.Weight(at);
	return weight > 0 ? stored / weight * momentum.Weight(at) : 0.0;
}

void AddScoring(const LeadState::Pending &p, double *stored, std::vector<double> *stage_stored) noexcept {
	*stored += p.stored;
	if (p.stage >= 0 && static_cast<std::size_t>(p.stage) < stage_stored->size())
		(*stage_stored)[static_cast<std::size_t>(p.stage)] += p.stored;
}

} // namespace leadscore::core
