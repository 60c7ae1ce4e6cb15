// evaluate(model, as_of, horizon): did the leads the model rated highly at
// `as_of` convert more often within `horizon` than the rest?  (docs/
// design.md, "Calibration and evaluation".)
//
// Population and labels:
//   * Scores are those the model gives each lead from its history up to and
//     including `as_of` (occurred_at <= as_of), decayed to `as_of` and
//     clamped at max_score: scores as they stood then, not today's.
//   * The population is every lead with at least one activity row at or
//     before `as_of` (any type), except leads whose first outcome is at or
//     before `as_of`: they had converted already, and counting them would
//     credit the model with conversions it could not have predicted (their
//     post-conversion activity often scores high).
//   * A lead *converted* when its first outcome lies in (as_of, as_of +
//     horizon].  Days to convert count from `as_of`; deal value is the mean
//     amount of the lead's outcomes in that window.
//   * "Above MQL" means a score at or above mql_threshold, "above SQL" at or
//     above sql_threshold and, when the model sets sql_min_grade (it has a
//     grade profile), a grade at least that good — the lead's grade *now*:
//     grades are not historised, so a past grade cannot be rebuilt, and
//     today's is the best there is.  A lead without a grade is not above
//     SQL then, as lead_scores would not call it sql.
#pragma once

#include "core/insight/calibration.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::core {

struct EvaluationWindow {
	std::int64_t as_of; // us since the Unix epoch
	std::int64_t end;   // as_of + horizon, > as_of

	// Activity at `at` counts toward the score at as_of.
	bool Counts(std::int64_t at) const noexcept {
		return at <= as_of;
	}
	// A lead first converted at `conversion` (kNeverConverted: never) is left
	// out: it was a customer already.
	bool Excluded(std::int64_t conversion) const noexcept {
		return conversion <= as_of;
	}
	bool Converted(std::int64_t conversion) const noexcept {
		return conversion > as_of && conversion <= end;
	}
};

// The lead's latest handoff of the model created up to as_of, as it stands
// now: sales' verdict, given after as_of or not, is what the review weighs.
enum class HandoffOutcome : std::uint8_t { None, Accepted, Rejected, Expired, Open };

// "accepted", "rejected", "expired", "open" as leadscore.handoffs.status
// spells them ("" for None); false for any other status.
const char *HandoffOutcomeName(HandoffOutcome outcome) noexcept;
bool ParseHandoffOutcome(const std::string &status, HandoffOutcome *outcome) noexcept;

struct EvalLead {
	double score = 0;        // at as_of, decayed, clamped
	// Of converting within the horizon, from the model's probability link
	// (probability_link.hpp); NaN: the model has none.
	double probability = std::numeric_limits<double>::quiet_NaN();
	bool above_mql = false;
	bool above_sql = false;
	bool converted = false;
	double days_to_convert = 0; // converted only
	double deal_value_sum = 0;  // amounts of outcomes in the window
	std::int64_t deal_count = 0; // ... and how many there were
	std::uint32_t source = 0;   // index into the caller's sources
	HandoffOutcome handoff = HandoffOutcome::None;
	std::uint32_t reason = 0;   // Rejected: index into the caller's reasons
};

// A lead's score and threshold flags at as_of from its recomputed stored sum
// and its grade (nullopt: none; read only when the model sets
// sql_min_grade).  `model` must be the spec whose epoch the sum is relative
// to.  The flags compare stored sums with stored thresholds, and the grade
// with sql_min_grade, as the lead_scores view does (StatusAt).
void ScoreAt(const ModelSpec &model, double stored, std::int64_t as_of, std::optional<GradeRank> grade,
             EvalLead *lead) noexcept;

enum class EvalSegment : std::uint8_t { All, AboveMql, BelowMql, AboveSql, BelowSql };

// "all", "above_mql", "below_mql", "above_sql", "below_sql".
const char *EvalSegmentName(EvalSegment segment) noexcept;

struct EvalRow {
	bool by_source;        // false: every lead; true: the leads of one source
	std::uint32_t source;  // by_source only
	EvalSegment segment;
	double threshold;      // the segment's score threshold; NaN for All
	std::int64_t leads;
	std::int64_t converted;
	double conversion_rate;
	double lift;           // conversion_rate / the rate of every lead evaluated
	double precision;      // Above rows: converted / leads
	double recall;         // Above rows: converted / the converted of the scope
	double roc_auc;        // All rows: scores (probabilities, with a link) against conversions
	double brier;          // All rows with a link: mean (probability - converted)^2
	double log_loss;       // All rows with a link: mean -log(probability of the outcome)
	double avg_deal_value;
	double median_days_to_convert;
	HandoffOutcome handoff; // None, or a row of HandoffReport
	bool by_reason;         // handoff rows: the rejections of one reason
	std::uint32_t reason;   // by_reason only
};

// The rows for every lead, then, when source_count > 0, for each source in
// index order: All, AboveMql, BelowMql, AboveSql, BelowSql.  Undefined
// values are NaN.
std::vector<EvalRow> EvaluationReport(const std::vector<EvalLead> &leads, std::uint32_t source_count,
                                      double mql_threshold, double sql_threshold);

// Sales' verdicts against conversions: a row for each outcome (Accepted,
// Rejected, then each reason in index order, Expired, Open) with leads,
// converted, rate, lift against every lead, deal value and days; no rows
// when no lead has a handoff.
std::vector<EvalRow> HandoffReport(const std::vector<EvalLead> &leads, std::uint32_t reason_count);

} // namespace leadscore::core
