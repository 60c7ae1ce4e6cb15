// A regularised logistic regression: the numerics behind learned points.
//
// FitLogistic minimises exactly what scikit-learn's LogisticRegression
// (penalty='l2', C = 1 / lambda, fit_intercept=True) minimises,
//     sum_i s_i * logloss(y_i, w . x_i + b)  +  (lambda / 2) ||w||^2,
// with s_i the sample weights and the intercept b not penalised, so its
// results can be checked against scikit-learn to many digits
// (test/unit/logistic_fit_reference.py).  lambda = 0 fits without penalty.
//
// How: liblbfgs from w = 0 and b = the log-odds of the base rate, then
// Newton steps (an LDLT of the exact Hessian) until the logits move by less
// than about 1e-10.  L-BFGS is cheap per step and gets close; Newton
// converges quadratically from there and removes the last digits of error
// that L-BFGS, on a badly scaled feature, would take thousands of steps to.
//
// Memory: the data is read in place (never copied); the fit adds O(rows)
// for the logits and residuals and O(features^2) for the Hessian.
#pragma once

#include "core/base/scoring_cancel.hpp"

#include <cstddef>
#include <vector>

namespace leadscore::core {

struct LogisticData {
	std::size_t rows = 0;
	std::size_t features = 0;
	std::vector<double> x;      // row-major, rows * features, finite
	std::vector<double> y;      // 0 or 1 per row
	std::vector<double> weight; // per-row sample weight >= 0; empty: all 1
};

struct LogisticFit {
	std::vector<double> weights; // one per feature
	double intercept = 0;
	// sqrt of the diagonal of the inverse of the penalised Hessian at the
	// optimum (the intercept's is intercept_error).  All NaN when that
	// Hessian is singular, e.g. a feature that is 0 on every row with
	// lambda = 0: the fit itself is still returned (such a feature's
	// weight is 0), but no error of any weight is defined then.
	std::vector<double> standard_errors;
	double intercept_error = 0;
	double objective = 0; // the minimised objective above, at the result
	int iterations = 0;   // L-BFGS iterations plus Newton steps
	// The Newton steps reached the optimum.  With lambda > 0 the objective
	// is strictly convex and this is always true in practice; with lambda = 0
	// a fit that does not converge throws instead (see FitLogistic).
	bool converged = false;
};

// Throws Error(InvalidValue) for invalid data (sizes that disagree, a label
// other than 0 or 1, a weight that is negative or not finite, a feature
// value that is not finite, no rows, a class of zero total weight), a
// lambda that is negative or not finite, and when lambda = 0 and the data
// is (quasi-)separable, where the weights would grow without bound;
// Error(TooLarge) for 2^31 - 1 features or more; Error(Cancelled) when
// `cancel` says so (polled once an L-BFGS iteration, once a Newton step and
// every kCancelCheckInterval rows of a Hessian).
LogisticFit FitLogistic(const LogisticData &data, double lambda, const CancelCheck &cancel = {});

// The fitted probability of class 1 for one row of `features` values.
// Throws Error(InvalidValue) when `features` is not the fit's.
double PredictLogistic(const LogisticFit &fit, const double *row, std::size_t features);

} // namespace leadscore::core
