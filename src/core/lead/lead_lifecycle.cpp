// Lead lifecycle: transitions and when decay is next due.  See
// lead_lifecycle.hpp.
#include "core/lead/lead_lifecycle.hpp"

#include "core/base/time_range.hpp"
#include "core/model/stage_rule.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {

namespace {

int GradeValue(const std::optional<GradeRank> &grade) {
	return grade ? static_cast<int>(*grade) : -1;
}

// The time after which a stored sum `stored` falls below `threshold`:
// threshold * 2^((t - E)/h) > stored  <=>  t > E + h * log2(stored / threshold).
std::int64_t FallsBelowAfter(const Decay &decay, double stored, double threshold) {
	if (!(threshold > 0) || !(stored > 0))
		return kNoTime;
	double t = static_cast<double>(decay.epoch_us()) + decay.half_life_us() * std::log2(stored / threshold);
	// Past the core's range is never; before it (a crossing long gone, which
	// Advance moves to the next microsecond) it must still be a time.
	if (!(t < static_cast<double>(kLatestTime)))
		return kNoTime;
	if (!(t > static_cast<double>(kEarliestTime)))
		return kEarliestTime;
	// floor + 1: the first microsecond at which the comparison has flipped
	// (tick() checks again and waits one more microsecond on a rounding).
	return static_cast<std::int64_t>(std::floor(t)) + 1;
}

std::int64_t Earliest(std::int64_t a, std::int64_t b) {
	if (a == kNoTime)
		return b;
	if (b == kNoTime)
		return a;
	return std::min(a, b);
}

} // namespace

const char *TransitionKindName(TransitionKind kind) noexcept {
	switch (kind) {
	case TransitionKind::Status:
		return "status";
	case TransitionKind::Stage:
		return "stage";
	case TransitionKind::Grade:
		return "grade";
	case TransitionKind::Band:
		return "band";
	}
	return "status";
}

const char *TransitionCauseName(TransitionCause cause) noexcept {
	switch (cause) {
	case TransitionCause::Activity:
		return "activity";
	case TransitionCause::Lead:
		return "lead";
	case TransitionCause::Decay:
		return "decay";
	case TransitionCause::Rescore:
		return "rescore";
	case TransitionCause::Adjustment:
		return "adjustment";
	case TransitionCause::Reset:
		return "reset";
	}
	return "activity";
}

const char *TransitionValueName(const ModelSpec &model, TransitionKind kind, int value) noexcept {
	if (value < 0)
		return nullptr;
	switch (kind) {
	case TransitionKind::Status:
		return LeadStatusName(static_cast<LeadStatus>(value));
	case TransitionKind::Stage:
		return static_cast<std::size_t>(value) < model.stages.size() ? model.stages[static_cast<std::size_t>(value)].c_str()
		                                                             : nullptr;
	case TransitionKind::Grade:
		return GradeName(static_cast<GradeRank>(value));
	case TransitionKind::Band:
		return static_cast<std::size_t>(value) < model.bands.size() ? model.bands[static_cast<std::size_t>(value)].name.c_str()
		                                                            : nullptr;
	}
	return nullptr;
}

std::int64_t NextDue(const ModelSpec &model, const LifecycleInput &lead, const LifecycleRecord &record) {
	Decay decay(model.half_life_us, model.epoch_us);
	if (!decay.decays())
		return kNoTime;
	std::int64_t due = kNoTime;
	if (record.status == LeadStatus::Sql)
		due = FallsBelowAfter(decay, lead.stored, model.sql_threshold);
	else if (record.status == LeadStatus::Mql)
		due = FallsBelowAfter(decay, lead.stored, model.mql_threshold);
	if (record.stage != kNoStage && static_cast<std::size_t>(record.stage) < lead.stage_count)
		due = Earliest(due, FallsBelowAfter(decay, lead.stage_stored[record.stage], model.stage_min_points));
	// The floor is never left, a minimum of 0 never reached from above
	// (FallsBelowAfter: never).
	if (record.band != kNoBand && static_cast<std::size_t>(record.band) < model.bands.size())
		due = Earliest(due, FallsBelowAfter(decay, lead.stored, model.bands[static_cast<std::size_t>(record.band)].min_score));
	return due;
}

void Advance(const ModelSpec &model, const LifecycleInput &lead, std::int64_t now, TransitionCause cause,
             LifecycleRecord *record, std::vector<Transition> *out) {
	std::int64_t at = std::max(now, record->checked_at);
	double score = CurrentScore(model, lead.stored, at);
	auto report = [&](TransitionKind kind, int from, int to) {
		out->push_back(Transition{kind, cause, from, to, at, score, lead.grade});
	};

	if (lead.grade != record->grade) {
		report(TransitionKind::Grade, GradeValue(record->grade), GradeValue(lead.grade));
		record->grade = lead.grade;
	}
	LeadStatus status = StatusAt(model, lead.stored, at, lead.grade);
	if (status != record->status) {
		report(TransitionKind::Status, static_cast<int>(record->status), static_cast<int>(status));
		if (record->status == LeadStatus::Nurture)
			record->mql_at = at;
		if (status == LeadStatus::Sql)
			record->sql_at = at;
		record->status = status;
	}
	int stage = StageAt(model, lead.stage_stored, lead.stage_count, at);
	if (stage != record->stage) {
		report(TransitionKind::Stage, record->stage, stage);
		record->stage = stage;
	}
	int band = BandAt(model, lead.stored, at);
	if (band != record->band) {
		report(TransitionKind::Band, record->band, band);
		record->band = band;
	}
	record->checked_at = at;
	record->due_at = NextDue(model, lead, *record);
	// A crossing rounded to `at` or before has not happened (the status
	// above says so): look again a microsecond later, never in the past,
	// or tick() would visit the lead again and again.
	if (record->due_at != kNoTime && record->due_at <= at)
		record->due_at = at + 1;
}

void WakeForPending(const std::vector<LeadState::Pending> &pending, LifecycleRecord *record) noexcept {
	if (pending.empty())
		return;
	std::int64_t wake = std::max(pending.front().at, record->checked_at + 1);
	if (record->due_at == kNoTime || wake < record->due_at)
		record->due_at = wake;
}

} // namespace leadscore::core
