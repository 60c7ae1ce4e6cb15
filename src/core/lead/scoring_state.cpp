// The state of one lead in one model.  See scoring_state.hpp.
#include "core/lead/scoring_state.hpp"

#include "core/model/scoring_model.hpp"

namespace leadscore::core {

void LeadState::Clear(const CompiledModel &model) {
	stored = 0;
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

} // namespace leadscore::core
