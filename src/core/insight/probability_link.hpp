// The probability link: from a lead's score and grade to the probability
// that it converts within a horizon,
//     p = 1 / (1 + exp(-(intercept + per_point * score + grade_weight[grade]))),
// a logistic regression on the two numbers a model already shows.  Exact
// at read time: lead_scores computes it from the score it shows.
//
// fit_probability() fits it for a hand-made model (FitProbabilityLink);
// the link is stored in leadscore.models as an array (EncodeLink).
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/model/grade.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace leadscore::core {

struct ProbabilityLink {
	double intercept = 0;
	double per_point = 0;
	// By grade rank; [kGradeCount]: a lead without a grade.  A grade no
	// fitted lead had weighs 0, as the average grade does (the weights are
	// penalised toward 0).
	std::array<double, kGradeCount + 1> grade_weight{};

	double Logit(double score, std::optional<GradeRank> grade) const noexcept;
	// NaN for a NaN score.
	double Probability(double score, std::optional<GradeRank> grade) const noexcept;
};

// The stored form: intercept, per_point, then grade_weight (kGradeCount + 3
// numbers).  DecodeLink is false for any other length or a non-finite number.
std::vector<double> EncodeLink(const ProbabilityLink &link);
bool DecodeLink(const double *values, std::size_t count, ProbabilityLink *link) noexcept;

// A lead as judged at its as_of.
struct LinkSample {
	double score;
	std::optional<GradeRank> grade;
	bool converted;
};

struct LinkFit {
	ProbabilityLink link;
	double per_point_error = 0;
	// By grade rank as above; NaN for grades no lead had (not fitted).
	std::array<double, kGradeCount + 1> grade_error{};
	std::array<bool, kGradeCount + 1> graded{}; // the grades the leads had
	std::int64_t leads = 0;
	std::int64_t converted = 0;
	std::int64_t skipped = 0; // leads with a NaN score
};

// The penalty of the fit (scikit-learn's default C = 1), on the score
// standardised to unit variance and the grades as indicators: enough to
// keep a grade seen on a handful of leads from taking an extreme weight,
// negligible against thousands of leads.
constexpr double kLinkPenalty = 1.0;

// Throws Error(InvalidValue, SQLSTATE 22023) with the counts when fewer than
// 2 leads converted or fewer than 2 did not; Error(Cancelled) on `cancel`.
// Leads with a NaN score are skipped and counted.
LinkFit FitProbabilityLink(const std::vector<LinkSample> &leads, const CancelCheck &cancel = {});

} // namespace leadscore::core
