// Fitting a regularised logistic regression: see logistic_fit.hpp.
#include "core/learning/logistic_fit.hpp"

#include "core/base/float_text.hpp"
#include "core/learning/lbfgs_minimize.hpp"
#include "core/learning/logistic_loss.hpp"
#include "core/learning/scaled_ldlt.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::core {

namespace {

// L-BFGS only has to bring Newton into its quadratic basin.  Its epsilon
// is rarely what stops it: once an iteration gains less than 1e-8 of the
// objective (the logits are then within about 1e-4 of the optimum), the
// next would soon fight rounding in the objective, and its line search
// then spends up to 40 evaluations before giving up (three quarters of
// the time of a 100,000-row fit).  The iteration limit bounds its cost on
// a badly scaled problem, where Newton, blind to scaling, does better.
constexpr LbfgsOptions kLbfgsOptions{1e-10, 1e-8, 200};

// Newton stops when its step moves no row's logit by more than
// kConvergedLogitChange: the logit is what a prediction reads, and the
// change of the logits measures a step independently of the features'
// units (a gradient norm would not, and would also be tiny along a
// separating direction, where the step stays about 1 forever).  Within
// kNewtonBasin the full step is taken without a line search (rounding in
// the objective could defeat one), and a step that no longer halves is
// rounding noise: converged too.
constexpr double kConvergedLogitChange = 1e-10;
constexpr double kNewtonBasin = 1e-6;
constexpr int kMaxNewtonSteps = 50;
constexpr int kMaxHalvings = 40;
constexpr double kArmijo = 1e-4;

[[noreturn]] void Invalid(const std::string &message, std::string detail = {}, std::string hint = {}) {
	throw Error(ErrorKind::InvalidValue, message, std::move(detail), std::move(hint));
}

std::string Count(const char *what, std::size_t n) {
	return std::to_string(n) + " " + what;
}

void CheckLambda(double lambda) {
	if (!std::isfinite(lambda) || lambda < 0)
		Invalid("lambda must be a finite number >= 0", "lambda is " + Float8Text(lambda) + ".");
}

void CheckShape(const LogisticData &data) {
	if (data.rows == 0)
		Invalid("logistic regression needs at least one row");
	if (data.features >= static_cast<std::size_t>(std::numeric_limits<int>::max()))
		throw Error(ErrorKind::TooLarge, "too many features for logistic regression");
	if ((data.features != 0 && data.rows > data.x.max_size() / data.features) ||
	    data.x.size() != data.rows * data.features)
		Invalid("x must hold rows * features values",
		        Count("rows", data.rows) + ", " + Count("features", data.features) + ", " +
		            Count("values", data.x.size()) + ".");
	if (data.y.size() != data.rows)
		Invalid("y must hold one label per row",
		        Count("rows", data.rows) + ", " + Count("labels", data.y.size()) + ".");
	if (!data.weight.empty() && data.weight.size() != data.rows)
		Invalid("weight must be empty or hold one weight per row",
		        Count("rows", data.rows) + ", " + Count("weights", data.weight.size()) + ".");
}

struct ClassWeights {
	double positive = 0, negative = 0;
};

std::string At(std::size_t row, double value) {
	return "Row " + std::to_string(row) + " (counting from 0) has " + Float8Text(value) + ".";
}

// The values, and the total weight of each label: without both there is
// nothing to tell apart (and the intercept would run off to infinity).
ClassWeights CheckRows(const LogisticData &data) {
	for (std::size_t i = 0; i < data.x.size(); i++)
		if (!std::isfinite(data.x[i]))
			Invalid("feature values must be finite", At(i / data.features, data.x[i]));
	ClassWeights classes;
	for (std::size_t i = 0; i < data.rows; i++) {
		double s = data.weight.empty() ? 1 : data.weight[i];
		if (!std::isfinite(s) || s < 0)
			Invalid("sample weights must be finite and >= 0", At(i, s));
		if (data.y[i] != 0 && data.y[i] != 1)
			Invalid("labels must be 0 or 1", At(i, data.y[i]));
		(data.y[i] == 1 ? classes.positive : classes.negative) += s;
	}
	if (!(classes.positive > 0 && classes.negative > 0))
		Invalid("logistic regression needs rows of both labels with positive weight");
	return classes;
}

// L-BFGS on the objective divided by the total weight, so that its
// epsilon means the same for ten rows and ten million.  Returns its
// iterations.
int LbfgsStage(LogisticLoss *loss, double total_weight, Eigen::VectorXd *theta, const CancelCheck &cancel) {
	std::vector<double> x(theta->data(), theta->data() + theta->size());
	Eigen::Index n = theta->size();
	auto mean = [loss, total_weight, n](const double *v, double *gradient) {
		double f = loss->Evaluate(v, gradient);
		Eigen::Map<Eigen::VectorXd>(gradient, n) /= total_weight;
		return f / total_weight;
	};
	LbfgsOutcome outcome = MinimizeLbfgs(mean, &x, kLbfgsOptions, cancel);
	*theta = Eigen::Map<const Eigen::VectorXd>(x.data(), n);
	return outcome.iterations;
}

// Backtracking from the full step until the objective falls enough.
bool LineSearch(LogisticLoss *loss, double f, const Eigen::VectorXd &gradient, const Eigen::VectorXd &step,
                Eigen::VectorXd *theta) {
	double slope = gradient.dot(step);
	if (!(slope < 0))
		return false;
	double t = 1;
	for (int i = 0; i < kMaxHalvings; i++, t /= 2) {
		Eigen::VectorXd trial = *theta + t * step;
		if (loss->Value(trial) <= f + kArmijo * t * slope) {
			*theta = trial;
			return true;
		}
	}
	return false;
}

struct NewtonOutcome {
	int steps;
	bool converged;
};

NewtonOutcome NewtonStage(LogisticLoss *loss, Eigen::VectorXd *theta, const CancelCheck &cancel) {
	Eigen::VectorXd gradient(theta->size());
	double previous = std::numeric_limits<double>::infinity();
	for (int step = 1; step <= kMaxNewtonSteps; step++) {
		ThrowIfCancelled(cancel);
		double f = loss->Evaluate(theta->data(), gradient.data());
		Eigen::VectorXd delta = -ScaledLdlt(loss->Hessian(*theta, cancel)).Solve(gradient);
		double moved = loss->LogitChange(delta);
		if (moved <= kConvergedLogitChange || (moved <= kNewtonBasin && moved > previous / 2)) {
			*theta += delta;
			return NewtonOutcome{step, true};
		}
		if (moved <= kNewtonBasin)
			*theta += delta;
		else if (!LineSearch(loss, f, gradient, delta, theta))
			return NewtonOutcome{step, false};
		previous = moved;
	}
	return NewtonOutcome{kMaxNewtonSteps, false};
}

// From the Hessian at the optimum; all NaN when it is singular.  Returns
// whether it is.
bool StandardErrors(LogisticLoss *loss, const Eigen::VectorXd &theta, const CancelCheck &cancel,
                    LogisticFit *fit) {
	ScaledLdlt hessian(loss->Hessian(theta, cancel));
	Eigen::Index p = theta.size() - 1;
	Eigen::VectorXd variance = hessian.singular()
	                               ? Eigen::VectorXd::Constant(p + 1, std::numeric_limits<double>::quiet_NaN())
	                               : hessian.InverseDiagonal();
	Eigen::VectorXd error = variance.cwiseSqrt();
	fit->standard_errors.assign(error.data(), error.data() + p);
	fit->intercept_error = error[p];
	return hessian.singular();
}

} // namespace

LogisticFit FitLogistic(const LogisticData &data, double lambda, const CancelCheck &cancel) {
	CheckLambda(lambda);
	CheckShape(data);
	ClassWeights classes = CheckRows(data);
	LogisticLoss loss(data, lambda);
	Eigen::Index p = loss.parameters() - 1;

	// From no weights and the base rate's log-odds: the optimum of the
	// intercept alone.
	Eigen::VectorXd theta = Eigen::VectorXd::Zero(p + 1);
	theta[p] = std::log(classes.positive / classes.negative);
	int iterations = LbfgsStage(&loss, classes.positive + classes.negative, &theta, cancel);
	NewtonOutcome newton = NewtonStage(&loss, &theta, cancel);

	LogisticFit fit;
	fit.weights.assign(theta.data(), theta.data() + p);
	fit.intercept = theta[p];
	fit.objective = loss.Value(theta);
	fit.iterations = iterations + newton.steps;
	fit.converged = newton.converged;
	bool singular = StandardErrors(&loss, theta, cancel, &fit);
	// Separable data sends the weights off to infinity: Newton keeps taking
	// steps of about 1 in the logits and never converges, unless the
	// curvature of every row it separates has underflowed to 0 on the way,
	// which leaves probabilities of 0 or 1 and a singular Hessian.  (Either
	// alone is no proof: an outlier far on its own side, a feature that is
	// 0 on every row.)
	if (lambda == 0 && (!newton.converged || (singular && loss.Saturated(theta))))
		Invalid("logistic regression without penalty has no finite optimum here",
		        "The labels are separable, or nearly, by the features: the weights grow without bound.",
		        "Give lambda > 0.");
	return fit;
}

double PredictLogistic(const LogisticFit &fit, const double *row, std::size_t features) {
	if (features != fit.weights.size())
		Invalid("the row must have the fit's features",
		        Count("features", features) + " given, the fit has " + std::to_string(fit.weights.size()) + ".");
	double z = fit.intercept;
	for (std::size_t j = 0; j < features; j++)
		z += fit.weights[j] * row[j];
	// Both forms of sigma(z) without overflow.
	return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

} // namespace leadscore::core
