// One statement's activity changes, scored in one pass.  See
// ingest_batch.hpp for the protocol with the glue.
#include "core/ingest/ingest_batch.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace leadscore::core {

namespace {

// Starts loading the cache line at `p` for writing; a hint, nothing more.
void PrefetchForWrite(const void *p) noexcept {
#if defined(__GNUC__)
	__builtin_prefetch(p, 1);
#else
	(void)p;
#endif
}

} // namespace

void ModelBatch::Clear() {
	// Only the touched accumulators are set: reset those, so a statement
	// costs what it touched, not the largest lead index seen.
	for (std::uint32_t lead : touched_) {
		acc_[lead].activity_count = kUntouched;
		if (stage_count_ > kInlineStages)
			std::fill_n(extra_stages_.begin() + static_cast<std::ptrdiff_t>(lead * stage_count_), stage_count_, 0.0);
	}
	touched_.clear();
	raw_hits_.clear();
	window_hits_.clear();
	leads_.clear();
	stages_.clear();
	runs_.clear();
	hits_.clear();
}

ModelBatch::Accumulator &ModelBatch::Touch(std::uint32_t lead) {
	if (lead >= acc_.size()) {
		std::size_t size = std::max<std::size_t>(std::size_t{lead} + 1, acc_.size() * 2);
		acc_.resize(size, Accumulator{kUntouched, 0.0, 0.0, kNoTime, kNoTime, {0.0, 0.0, 0.0}});
		if (stage_count_ > kInlineStages)
			extra_stages_.resize(size * stage_count_, 0.0);
	}
	Accumulator &a = acc_[lead];
	if (a.activity_count == kUntouched) {
		a = Accumulator{0, 0.0, 0.0, kNoTime, kNoTime, {0.0, 0.0, 0.0}};
		touched_.push_back(lead);
	}
	return a;
}

void ModelBatch::Prefetch(std::uint32_t lead) const noexcept {
	if (lead < acc_.size())
		PrefetchForWrite(&acc_[lead]);
}

void ModelBatch::Finish() {
	std::sort(touched_.begin(), touched_.end());
	leads_.clear();
	stages_.clear();
	leads_.reserve(touched_.size());
	stages_.reserve(touched_.size() * stage_count_);
	for (std::uint32_t lead : touched_) {
		const Accumulator &a = acc_[lead];
		LeadDelta d;
		d.lead = lead;
		d.activity_count = a.activity_count;
		d.stored = a.stored;
		d.momentum = a.momentum;
		d.max_inserted_at = a.max_inserted_at;
		d.max_deleted_at = a.max_deleted_at;
		leads_.push_back(d);
		const double *first = StagesOf(lead);
		stages_.insert(stages_.end(), first, first + stage_count_);
	}
	FinishHits();
	FinishWindows();

	for (std::size_t i = 0; i < leads_.size(); i++) {
		LeadDelta &d = leads_[i];
		const double *stages = stage_deltas(i);
		d.noop = d.activity_count == 0 && d.stored == 0 && d.momentum == 0 && d.caps_begin == d.caps_end && !d.window &&
		         d.max_inserted_at == d.max_deleted_at &&
		         std::all_of(stages, stages + stage_count_, [](double x) { return x == 0; });
	}
}

// Sorts `hits` by (lead, cap, time) and calls visit(hit, net) for each
// (lead, cap, time) whose signs do not cancel, in that order: an UPDATE that
// keeps a row's time and match changes nothing.
template <typename Visit>
void ModelBatch::ForEachNetHit(std::vector<RawHit> *hits, Visit visit) {
	std::sort(hits->begin(), hits->end(), [](const RawHit &a, const RawHit &b) {
		return std::tie(a.lead, a.cap, a.at) < std::tie(b.lead, b.cap, b.at);
	});
	for (std::size_t k = 0; k < hits->size();) {
		const RawHit &h = (*hits)[k];
		std::int64_t net = 0;
		std::size_t j = k;
		for (; j < hits->size() && (*hits)[j].lead == h.lead && (*hits)[j].cap == h.cap && (*hits)[j].at == h.at;
		     j++)
			net += (*hits)[j].sign;
		if (net != 0)
			visit(h, net);
		k = j;
	}
}

// Nets the cap hits and hands each lead its runs.  Both leads_ and the runs
// are ordered by lead, so one merge assigns them.
void ModelBatch::FinishHits() {
	std::vector<std::uint32_t> &run_lead = run_lead_;
	run_lead.clear();
	ForEachNetHit(&raw_hits_, [&](const RawHit &h, std::int64_t net) {
		bool new_run = runs_.empty() || run_lead.back() != h.lead || runs_.back().cap != h.cap;
		if (new_run) {
			auto at = static_cast<std::uint32_t>(hits_.size());
			runs_.push_back(CapRun{h.cap, at, at});
			run_lead.push_back(h.lead);
		}
		hits_.push_back(CapHit{h.at, static_cast<std::int32_t>(net)});
		runs_.back().hits_end = static_cast<std::uint32_t>(hits_.size());
	});

	std::size_t r = 0;
	for (LeadDelta &d : leads_) {
		d.caps_begin = static_cast<std::uint32_t>(r);
		while (r < runs_.size() && run_lead[r] == d.lead)
			r++;
		d.caps_end = static_cast<std::uint32_t>(r);
	}
}

// Marks the leads whose window rules' matching times changed: hits per rule
// (cap holds the rule), so a row that moves from one window rule to
// another at its time changes both.
void ModelBatch::FinishWindows() {
	std::size_t d = 0;
	ForEachNetHit(&window_hits_, [&](const RawHit &h, std::int64_t) {
		while (leads_[d].lead != h.lead)
			d++;
		leads_[d].window = true;
	});
}

IngestBatch::IngestBatch(const IngestPlan &plan, CancelCheck cancel)
    : plan_(plan), cancel_(std::move(cancel)), models_(plan.model_count()), memo_row_(plan.condition_count(), 0),
      memo_value_(plan.condition_count(), 0) {
	for (std::size_t m = 0; m < models_.size(); m++)
		models_[m].stage_count_ = plan.model(m).stage_count();
}

void IngestBatch::Reset() {
	for (ModelBatch &mb : models_)
		mb.Clear();
	stats_ = IngestStats();
	since_check_ = 0;
}

bool IngestBatch::ConditionTrue(std::int32_t c, const Value *row) {
	auto k = static_cast<std::size_t>(c);
	if (memo_row_[k] != row_number_) {
		memo_row_[k] = row_number_;
		memo_value_[k] = plan_.condition(k).Evaluate(row, plan_.column_count()) == Tri::True;
	}
	return memo_value_[k] != 0;
}

void IngestBatch::Add(std::uint32_t lead, std::string_view type, std::int64_t occurred_at, const Value *row,
                      RowChange change) {
	if (++since_check_ >= kCancelCheckInterval) {
		since_check_ = 0;
		ThrowIfCancelled(cancel_);
	}
	const bool inserted = change == RowChange::Inserted;

	std::uint32_t type_id = plan_.FindType(type);
	if (type_id == TypeIndex::kNotFound) {
		if (inserted)
			stats_.unknown_type++;
		return;
	}
	// A new row number invalidates every memoized condition at once; on
	// wrap-around (after 4 billion rows) clear the memo for real.
	if (++row_number_ == 0) {
		std::fill(memo_row_.begin(), memo_row_.end(), 0);
		row_number_ = 1;
	}

	const double sign = inserted ? 1.0 : -1.0;
	const std::int32_t sign_count = inserted ? 1 : -1;
	std::uint32_t model = UINT32_MAX;
	ModelBatch *mb = nullptr;
	ModelBatch::Accumulator *delta = nullptr;
	double *stages = nullptr;
	double weight = 0;
	double momentum_weight = 0;
	for (const IngestPlan::Target *t = plan_.targets_begin(type_id); t != plan_.targets_end(type_id); ++t) {
		if (t->condition >= 0 && !ConditionTrue(t->condition, row))
			continue;
		if (t->response) {
			ModelBatch &answered = models_[t->model];
			answered.Touch(lead);
			// Netted apart from the rule's sends: an UPDATE that turns a
			// send into a response at the same time (or back) takes one
			// and adds the other, and under one key they would cancel,
			// leaving the lead with the send's scoring.
			answered.window_hits_.push_back(
			    ModelBatch::RawHit{lead, t->rule | ModelBatch::kResponseHit, occurred_at, sign_count});
			continue;
		}
		if (t->model != model) {
			// The row's first matching rule in this model: it counts once
			// as an activity of the lead, with the model's weight.
			model = t->model;
			mb = &models_[model];
			delta = &mb->Touch(lead);
			stages = mb->StagesOf(lead);
			weight = plan_.model(model).decay().Weight(occurred_at);
			momentum_weight = plan_.model(model).momentum().Weight(occurred_at);
			delta->activity_count += sign_count;
			std::int64_t &newest = inserted ? delta->max_inserted_at : delta->max_deleted_at;
			newest = std::max(newest, occurred_at);
			if (!inserted && delta->max_inserted_at != kNoTime && occurred_at >= delta->max_inserted_at)
				delta->max_inserted_at = kNewestUnknown;
		}
		if (t->cap >= 0) {
			mb->raw_hits_.push_back(
			    ModelBatch::RawHit{lead, static_cast<std::uint32_t>(t->cap), occurred_at, sign_count});
			continue;
		}
		if (t->window) {
			mb->window_hits_.push_back(ModelBatch::RawHit{lead, t->rule, occurred_at, sign_count});
			continue;
		}
		double points = t->points;
		if (t->expression != nullptr && !UsablePoints(t->expression->Evaluate(row, plan_.column_count()), &points)) {
			if (inserted)
				stats_.points_unscored++;
			continue;
		}
		double x = sign * points * weight;
		delta->stored += x;
		delta->momentum += sign * points * momentum_weight;
		if (t->stage >= 0)
			stages[t->stage] += x;
	}
}

void IngestBatch::Prefetch(std::uint32_t lead) const noexcept {
	for (const ModelBatch &mb : models_)
		mb.Prefetch(lead);
}

void IngestBatch::Finish() {
	for (ModelBatch &mb : models_)
		mb.Finish();
}

namespace {

// last_activity_at after the statement.  Returns false when it cannot be
// known without the history: the newest activity was deleted and nothing as
// new came in.
bool NewLastActivity(std::int64_t old_last, const LeadDelta &d, std::int64_t *result) {
	if (d.max_inserted_at == kNewestUnknown)
		return false;
	if (d.max_inserted_at != kNoTime && d.max_inserted_at >= old_last) {
		*result = d.max_inserted_at; // newer than everything that was there
		return true;
	}
	if (d.max_deleted_at == kNoTime || d.max_deleted_at < old_last) {
		*result = old_last; // the newest is still there
		return true;
	}
	return false;
}

// A sum that a deletion shrank by more than this factor is recomputed: the
// deleted terms leave a rounding residue of about 1e-16 of themselves,
// which must stay well inside verify()'s tolerance (kVerifyTolerance, 1e-9)
// of what is left.  (A deal worth 1e10 deleted beside one worth 0.1 left
// 0.10000038.)
constexpr double kCancellation = 1e-6;

bool Cancelled(double before, double after) {
	return after != 0 && std::fabs(after) < kCancellation * std::fabs(before);
}

bool SumCancelled(double old_stored, const std::vector<double> &old_stages, const LeadState &state) {
	if (Cancelled(old_stored, state.stored))
		return true;
	for (std::size_t s = 0; s < old_stages.size(); s++)
		if (Cancelled(old_stages[s], state.stage_stored[s]))
			return true;
	return false;
}

void Reload(ApplyOutcome *out, ReloadCause cause) {
	if (!out->needs_reload)
		out->cause = cause;
	out->needs_reload = true;
}

} // namespace

ApplyOutcome ApplyLeadDelta(const CompiledModel &model, const ModelBatch &batch, std::size_t i, LeadState *state) {
	ApplyOutcome out;
	const LeadDelta &d = batch.leads()[i];
	if (d.window) {
		Reload(&out, ReloadCause::WindowRule);
		return out;
	}
	if (state->stage_stored.size() != model.stage_count() || state->caps.size() != model.capped_rules().size()) {
		Reload(&out, ReloadCause::ModelChanged);
		return out;
	}

	const std::int64_t old_last = state->last_activity_at;
	// Only a deletion can cancel a sum: only then are the sums kept.
	const bool deleting = d.max_deleted_at != kNoTime;
	const double old_stored = state->stored;
	const double old_momentum = state->momentum;
	std::vector<double> old_stages;
	if (deleting)
		old_stages = state->stage_stored;
	state->activity_count += d.activity_count;
	state->stored += d.stored;
	state->momentum += d.momentum;
	const double *stage_deltas = batch.stage_deltas(i);
	for (std::size_t s = 0; s < model.stage_count(); s++)
		state->stage_stored[s] += stage_deltas[s];

	for (std::uint32_t r = d.caps_begin; r < d.caps_end; r++) {
		const CapRun &run = batch.cap_runs()[r];
		const CompiledRule &rule = model.rule(model.capped_rules()[run.cap]);
		CapRule cap(rule.spec.max_count, rule.spec.points, model.decay());
		CapRule momentum(rule.spec.max_count, rule.spec.points, model.momentum());
		const double momentum_before = momentum.Contribution(state->caps[run.cap]);
		CapApplyResult applied =
		    cap.Apply(&state->caps[run.cap], batch.cap_hits().data() + run.hits_begin, run.hits_end - run.hits_begin);
		if (applied.needs_reload) {
			Reload(&out, applied.out_of_step ? ReloadCause::OutOfStep : ReloadCause::CapWindowShort);
			continue;
		}
		state->stored += applied.delta;
		state->momentum += momentum.Contribution(state->caps[run.cap]) - momentum_before;
		if (rule.spec.stage != kNoStage)
			state->stage_stored[static_cast<std::size_t>(rule.spec.stage)] += applied.delta;
	}

	if (state->activity_count < 0) {
		Reload(&out, ReloadCause::OutOfStep);
	} else if (state->activity_count == 0) {
		// No activity left: the sums are exactly 0, not the rounding residue
		// of adding and subtracting the same terms, and no window may hold
		// anything.
		for (const CapWindow &w : state->caps)
			if (w.total() != 0)
				Reload(&out, ReloadCause::OutOfStep);
		state->stored = 0;
		state->momentum = 0;
		std::fill(state->stage_stored.begin(), state->stage_stored.end(), 0.0);
		state->last_activity_at = kNoTime;
	} else if (!NewLastActivity(old_last, d, &state->last_activity_at)) {
		Reload(&out, ReloadCause::NewestDeleted);
	} else if (deleting && (SumCancelled(old_stored, old_stages, *state) || Cancelled(old_momentum, state->momentum))) {
		Reload(&out, ReloadCause::Cancellation);
	}
	return out;
}

} // namespace leadscore::core
