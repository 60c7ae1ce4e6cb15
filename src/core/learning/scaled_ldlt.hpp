// Solves with a symmetric positive semi-definite matrix (a Hessian) through
// Eigen's LDLT of the matrix scaled to a unit diagonal.
//
// The scaling (Jacobi) makes the pivots comparable whatever the units of
// each feature, so one threshold can tell a singular matrix from a badly
// scaled one (singular()).  A pivot <= 0 is a direction without curvature
// (a feature that is 0 on every row, without penalty): the solve gives 0
// along it, as the pseudo-inverse would, instead of dividing by zero.
// Small positive pivots are kept: Newton must keep stepping along a
// direction whose curvature only fades (the weights of separable data,
// which FitLogistic must see grow to refuse them).
#pragma once

#include <Eigen/Dense>

namespace leadscore::core {

// A condition number of about 1e12 of the scaled matrix: beyond it, the
// inverse keeps fewer than four correct digits, too few for an error bar.
constexpr double kSingularPivot = 1e-12;

class ScaledLdlt {
public:
	explicit ScaledLdlt(const Eigen::MatrixXd &matrix);

	// A pivot at or below kSingularPivot.
	bool singular() const noexcept {
		return singular_;
	}
	// matrix^-1 b; 0 along the pivots <= 0.
	Eigen::VectorXd Solve(const Eigen::VectorXd &b) const;
	// The diagonal of matrix^-1 (meaningless when singular()).
	Eigen::VectorXd InverseDiagonal() const;

private:
	// Solves the scaled system in place.
	void SolveScaled(Eigen::VectorXd *b) const;

	Eigen::VectorXd scale_; // 1 / sqrt(diagonal); 1 where the diagonal is 0
	Eigen::LDLT<Eigen::MatrixXd> ldlt_;
	bool singular_;
};

} // namespace leadscore::core
