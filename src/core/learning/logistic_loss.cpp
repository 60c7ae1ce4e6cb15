// The logistic objective and its derivatives: see logistic_loss.hpp.
#include "core/learning/logistic_loss.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {

namespace {

struct RowTerms {
	double loss;     // -log p(y | z)
	double residual; // p - y, the loss's derivative in z
};

// With e = exp(-|z|) in (0, 1]: log(1 + exp(z)) = max(z, 0) + log1p(e), and
// sigma(z), 1 - sigma(z) are 1 / (1 + e) and e / (1 + e), in the order the
// sign of z says.  Nothing overflows, and a residual near 0 keeps its
// relative precision (1 - sigma(z) computed as such would cancel).
RowTerms Terms(double z, bool positive) noexcept {
	double e = std::exp(-std::fabs(z));
	double near = 1 / (1 + e), far = e / (1 + e);
	double p = z >= 0 ? near : far, q = z >= 0 ? far : near; // sigma(z), sigma(-z)
	// -log p(y | z) is log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0.
	double loss = std::max(positive ? -z : z, 0.0) + std::log1p(e);
	return RowTerms{loss, positive ? -q : p};
}

// p (1 - p), the loss's second derivative in z.
double Curvature(double z) noexcept {
	double e = std::exp(-std::fabs(z));
	return e / ((1 + e) * (1 + e));
}

} // namespace

LogisticLoss::LogisticLoss(const LogisticData &data, double lambda)
    : x_(data.x.data(), static_cast<Eigen::Index>(data.rows), static_cast<Eigen::Index>(data.features)),
      y_(data.y.data(), static_cast<Eigen::Index>(data.rows)),
      unit_weights_(data.weight.empty() ? Eigen::VectorXd::Ones(static_cast<Eigen::Index>(data.rows))
                                        : Eigen::VectorXd()),
      s_(data.weight.empty() ? unit_weights_.data() : data.weight.data(), static_cast<Eigen::Index>(data.rows)),
      lambda_(lambda),
      z_(static_cast<Eigen::Index>(data.rows)), residual_(static_cast<Eigen::Index>(data.rows)) {
}

void LogisticLoss::Logits(const double *theta) {
	Eigen::Map<const Eigen::VectorXd> w(theta, x_.cols());
	z_.noalias() = x_ * w;
	z_.array() += theta[x_.cols()];
}

double LogisticLoss::Evaluate(const double *theta, double *gradient) {
	Logits(theta);
	double loss = 0;
	for (Eigen::Index i = 0; i < z_.size(); i++) {
		RowTerms t = Terms(z_[i], y_[i] > 0.5);
		loss += s_[i] * t.loss;
		residual_[i] = s_[i] * t.residual;
	}
	Eigen::Map<const Eigen::VectorXd> w(theta, x_.cols());
	if (gradient) {
		Eigen::Map<Eigen::VectorXd> g(gradient, parameters());
		g.head(x_.cols()).noalias() = x_.transpose() * residual_;
		g.head(x_.cols()) += lambda_ * w;
		g[x_.cols()] = residual_.sum();
	}
	return loss + 0.5 * lambda_ * w.squaredNorm();
}

// X' D X in blocks of rows, D the rows' weighted curvatures: a block's
// rows scaled by sqrt(D) is a small scratch matrix, never a copy of X.
Eigen::MatrixXd LogisticLoss::Hessian(const Eigen::VectorXd &theta, const CancelCheck &cancel) {
	Logits(theta.data());
	Eigen::Index p = x_.cols(), rows = x_.rows();
	Eigen::MatrixXd h = Eigen::MatrixXd::Zero(p + 1, p + 1);
	Eigen::Index block = kCancelCheckInterval;
	RowMatrix scaled(std::min(block, rows), p);
	Eigen::VectorXd root(scaled.rows());
	for (Eigen::Index start = 0; start < rows; start += block) {
		ThrowIfCancelled(cancel);
		Eigen::Index m = std::min(block, rows - start);
		for (Eigen::Index i = 0; i < m; i++) {
			double d = s_[start + i] * Curvature(z_[start + i]);
			root[i] = std::sqrt(d);
			residual_[start + i] = d; // a scratch for the intercept's row
		}
		scaled.topRows(m) = root.head(m).asDiagonal() * x_.middleRows(start, m);
		h.topLeftCorner(p, p).selfadjointView<Eigen::Lower>().rankUpdate(scaled.topRows(m).transpose());
	}
	h.topLeftCorner(p, p).triangularView<Eigen::StrictlyUpper>() = h.topLeftCorner(p, p).transpose();
	h.topLeftCorner(p, p).diagonal().array() += lambda_;
	h.col(p).head(p).noalias() = x_.transpose() * residual_;
	h.row(p).head(p) = h.col(p).head(p).transpose();
	h(p, p) = residual_.sum();
	return h;
}

double LogisticLoss::LogitChange(const Eigen::VectorXd &step) {
	Logits(step.data());
	return z_.cwiseAbs().maxCoeff();
}

bool LogisticLoss::Saturated(const Eigen::VectorXd &theta) {
	Logits(theta.data());
	for (Eigen::Index i = 0; i < z_.size(); i++)
		if (s_[i] > 0 && std::fabs(z_[i]) > kSaturatedLogit)
			return true;
	return false;
}

} // namespace leadscore::core
