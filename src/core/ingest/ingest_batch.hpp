// One statement's activity changes, scored in one pass (docs/design.md,
// "One statement, step by step").
//
// The statement-level trigger hands every row of its transition table(s) to
// Add(): a lead (the glue's dense index for the lead key), the activity type,
// occurred_at, the row's values and whether the row was inserted or deleted.
// Add() looks the type up once for all models, evaluates each distinct
// condition at most once and adds the row's contribution to per (model, lead)
// accumulators; capped rules record hits instead, since their contribution
// depends on the lead's other activities (cap_window.hpp).  Finish() orders
// the results by lead.  Nothing on this path allocates per row once the
// vectors have grown to the statement's size; a batch kept by the glue and
// Reset() per statement allocates nothing at all after the first statements.
//
// What the glue does with it, per statement (the glue reads its transition
// tables, converts plan.columns_used() columns to Values, skips and counts
// rows with a NULL lead, type or time, and never lets those reach Add()):
//
//   INSERT   Add(..., Inserted) for each NEW TABLE row; Finish()
//   DELETE   Add(..., Deleted) for each OLD TABLE row; Finish()
//   UPDATE   Add(..., Deleted) for each OLD TABLE row and Add(..., Inserted)
//            for each NEW TABLE row into the same batch; Finish().  A row
//            whose scoring columns did not change cancels out: its leads
//            come out with noop set, and the glue writes nothing for them.
//
// then for each model m and each LeadDelta d of model(m).leads() without
// d.noop, in the order of the lead keys (sorted keys: no deadlocks):
//
//   1. lock and read the lead's LeadState (a new lead: LeadState::Clear);
//      the cap windows are needed only when d.caps_begin != d.caps_end
//   2. ApplyLeadDelta(model, batch.model(m), i, &state)
//   3. if it says needs_reload: re-read the lead's activity history (after
//      the lock, with a snapshot taken after it, so no concurrent change is
//      counted twice or missed) into a LeadRecompute and take its state
//   4. write the state back (one sorted multi-row upsert per model); compare
//      StatusAt / StageAt before and after for events
//
// A delta with no cap hits, no window rule's rows and no deleted rows
// (d.caps_begin == d.caps_end, !d.window, d.max_deleted_at == kNoTime: every
// lead of a plain INSERT into uncapped rules) needs no read: the glue may upsert it blind, in SQL,
//   stored += d.stored, momentum += d.momentum, stage_stored[s] += stage_deltas(i)[s],
//   activity_count += d.activity_count,
//   last_activity_at = greatest(last_activity_at, d.max_inserted_at)
// which is exactly what ApplyLeadDelta would do.  Everything else goes
// through steps 1-4.
//
// Re-basing a model's epoch (tick(), Decay::NeedsRebase) multiplies stored
// and every stage_stored by Decay::RebaseFactor, momentum by the momentum
// decay's, and builds a new plan; cap
// windows hold absolute times and stay as they are.
//
// Times are PostgreSQL's: '-infinity' is INT64_MIN, which reads as kNoTime in
// last_activity_at; the glue may rather skip infinite times as bad data.
//
// One batch serves one statement at a time: a trigger that fires inside
// another statement's trigger needs a batch of its own.
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/base/value.hpp"
#include "core/ingest/ingest_plan.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/cap_window.hpp"

#include <cstddef>
#include <climits>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace leadscore::core {

enum class RowChange : std::int8_t { Deleted = -1, Inserted = 1 };

// Per statement, for leadscore.stats (through the ingest log).
struct IngestStats {
	std::int64_t unknown_type = 0; // inserted rows whose type no rule of any model names
	// Inserted rows a rule matched whose points_expression had no usable
	// value (NULL, not finite, a division by zero): they score nothing there.
	std::int64_t points_unscored = 0;
};

// The hits of one capped rule for one lead: cap_hits()[hits_begin, hits_end),
// ordered by time, equal times netted (an UPDATE that keeps the time cancels).
struct CapRun {
	std::uint32_t cap; // index among the model's capped rules
	std::uint32_t hits_begin;
	std::uint32_t hits_end;
};

constexpr std::int64_t kNewestUnknown = std::numeric_limits<std::int64_t>::max();

// What one statement changes for one lead in one model.
struct LeadDelta {
	std::uint32_t lead = 0;
	// Net change of the rows matching at least one rule of the model.
	std::int64_t activity_count = 0;
	// sum(sign * points * Weight(occurred_at)) over the uncapped rules'
	// matches; capped rules' changes come from their windows.
	double stored = 0;
	// The same with the momentum weight (LeadState::momentum).
	double momentum = 0;
	// Newest occurred_at of a matching inserted / deleted row; kNoTime: none.
	// kNewestUnknown: a row as new as the newest inserted one was deleted
	// after it, maybe that very row (a replicated transaction's batch may
	// insert a row and then update or delete it): the newest left is known
	// only from the history.
	std::int64_t max_inserted_at = kNoTime;
	std::int64_t max_deleted_at = kNoTime;
	// This lead's cap runs: ModelBatch::cap_runs()[caps_begin, caps_end).
	std::uint32_t caps_begin = 0;
	std::uint32_t caps_end = 0;
	// A frequency window rule's matching times changed (net of the rows
	// that cancel out): only the lead's history tells what it scores now.
	bool window = false;
	// Nothing to write: every change cancelled out.
	bool noop = false;
};

// One model's share of a batch.  Valid after IngestBatch::Finish(), until the
// next Reset().
class ModelBatch {
public:
	// The touched leads, ordered by lead index.
	const std::vector<LeadDelta> &leads() const noexcept {
		return leads_;
	}
	// The per-stage deltas of leads()[i] (uncapped rules with a stage),
	// stage_count() values.
	const double *stage_deltas(std::size_t i) const noexcept {
		return stages_.data() + i * stage_count_;
	}
	std::size_t stage_count() const noexcept {
		return stage_count_;
	}
	const std::vector<CapRun> &cap_runs() const noexcept {
		return runs_;
	}
	const std::vector<CapHit> &cap_hits() const noexcept {
		return hits_;
	}

private:
	friend class IngestBatch;

	struct RawHit {
		std::uint32_t lead;
		std::uint32_t cap;
		std::int64_t at;
		std::int32_t sign;
	};

	// What a lead's rows add up to while the batch is read, with the first
	// kInlineStages stage deltas, in one cache line, at the lead's index:
	// rows come in random lead order, and a bulk load's pass costs what its
	// cache misses cost, one line per row.  (Memory: 64 bytes per lead index
	// up to the largest one the model touched.)
	static constexpr std::size_t kInlineStages = 3;
	// activity_count of a lead no row has touched yet.
	static constexpr std::int64_t kUntouched = INT64_MIN;
	struct alignas(64) Accumulator {
		std::int64_t activity_count;
		double stored;
		double momentum;
		std::int64_t max_inserted_at;
		std::int64_t max_deleted_at;
		double stages[kInlineStages];
	};
	static_assert(sizeof(Accumulator) == 64, "one cache line per lead");

	void Clear();
	Accumulator &Touch(std::uint32_t lead);
	double *StagesOf(std::uint32_t lead) noexcept {
		return stage_count_ <= kInlineStages ? acc_[lead].stages : extra_stages_.data() + lead * stage_count_;
	}
	void Prefetch(std::uint32_t lead) const noexcept;
	void Finish();
	template <typename Visit>
	static void ForEachNetHit(std::vector<RawHit> *hits, Visit visit);
	void FinishHits();
	void FinishWindows();

	std::size_t stage_count_ = 0;
	// Accumulating: per lead index, its accumulator (stage deltas in
	// extra_stages_ when there are more than kInlineStages); the leads
	// touched, in the order they were first touched; raw cap hits.
	std::vector<Accumulator> acc_;
	std::vector<double> extra_stages_;
	std::vector<std::uint32_t> touched_;
	std::vector<RawHit> raw_hits_;
	// cap: the window or silence rule's index in its model; a silence
	// rule's responses with kResponseHit set.
	std::vector<RawHit> window_hits_;
	static constexpr std::uint32_t kResponseHit = 1u << 31;
	std::vector<std::uint32_t> run_lead_; // FinishHits(): lead of each run
	// Finished.
	std::vector<LeadDelta> leads_;
	std::vector<double> stages_;
	std::vector<CapRun> runs_;
	std::vector<CapHit> hits_;
};

class IngestBatch {
public:
	// `plan` must outlive the batch.  `cancel` is polled every
	// kCancelCheckInterval rows; when it returns true, Add() throws
	// Error(Cancelled).
	explicit IngestBatch(const IngestPlan &plan, CancelCheck cancel = {});

	// Empties the batch for the next statement, keeping its memory.
	void Reset();

	// One row.  `lead` is a dense index (the glue maps lead keys to
	// 0..L-1; memory grows with the largest index); `row` has
	// plan.column_count() values, of which only plan.columns_used() are
	// read.  Text values need to live only for the call.  Never throws for
	// the row's data: an unknown type is counted and skipped, a condition
	// that cannot be decided (NULLs) does not match.
	void Add(std::uint32_t lead, std::string_view type, std::int64_t occurred_at, const Value *row,
	         RowChange change);

	// A hint that a row of `lead` comes soon: starts loading what Add() will
	// touch for it into the cache.  Changes nothing.
	void Prefetch(std::uint32_t lead) const noexcept;

	// Orders the results by lead and nets the cap hits.  Call once, after the
	// last Add().
	void Finish();

	const IngestStats &stats() const noexcept {
		return stats_;
	}
	const ModelBatch &model(std::size_t m) const noexcept {
		return models_[m];
	}

private:
	bool ConditionTrue(std::int32_t c, const Value *row);

	const IngestPlan &plan_;
	CancelCheck cancel_;
	std::uint32_t since_check_ = 0;
	IngestStats stats_;
	std::vector<ModelBatch> models_;
	// A condition's result for the current row is memo_value_[c] when
	// memo_row_[c] == row_number_.
	std::vector<std::uint32_t> memo_row_;
	std::vector<std::uint8_t> memo_value_;
	std::uint32_t row_number_ = 0;
};

// Why a lead's state must be re-read from history.  The first two are by
// design and rare; the last two mean the state was out of step with the
// history (a bug, or a state written for another version of the model) and
// the reload repairs it.
enum class ReloadCause : std::uint8_t {
	None,
	NewestDeleted,  // the newest matching activity went, nothing as new came
	CapWindowShort, // more than the reserve of a cap window's times went
	WindowRule,     // a frequency window rule's matching times changed
	Cancellation,   // a deletion took away nearly all of a sum: its rounding would show
	ModelChanged,   // the state has another number of stages or capped rules
	OutOfStep,      // negative count, a window that disagrees with the hits
};

struct ApplyOutcome {
	// Re-read the lead's history into a LeadRecompute and write its state;
	// the state passed in is then unspecified.
	bool needs_reload = false;
	ReloadCause cause = ReloadCause::None; // the first cause found
};

// Applies model(m).leads()[i] to the lead's state `state` (as stored, or
// LeadState::Clear()ed for a new lead).  `model` is the plan's model(m).
ApplyOutcome ApplyLeadDelta(const CompiledModel &model, const ModelBatch &batch, std::size_t i, LeadState *state);

} // namespace leadscore::core
