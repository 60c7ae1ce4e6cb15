// A lead's score and status at a point in time (docs/design.md,
// "Thresholds as stored values"):
//
//   nurture  score below mql_threshold
//   mql      score at or above mql_threshold
//   sql      score at or above sql_threshold, and, when the model sets
//            sql_min_grade, a grade at least that good (a student with a top
//            score is still not a sales lead); a lead without a grade then
//            stays mql
//
// max_score clamps the score when it is read, never the stored sum.  Clamping
// at write time would make the score depend on the order rows arrive in: a
// late (back-dated) row or a deletion applied to a clamped sum gives another
// result than the same rows in time order, and a clamped sum would start
// decaying from the cap rather than from the true score, so verify() could
// never agree with a recompute.  At read time min(score, max_score) is exact
// and a non-decreasing function of the stored sum, so ordering by the stored
// sum (the btree index of top_leads) still orders the displayed scores; and
// since ValidateModel keeps max_score >= sql_threshold, the clamp never
// changes a status and the stored thresholds below stay exact.
//
// Statuses compare the stored sum with the stored threshold at `now`
// (Decay::StoredThreshold) rather than decaying the sum: the form of the
// lead_scores view's CASE (stored >= threshold * stored_weight), in the
// order of the state's (score_rank, model_id) index, and the inequality
// NextDue solves for a lead's due_at (core/lead/lead_lifecycle.cpp).
#pragma once

#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <optional>

namespace leadscore::core {

enum class LeadStatus : std::uint8_t { Nurture, Mql, Sql };

// "nurture", "mql", "sql".
const char *LeadStatusName(LeadStatus status) noexcept;

// The stored sums that equal the thresholds at `now`: "leads at or above MQL
// now" is `stored >= mql` on the (model, stored) index.
struct StoredThresholds {
	double mql;
	double sql;
};
StoredThresholds StoredThresholdsAt(const ModelSpec &model, std::int64_t now) noexcept;

// The decayed score at `now`, clamped at max_score when the model has one.
double CurrentScore(const ModelSpec &model, double stored, std::int64_t now) noexcept;

// The status at `now` of a lead with stored sum `stored` and grade `grade`
// (nullopt: no grade known).
LeadStatus StatusAt(const ModelSpec &model, double stored, std::int64_t now,
                    std::optional<GradeRank> grade = std::nullopt) noexcept;

// The band at `now` of a lead with stored sum `stored`: the index into
// model.bands of the highest band whose min_score the current score
// (clamped at max_score) reaches, compared as StatusAt compares; kNoBand
// when none.
int BandAt(const ModelSpec &model, double stored, std::int64_t now) noexcept;

// The same over the bands' minimums alone (ascending; kFloorMinScore for
// the floor), `weight` the decay weight at the time (Decay::Weight) and
// max_score NaN for none: what lead_scores computes at read time.
int BandOf(const double *min_scores, std::size_t n, double max_score, double stored, double weight) noexcept;

} // namespace leadscore::core
