// The objective FitLogistic minimises (logistic_fit.hpp) and its
// derivatives, read in place from a LogisticData: no copy of the rows.
//
// The parameter vector theta is the weights, then the intercept.
// Products with the data are Eigen matrix-vector products over a Map of
// the row-major rows; the per-row work is one exp and one log1p.
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/learning/logistic_fit.hpp"

#include <Eigen/Dense>

namespace leadscore::core {

class LogisticLoss {
public:
	// `data` must be valid (FitLogistic checks) and outlive the loss.
	LogisticLoss(const LogisticData &data, double lambda);

	Eigen::Index parameters() const noexcept {
		return x_.cols() + 1;
	}

	// The objective at theta, and its gradient into `gradient` unless null.
	// Allocates nothing (the L-BFGS callback calls it).
	double Evaluate(const double *theta, double *gradient);
	double Value(const Eigen::VectorXd &theta) {
		return Evaluate(theta.data(), nullptr);
	}
	// The Hessian at theta; polls `cancel` every kCancelCheckInterval rows.
	Eigen::MatrixXd Hessian(const Eigen::VectorXd &theta, const CancelCheck &cancel);
	// The largest change of a row's logit w . x + b that a step of theta
	// by `step` makes.
	double LogitChange(const Eigen::VectorXd &step);
	// Does a row of positive weight have a logit beyond +-kSaturatedLogit at
	// theta, a fitted probability within 10 machine epsilons of 0 or 1?
	// (R's glm warns there: "fitted probabilities numerically 0 or 1".)
	bool Saturated(const Eigen::VectorXd &theta);

private:
	using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

	// z_ = X w + b.
	void Logits(const double *theta);

	Eigen::Map<const RowMatrix> x_;
	Eigen::Map<const Eigen::VectorXd> y_;
	Eigen::VectorXd unit_weights_; // the weights when the data has none
	Eigen::Map<const Eigen::VectorXd> s_;
	double lambda_;
	Eigen::VectorXd z_;        // per row: the logit
	Eigen::VectorXd residual_; // per row: s * (p - y), the gradient's weights
};

// log((1 - 10 eps) / (10 eps)), eps the machine epsilon of a double.
constexpr double kSaturatedLogit = 33.74;

} // namespace leadscore::core
