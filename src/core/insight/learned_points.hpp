// learn()'s arithmetic: the rule points and grade steps that predict
// conversion best, fitted jointly.
//
// Each lead judged at its as_of has a feature per rule (the rule's decayed,
// capped contribution at one point per activity: what the engine would
// add for it with points 1) and one per grade criterion (1 when its lead
// row meets it).  A penalised logistic regression (logistic_fit.hpp) on the
// features standardised to unit variance gives each a weight in log-odds;
// the penalty and the half-life (each candidate half-life is its own set of
// rule features) are chosen by k-fold cross-validation on the mean log
// loss of the held-out leads.  A rule's learned points are its weight per
// unit feature in the model's scale:
//     points = weight * points_per_doubling / ln 2,
// so points_per_doubling points double the odds of converting, and a
// criterion's steps the same on the grade's scale (kLearnedStepsPerDoubling).
#pragma once

#include "core/base/scoring_cancel.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leadscore::core {

// A rule feature whose spread is at most this share of its mean is left
// out of the fit (0 points) and reported.  Such a feature (every lead's
// one form fill, judged at first touch + 7 days: 0.52 to 0.54 by the time
// of day) is the intercept in disguise: its chance differences took a
// weight of hundreds of points, the intercept cancelling them, which moved
// every score and meant nothing; no penalty holds it, as the penalty acts
// on standardised weights.  Criteria, 0 or 1, are not affected: one met by
// 99 % of leads still tells the other 1 % apart.
constexpr double kNearConstantSpread = 0.1;

// Three steps, a letter, per doubling of the odds: calibrate()'s default.
constexpr double kLearnedStepsPerDoubling = 3;

struct LearnData {
	std::size_t leads = 0;
	std::size_t rules = 0;
	std::size_t criteria = 0;
	// Per candidate half-life: leads x rules, row-major.
	std::vector<std::vector<double>> rule_features;
	std::vector<double> criterion_features; // leads x criteria, 0 or 1
	std::vector<double> converted;          // per lead, 0 or 1
	std::vector<std::uint32_t> fold;        // per lead, < folds
	std::uint32_t folds = 5;
};

// One cell of the search: a half-life candidate and a penalty.
struct LearnTrial {
	std::size_t half_life; // index into rule_features
	double lambda;
	double log_loss; // mean over the held-out leads of every fold
};

struct LearnedWeights {
	std::size_t half_life = 0;
	double lambda = 0;
	double intercept = 0;                 // log-odds of a lead with no feature
	std::vector<double> rule_weight;      // log-odds per unit of the feature
	std::vector<double> rule_error;       // their standard errors
	std::vector<double> criterion_weight; // log-odds of meeting the criterion
	std::vector<double> criterion_error;
	std::vector<bool> nearly_constant;    // per rule, then criterion (never): left out of the fit
	std::vector<LearnTrial> trials;       // the search, in order
	std::int64_t skipped = 0;             // leads with a non-finite feature
};

// The penalties tried (on standardised features: scikit-learn's C = 1 /
// lambda).
extern const std::vector<double> kLearnPenalties;

// Throws Error(InvalidValue) with the counts when fewer than 2 leads
// converted or fewer than 2 did not, or when there are fewer leads than
// features; Error(Cancelled) on `cancel`.  Leads with a NaN or infinite
// feature are skipped and counted.
LearnedWeights LearnWeights(const LearnData &data, const CancelCheck &cancel = {});

// Whether a rule feature with this mean and spread is left out
// (kNearConstantSpread); a constant one is not: it has no weight anyway.
bool NearlyConstant(double mean, double sd) noexcept;

// Points per unit feature and steps in the model's scale; steps are whole,
// clamped to -12..12.
double LearnedPoints(double weight, double points_per_doubling) noexcept;
int LearnedSteps(double weight) noexcept;

} // namespace leadscore::core
