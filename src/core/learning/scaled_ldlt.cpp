// The scaled LDLT: see scaled_ldlt.hpp.
#include "core/learning/scaled_ldlt.hpp"

#include <cmath>

namespace leadscore::core {

namespace {

Eigen::VectorXd UnitDiagonalScale(const Eigen::MatrixXd &matrix) {
	Eigen::VectorXd scale(matrix.rows());
	for (Eigen::Index i = 0; i < matrix.rows(); i++) {
		double d = matrix(i, i);
		scale[i] = d > 0 ? 1 / std::sqrt(d) : 1;
	}
	return scale;
}

} // namespace

ScaledLdlt::ScaledLdlt(const Eigen::MatrixXd &matrix)
    : scale_(UnitDiagonalScale(matrix)), ldlt_(scale_.asDiagonal() * matrix * scale_.asDiagonal()),
      singular_(ldlt_.info() != Eigen::Success || ldlt_.vectorD().minCoeff() <= kSingularPivot) {
}

// Eigen's own LDLT::solve, except that a rounded zero pivot may come out
// negative: any pivot <= 0 counts as zero.
void ScaledLdlt::SolveScaled(Eigen::VectorXd *b) const {
	Eigen::VectorXd &x = *b;
	x = ldlt_.transpositionsP() * x;
	ldlt_.matrixL().solveInPlace(x);
	const auto d = ldlt_.vectorD();
	for (Eigen::Index i = 0; i < x.size(); i++)
		x[i] = d[i] > 0 ? x[i] / d[i] : 0;
	ldlt_.matrixU().solveInPlace(x);
	x = ldlt_.transpositionsP().transpose() * x;
}

Eigen::VectorXd ScaledLdlt::Solve(const Eigen::VectorXd &b) const {
	Eigen::VectorXd x = scale_.cwiseProduct(b);
	SolveScaled(&x);
	return scale_.cwiseProduct(x);
}

Eigen::VectorXd ScaledLdlt::InverseDiagonal() const {
	Eigen::Index n = scale_.size();
	Eigen::VectorXd diagonal(n);
	for (Eigen::Index i = 0; i < n; i++) {
		Eigen::VectorXd column = Eigen::VectorXd::Unit(n, i);
		SolveScaled(&column);
		diagonal[i] = column[i] * scale_[i] * scale_[i];
	}
	return diagonal;
}

} // namespace leadscore::core
