// A lead's score over time.  See score_series.hpp.
#include "core/insight/score_series.hpp"

#include "core/lead/scoring_recompute.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/decay.hpp"

#include <algorithm>
#include <limits>

namespace leadscore::core {

std::string_view LeadTimeline::Keep(std::string_view text) {
	texts_.emplace_back(text);
	return texts_.back();
}

void LeadTimeline::Add(std::size_t table, std::string_view type, std::int64_t at, const Value *row,
                       std::size_t columns) {
	rows_.push_back(Row{table, at, Keep(type), values_.size()});
	for (std::size_t c = 0; c < columns; c++) {
		Value v = row[c];
		if (v.type == ValueType::Text)
			v.text = Keep(v.text);
		values_.push_back(v);
	}
}

namespace {

// The end of the run of steps that starts at times[first]: the steps up to
// kRebaseExponent half-lives later (every step, without decay).
std::size_t RunEnd(const Decay &decay, const std::vector<std::int64_t> &times, std::size_t first) {
	std::size_t end = first + 1;
	if (!decay.decays())
		return times.size();
	while (end < times.size() &&
	       static_cast<double>(times[end] - times[first]) <= kRebaseExponent * decay.half_life_us())
		end++;
	return end;
}

} // namespace

std::vector<ScorePoint> ScoreSeries(const ModelSpec &model, const std::vector<Schema> &schemas,
                                    const LeadTimeline &timeline, const std::vector<std::int64_t> &times,
                                    std::optional<GradeRank> grade, const CancelCheck &cancel) {
	std::vector<ScorePoint> out;
	out.reserve(times.size());
	if (schemas.empty()) {
		// No attached activity table: no history, every score 0.
		for (std::int64_t at : times)
			out.push_back(ScorePoint{at, 0, StatusAt(model, 0, at, grade), BandAt(model, 0, at)});
		return out;
	}
	std::vector<const LeadTimeline::Row *> order;
	order.reserve(timeline.rows().size());
	for (const LeadTimeline::Row &row : timeline.rows())
		order.push_back(&row);
	std::stable_sort(order.begin(), order.end(),
	                 [](const LeadTimeline::Row *x, const LeadTimeline::Row *y) { return x->at < y->at; });
	std::vector<LedgerEntry> adjustments, resets;
	for (const LedgerEntry &e : timeline.ledger())
		(e.reset ? resets : adjustments).push_back(e);
	auto by_time = [](const LedgerEntry &x, const LedgerEntry &y) { return x.at < y.at; };
	std::sort(adjustments.begin(), adjustments.end(), by_time);
	std::sort(resets.begin(), resets.end(), by_time);
	// The time from which rows count at `at`: its latest reset's.
	auto counts_from = [&](std::int64_t at) {
		std::int64_t from = std::numeric_limits<std::int64_t>::min();
		for (const LedgerEntry &e : resets)
			if (e.at <= at)
				from = e.at;
		return from;
	};
	Decay decay(model.half_life_us, model.epoch_us);
	Recomputed result;
	for (std::size_t first = 0; first < times.size();) {
		std::size_t end = RunEnd(decay, times, first);
		ModelSpec spec = model;
		spec.epoch_us = times[end - 1];
		std::vector<CompiledModel> compiled;
		for (const Schema &schema : schemas)
			compiled.push_back(CompiledModel::Compile(spec, schema));
		LeadRecompute recompute(compiled[0], cancel);
		recompute.Reset();
		std::size_t next = 0, next_adjustment = 0;
		std::int64_t from = std::numeric_limits<std::int64_t>::min();
		bool finished = false;
		for (std::size_t k = first; k < end; k++) {
			ThrowIfCancelled(cancel);
			// A reset passed since the last step: the lead starts over.
			if (std::int64_t f = counts_from(times[k]); f != from) {
				from = f;
				recompute.Reset();
				recompute.SetCountsFrom(from);
				next = next_adjustment = 0;
				finished = false;
			}
			bool added = false;
			for (; next < order.size() && order[next]->at <= times[k]; next++) {
				const LeadTimeline::Row &row = *order[next];
				recompute.Add(compiled[row.table], row.type, row.at, timeline.values(row));
				added = true;
			}
			for (; next_adjustment < adjustments.size() && adjustments[next_adjustment].at <= times[k];
			     next_adjustment++) {
				recompute.AddAdjustment(adjustments[next_adjustment].at, adjustments[next_adjustment].points);
				added = true;
			}
			// Without new rows the last state holds: only its silence
			// scorings that fell due since are added.  So a long series
			// recomputes once per step that brings rows, not once per step.
			if (added || !finished) {
				recompute.SetNow(times[k]);
				recompute.Finish(&result);
				finished = true;
			} else {
				FoldPending(&result.state, times[k]);
			}
			double stored = result.state.stored;
			// "+ 0.0": the -0 of no activity times negative points reads 0.
			out.push_back(ScorePoint{times[k], CurrentScore(spec, stored, times[k]) + 0.0,
			                         StatusAt(spec, stored, times[k], grade), BandAt(spec, stored, times[k])});
		}
		first = end;
	}
	return out;
}

} // namespace leadscore::core
