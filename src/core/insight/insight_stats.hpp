// The statistics behind calibrate() and evaluate() (docs/design.md,
// "Calibration and evaluation"): pure functions over plain numbers, so each
// can be checked against a hand computation.
//
// "Not a number" stands for "undefined" throughout (a rate of zero leads,
// an AUC without positives): the glue returns it as SQL NULL.
#pragma once

#include <cstdint>
#include <vector>

namespace leadscore::core {

// z of a two-sided 95 % interval.
constexpr double kWilsonZ95 = 1.959963984540054;

// z of a two-sided interval at `confidence` in (0, 1): the standard normal
// quantile at (1 + confidence) / 2.  NaN outside (0, 1).
double TwoSidedZ(double confidence) noexcept;

struct RateInterval {
	double low;
	double high;
};

// The Wilson score interval of a proportion `successes` / `trials`.  Unlike
// the normal ("Wald") interval it stays inside [0, 1] and is sensible for
// 0 or all successes and for small samples, which is exactly where
// calibration must not over-trust a rate.  NaN, NaN for 0 trials.
RateInterval WilsonInterval(std::int64_t successes, std::int64_t trials, double z = kWilsonZ95) noexcept;

struct ScoredLabel {
	double score;
	bool positive;
};

// ROC AUC as the Mann-Whitney statistic: the probability that a random
// positive scores higher than a random negative, ties counting one half.
// This is the area under the ROC curve with tied scores joined by a straight
// segment (scikit-learn's roc_auc_score).  Counted in integers and divided
// once, so the result is the exact fraction to one rounding.  NaN without a
// positive or without a negative.  `items` is reordered.  Throws
// Error(InvalidValue) for a NaN score (it has no rank).
double RocAuc(std::vector<ScoredLabel> *items);

// Over items whose score is a probability: the Brier score, mean (p - y)^2,
// and the log loss, mean -ln(p) of the converted and -ln(1 - p) of the
// rest (p clamped to [1e-15, 1 - 1e-15], as scikit-learn's log_loss did, so
// a certain and wrong prediction costs 34.5, not infinity).  NaN for none.
double BrierScore(const std::vector<ScoredLabel> &items) noexcept;
double LogLoss(const std::vector<ScoredLabel> &items) noexcept;

// The median (the mean of the two middle values for an even count); NaN
// for none.  `values` is reordered.
double Median(std::vector<double> *values);

// a / b, NaN when b is 0 or either is NaN.
double Ratio(double a, double b) noexcept;

} // namespace leadscore::core
