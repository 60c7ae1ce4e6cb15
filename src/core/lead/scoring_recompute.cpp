// A lead's state recomputed from its history.  See scoring_recompute.hpp.
#include "core/lead/scoring_recompute.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {

LeadRecompute::LeadRecompute(const CompiledModel &model, CancelCheck cancel)
    : model_(model), cancel_(std::move(cancel)), weights_(model.rule_count()), momentum_(model.rule_count()), raw_(model.rule_count()),
      scale_(model.rule_count(), 0.0), momentum_scale_(model.rule_count(), 0.0),
      matched_(model.rule_count(), 0), unscored_(model.rule_count(), 0),
      times_(model.capped_rules().size()), window_times_(model.window_rules().size()),
      sends_(model.silence_rules().size()), responses_(model.silence_rules().size()) {
}

void LeadRecompute::Reset() {
	std::fill(weights_.begin(), weights_.end(), CompensatedSum());
	std::fill(momentum_.begin(), momentum_.end(), CompensatedSum());
	std::fill(raw_.begin(), raw_.end(), CompensatedSum());
	std::fill(scale_.begin(), scale_.end(), 0.0);
	std::fill(momentum_scale_.begin(), momentum_scale_.end(), 0.0);
	std::fill(matched_.begin(), matched_.end(), 0);
	std::fill(unscored_.begin(), unscored_.end(), 0);
	for (std::vector<std::int64_t> &t : times_)
		t.clear();
	for (std::vector<std::int64_t> &t : window_times_)
		t.clear();
	for (std::vector<std::int64_t> &t : sends_)
		t.clear();
	for (std::vector<std::int64_t> &t : responses_)
		t.clear();
	activity_count_ = 0;
	last_activity_at_ = kNoTime;
	counts_from_ = std::numeric_limits<std::int64_t>::min();
	adjusted_ = CompensatedSum();
	adjusted_raw_ = CompensatedSum();
	adjusted_momentum_ = CompensatedSum();
	adjusted_scale_ = 0;
	adjusted_momentum_scale_ = 0;
	adjustments_ = 0;
}

void LeadRecompute::AddAdjustment(std::int64_t at, double points) {
	if (at < counts_from_)
		return;
	double stored = points * model_.decay().Weight(at);
	adjusted_.Add(stored);
	adjusted_raw_.Add(points);
	adjusted_scale_ += std::fabs(stored);
	double momentum = points * model_.momentum().Weight(at);
	adjusted_momentum_.Add(momentum);
	adjusted_momentum_scale_ += std::fabs(momentum);
	adjustments_++;
}

void LeadRecompute::AddLedger(const std::vector<LedgerEntry> &entries, std::int64_t as_of) {
	for (const LedgerEntry &e : entries)
		if (e.reset && e.at <= as_of)
			counts_from_ = std::max(counts_from_, e.at);
	for (const LedgerEntry &e : entries)
		if (!e.reset && e.at <= as_of)
			AddAdjustment(e.at, e.points);
}

void LeadRecompute::Add(std::string_view type, std::int64_t occurred_at, const Value *row) {
	Add(model_, type, occurred_at, row);
}

void LeadRecompute::Add(const CompiledModel &table_model, std::string_view type, std::int64_t occurred_at,
                        const Value *row) {
	if (table_model.rule_count() != model_.rule_count())
		throw Error(ErrorKind::Internal, "recompute of model \"" + model_.spec().name +
		                                     "\" got a row for another version of the model");
	if (occurred_at < counts_from_)
		return;
	if (++since_check_ >= kCancelCheckInterval) {
		since_check_ = 0;
		ThrowIfCancelled(cancel_);
	}
	bool matched = false;
	for (std::uint32_t r : table_model.RulesFor(type)) {
		if (!table_model.Matches(r, row))
			continue;
		const CompiledRule &silence = model_.rule(r);
		if (silence.silence >= 0 && type != silence.spec.activity_type) {
			// A response: it answers sends, it is not an activity of the rule.
			responses_[static_cast<std::size_t>(silence.silence)].push_back(occurred_at);
			continue;
		}
		matched = true;
		matched_[r]++;
		const CompiledRule &rule = model_.rule(r);
		if (rule.cap >= 0)
			times_[static_cast<std::size_t>(rule.cap)].push_back(occurred_at);
		else if (rule.window >= 0)
			window_times_[static_cast<std::size_t>(rule.window)].push_back(occurred_at);
		else if (rule.silence >= 0)
			sends_[static_cast<std::size_t>(rule.silence)].push_back(occurred_at);
		else if (rule.points)
			AddPoints(table_model, r, occurred_at, row);
		else {
			weights_[r].Add(model_.decay().Weight(occurred_at));
			momentum_[r].Add(model_.momentum().Weight(occurred_at));
		}
	}
	if (matched) {
		activity_count_++;
		last_activity_at_ = std::max(last_activity_at_, occurred_at);
	}
}

void LeadRecompute::AddPoints(const CompiledModel &table_model, std::uint32_t r, std::int64_t occurred_at,
                              const Value *row) {
	double points = 0;
	if (!table_model.PointsOf(r, row, &points)) {
		unscored_[r]++;
		return;
	}
	double stored = points * model_.decay().Weight(occurred_at);
	weights_[r].Add(stored);
	double momentum = points * model_.momentum().Weight(occurred_at);
	momentum_[r].Add(momentum);
	scale_[r] += std::fabs(stored);
	momentum_scale_[r] += std::fabs(momentum);
	raw_[r].Add(points);
}

// The rule's scorings due by now_ as its tally (explain() counts what the
// score holds); the later ones go to the state's pending list.
void LeadRecompute::SilenceTally(const CompiledRule &rule, RuleTally *tally, LeadState *state) {
	auto k = static_cast<std::size_t>(rule.silence);
	std::sort(sends_[k].begin(), sends_[k].end());
	std::sort(responses_[k].begin(), responses_[k].end());
	AbsenceScorings(rule.spec.absence, sends_[k], responses_[k], &scorings_);
	CompensatedSum due;
	std::int64_t counted = 0;
	auto r = static_cast<std::size_t>(model_.silence_rules()[k]);
	for (std::int64_t at : scorings_) {
		double stored = rule.spec.points * model_.decay().Weight(at);
		double momentum = rule.spec.points * model_.momentum().Weight(at);
		if (at <= now_) {
			due.Add(stored);
			momentum_[r].Add(momentum);
			counted++;
		} else {
			state->pending.push_back(LeadState::Pending{at, stored, rule.spec.stage, momentum});
		}
	}
	tally->stored = due.Value();
	tally->counted = counted;
	tally->raw = rule.spec.points * static_cast<double>(counted);
}

void LeadRecompute::Finish(Recomputed *out) {
	LeadState &state = out->state;
	state.Clear(model_);
	out->rules.assign(model_.rule_count(), RuleTally());
	out->stage_magnitude.assign(model_.stage_count(), 0.0);

	CompensatedSum stored;
	CompensatedSum momentum;
	std::vector<CompensatedSum> stages(model_.stage_count());
	double magnitude = 0;
	double momentum_magnitude = 0;
	for (std::size_t r = 0; r < model_.rule_count(); r++) {
		const CompiledRule &rule = model_.rule(r);
		RuleTally &tally = out->rules[r];
		tally.matched = matched_[r];
		if (rule.cap >= 0) {
			auto c = static_cast<std::size_t>(rule.cap);
			CapRule cap(rule.spec.max_count, rule.spec.points, model_.decay());
			tally.stored = cap.Rebuild(&state.caps[c], &times_[c]);
			momentum_[r].Add(CapRule(rule.spec.max_count, rule.spec.points, model_.momentum())
			                     .Contribution(state.caps[c]));
			tally.counted = std::min<std::int64_t>(tally.matched, rule.spec.max_count);
			tally.raw = rule.spec.points * static_cast<double>(tally.counted);
		} else if (rule.window >= 0) {
			std::vector<std::int64_t> &times = window_times_[static_cast<std::size_t>(rule.window)];
			std::sort(times.begin(), times.end());
			FrequencyScorings(rule.spec.window, times, &scorings_);
			CompensatedSum weights;
			for (std::int64_t at : scorings_) {
				weights.Add(model_.decay().Weight(at));
				momentum_[r].Add(rule.spec.points * model_.momentum().Weight(at));
			}
			tally.stored = rule.spec.points * weights.Value();
			tally.counted = static_cast<std::int64_t>(scorings_.size());
			tally.raw = rule.spec.points * static_cast<double>(tally.counted);
		} else if (rule.silence >= 0) {
			SilenceTally(rule, &tally, &state);
		} else if (rule.points) {
			tally.stored = weights_[r].Value();
			tally.counted = tally.matched - unscored_[r];
			tally.raw = raw_[r].Value();
		} else {
			tally.stored = rule.spec.points * weights_[r].Value();
			tally.counted = tally.matched;
			tally.raw = rule.spec.points * static_cast<double>(tally.counted);
		}
		// Weights are positive: |points * sum(w)| = sum(|points * w|),
		// except where each row has points of its own.
		double scale = rule.points ? scale_[r] : std::fabs(tally.stored);
		stored.Add(tally.stored);
		magnitude += scale;
		// Constant points were summed as weights, each row's own as points.
		double m = rule.cap < 0 && rule.window < 0 && rule.silence < 0 && !rule.points
		               ? rule.spec.points * momentum_[r].Value()
		               : momentum_[r].Value();
		momentum.Add(m);
		momentum_magnitude += rule.points ? momentum_scale_[r] : std::fabs(m);
		if (rule.spec.stage != kNoStage) {
			auto s = static_cast<std::size_t>(rule.spec.stage);
			stages[s].Add(tally.stored);
			out->stage_magnitude[s] += scale;
		}
	}
	stored.Add(adjusted_.Value());
	magnitude += adjusted_scale_;
	momentum.Add(adjusted_momentum_.Value());
	momentum_magnitude += adjusted_momentum_scale_;
	out->adjustments = adjustments_;
	out->adjusted = adjusted_.Value();
	out->adjusted_raw = adjusted_raw_.Value();
	state.stored = stored.Value();
	state.momentum = momentum.Value();
	for (std::size_t s = 0; s < stages.size(); s++)
		state.stage_stored[s] = stages[s].Value();
	state.activity_count = activity_count_;
	state.last_activity_at = last_activity_at_;
	std::sort(state.pending.begin(), state.pending.end(),
	          [](const LeadState::Pending &x, const LeadState::Pending &y) { return x.at < y.at; });
	out->magnitude = magnitude;
	out->momentum_magnitude = momentum_magnitude;
}

namespace {

// `unit` is one point at the time of the check, as a stored amount.
bool Close(double actual, double expected, double magnitude, double unit) {
	double scale = std::max({std::fabs(actual), std::fabs(expected), magnitude, unit});
	return std::fabs(actual - expected) <= kVerifyTolerance * scale;
}

// Two windows of one lead mean the same when both are valid, count the same
// activities, and agree on the newest times both hold.
bool SameWindow(const CapRule &cap, const CapWindow &a, const CapWindow &b) {
	if (!cap.Valid(a) || !cap.Valid(b) || a.total() != b.total())
		return false;
	std::size_t n = std::min(a.times.size(), b.times.size());
	return std::equal(a.times.begin(), a.times.begin() + static_cast<std::ptrdiff_t>(n), b.times.begin());
}

} // namespace

std::vector<std::string> DiffLeadState(const CompiledModel &model, const LeadState &actual, const Recomputed &expected,
                                       std::int64_t now) {
	std::vector<std::string> diff;
	const LeadState &want = expected.state;
	const double unit = model.decay().Weight(now);
	// The stored state holds the silence scorings that fell due since it
	// was written as pending; the recompute (at `now`) has them in its sums.
	LeadState got_state = actual;
	FoldPending(&got_state, now);
	if (!Close(got_state.stored, want.stored, expected.magnitude, unit))
		diff.push_back("stored");
	if (!Close(got_state.momentum, want.momentum, expected.momentum_magnitude, model.momentum().Weight(now)))
		diff.push_back("momentum");
	for (std::size_t s = 0; s < model.stage_count(); s++) {
		double got = s < got_state.stage_stored.size() ? got_state.stage_stored[s] : 0.0;
		if (!Close(got, want.stage_stored[s], expected.stage_magnitude[s], unit))
			diff.push_back("stage \"" + model.spec().stages[s] + "\"");
	}
	if (actual.activity_count != want.activity_count)
		diff.push_back("activity_count");
	if (actual.last_activity_at != want.last_activity_at)
		diff.push_back("last_activity_at");
	for (std::size_t c = 0; c < model.capped_rules().size(); c++) {
		const CompiledRule &rule = model.rule(model.capped_rules()[c]);
		CapRule cap(rule.spec.max_count, rule.spec.points, model.decay());
		if (c >= actual.caps.size() || !SameWindow(cap, actual.caps[c], want.caps[c]))
			diff.push_back("cap window of rule \"" + rule.spec.name + "\"");
	}
	bool same_pending = got_state.pending.size() == want.pending.size();
	for (std::size_t k = 0; same_pending && k < want.pending.size(); k++)
		same_pending = got_state.pending[k].at == want.pending[k].at &&
		               got_state.pending[k].stage == want.pending[k].stage &&
		               Close(got_state.pending[k].stored, want.pending[k].stored, 0, unit);
	if (!same_pending)
		diff.push_back("pending silence scorings");
	return diff;
}

} // namespace leadscore::core
