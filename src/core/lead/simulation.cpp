// Scenario testing.  See simulation.hpp.
#include "core/lead/simulation.hpp"

#include "core/condition/condition.hpp"
#include "core/model/stage_rule.hpp"


namespace leadscore::core {

Simulation Simulate(const CompiledModel &model, const std::vector<PersonaActivity> &activities,
                    std::optional<GradeRank> grade, std::int64_t now) {
	LeadRecompute recompute(model);
	recompute.SetNow(now);
	recompute.Reset();
	for (const PersonaActivity &a : activities)
		recompute.Add(a.type, a.at, a.values.data());
	Simulation s;
	recompute.Finish(&s.recomputed);
	const ModelSpec &spec = model.spec();
	const LeadState &state = s.recomputed.state;
	s.score = CurrentScore(spec, state.stored, now);
	s.stage = StageAt(spec, state.stage_stored.data(), state.stage_stored.size(), now);
	s.status = StatusAt(spec, state.stored, now, grade);
	s.grade = grade;
	s.fit_priority = grade && *grade >= spec.fit_min_grade && s.status == LeadStatus::Nurture;
	return s;
}

} // namespace leadscore::core
