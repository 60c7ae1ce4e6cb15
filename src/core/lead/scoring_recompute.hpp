// A lead's state in one model, recomputed from scratch from its activity
// history: the reference the incremental path must equal.
//
// The glue uses it for
//   verify()   recompute each lead from the attached table and report the
//              leads where DiffLeadState() finds a difference;
//   rescore()  recompute every lead after a rule change and write the states;
//   reloads    when ApplyLeadDelta() says needs_reload;
//   explain()  the per-rule tallies: activities counted, raw points
//              (points * counted), points now (Decay::Current(stored, now)).
//
// Usage per lead: Reset(); AddLedger() (or SetCountsFrom() and
// AddAdjustment()) when the lead has rows in leadscore.adjustments; Add()
// every activity row of the lead (any order; rows of unknown types are
// ignored); Finish().  One LeadRecompute serves
// many leads and keeps its memory between them.
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/base/value.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

// verify() tolerance.  The stored sum is one float8 that gets one addition
// per change, and each may round at the scale of the sum at that moment: a
// lead whose large recent activities were deleted keeps a residue of about
// 1e-16 of them, which no recompute can know.  So sums compare within a
// relative kVerifyTolerance of their magnitude, or of one point at the time
// of the check, whichever is larger: a difference below a billionth of a
// point today is no difference.
constexpr double kVerifyTolerance = 1e-9;

struct RuleTally {
	std::int64_t matched = 0; // the lead's activities matching the rule
	// Of those, the ones that count (capped: the N most recent); for a
	// frequency window, the times it scored.
	std::int64_t counted = 0;
	double stored = 0;        // their stored (epoch-relative) points
	double raw = 0;           // their points, not decayed
};

// One row of leadscore.adjustments: a manual adjustment of `points` at
// `at`, or (reset) the time from which the lead's history counts again.
struct LedgerEntry {
	std::int64_t at;
	double points;
	bool reset;
};

struct Recomputed {
	LeadState state;
	std::vector<RuleTally> rules; // one per rule of the model
	std::int64_t adjustments = 0;   // the adjustments that count
	double adjusted = 0;            // their stored points
	double adjusted_raw = 0;        // their points, not decayed
	// sum(|stored term|): the scale of the rounding in state.stored, and the
	// same per stage.
	double magnitude = 0;
	std::vector<double> stage_magnitude;
	double momentum_magnitude = 0; // the same for state.momentum
};

class LeadRecompute {
public:
	// `model` must outlive this object.
	explicit LeadRecompute(const CompiledModel &model, CancelCheck cancel = {});

	void Reset();
	// One activity row of the lead; `row` has model.schema().size() values.
	void Add(std::string_view type, std::int64_t occurred_at, const Value *row);
	// The same, for a model fed by several attached tables: `table_model` is
	// the same ModelSpec compiled against the row's table.
	void Add(const CompiledModel &table_model, std::string_view type, std::int64_t occurred_at, const Value *row);
	// The time the state is computed for: a silence scoring later than this
	// is pending (LeadState::pending), not in the sums.  Default: the end of
	// time, every scoring in the sums.
	void SetNow(std::int64_t now) noexcept {
		now_ = now;
	}
	// A reset at `from`: rows and adjustments dated before it are ignored.
	// Set before adding them (Reset() clears it).
	void SetCountsFrom(std::int64_t from) noexcept {
		counts_from_ = from;
	}
	// A manual adjustment: `points` scored at `at`, in the total only (no
	// stage, no activity).
	void AddAdjustment(std::int64_t at, double points);
	// The lead's ledger rows dated up to `as_of` (a backtest's time; the end
	// of time: all): the latest reset among them, then the adjustments.
	void AddLedger(const std::vector<LedgerEntry> &entries,
	               std::int64_t as_of = std::numeric_limits<std::int64_t>::max());
	// The state of the rows added since Reset().
	void Finish(Recomputed *out);

private:
	void AddPoints(const CompiledModel &table_model, std::uint32_t r, std::int64_t occurred_at, const Value *row);
	void SilenceTally(const CompiledRule &rule, RuleTally *tally, LeadState *state);

	const CompiledModel &model_;
	CancelCheck cancel_;
	std::uint32_t since_check_ = 0;
	// Per uncapped rule: sum of Weight(t) (constant points) or of
	// points * Weight(t) (a points expression), and of the raw points.
	std::vector<CompensatedSum> weights_;
	std::vector<CompensatedSum> momentum_;          // the same with the momentum weight
	std::vector<CompensatedSum> raw_;
	std::vector<double> scale_;                     // per points expression: sum |points * Weight(t)|
	std::vector<double> momentum_scale_;            // the same with the momentum weight
	std::vector<std::int64_t> matched_;             // per rule
	std::vector<std::int64_t> unscored_;            // per rule: matched, no usable points
	std::vector<std::vector<std::int64_t>> times_;  // per capped rule: every matching time
	std::vector<std::vector<std::int64_t>> window_times_; // per window rule: every matching time
	std::vector<std::vector<std::int64_t>> sends_;     // per silence rule: its type's times
	std::vector<std::vector<std::int64_t>> responses_; // per silence rule: its response types' times
	std::int64_t now_ = std::numeric_limits<std::int64_t>::max();
	std::int64_t counts_from_ = std::numeric_limits<std::int64_t>::min();
	CompensatedSum adjusted_;
	CompensatedSum adjusted_raw_;
	CompensatedSum adjusted_momentum_;
	double adjusted_scale_ = 0;
	double adjusted_momentum_scale_ = 0;
	std::int64_t adjustments_ = 0;
	std::vector<std::int64_t> scorings_;            // Finish(): one window rule's scoring times
	std::int64_t activity_count_ = 0;
	std::int64_t last_activity_at_ = kNoTime;
};

// The fields in which `actual` (the state as stored) differs from `expected`
// (a Finish()ed recompute of the same lead): "stored", "momentum", "stage \"name\"",
// "activity_count", "last_activity_at", "cap window of rule \"name\"".
// Empty: consistent.  Sums compare within kVerifyTolerance at `now` (the
// time of the check, us since the Unix epoch); cap windows
// compare as what they mean (the same number of matching activities, and the
// same newest times as far as both hold them), since a window that lost
// times to deletions is as right as a freshly rebuilt, fuller one.
std::vector<std::string> DiffLeadState(const CompiledModel &model, const LeadState &actual, const Recomputed &expected,
                                       std::int64_t now);

} // namespace leadscore::core
