// liblbfgs behind C++: it minimises, and an exception or a cancellation
// raised in its callbacks comes out of MinimizeLbfgs, not through C frames.
#include "core/learning/lbfgs_minimize.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace leadscore::core {
namespace {

// sum_k (k + 1) (x_k - k)^2, whose minimum is x_k = k.
double Bowl(const double *x, double *gradient) {
	double f = 0;
	for (int k = 0; k < 3; k++) {
		f += (k + 1) * (x[k] - k) * (x[k] - k);
		gradient[k] = 2 * (k + 1) * (x[k] - k);
	}
	return f;
}

constexpr LbfgsOptions kOptions{1e-10, 0, 100};

TEST(LbfgsMinimize, FindsTheMinimum) {
	std::vector<double> x{5, 5, 5};
	LbfgsOutcome outcome = MinimizeLbfgs(Bowl, &x, kOptions, {});
	EXPECT_GT(outcome.iterations, 0);
	for (int k = 0; k < 3; k++)
		EXPECT_NEAR(x[k], k, 1e-8);
}

TEST(LbfgsMinimize, AnExceptionOfTheObjectiveComesOutAsItself) {
	for (int at : {1, 5}) {
		int calls = 0;
		auto failing = [&calls, at](const double *x, double *gradient) {
			if (++calls == at)
				throw std::runtime_error("objective failed");
			return Bowl(x, gradient);
		};
		std::vector<double> x{5, 5, 5};
		EXPECT_THROW(MinimizeLbfgs(failing, &x, kOptions, {}), std::runtime_error);
		EXPECT_EQ(calls, at); // never called again once it failed
	}
}

TEST(LbfgsMinimize, CancelStopsAtThatIteration) {
	int polls = 0;
	std::vector<double> x{5, 5, 5};
	try {
		MinimizeLbfgs(Bowl, &x, kOptions, [&polls] { return ++polls == 2; });
		ADD_FAILURE() << "not cancelled";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
	}
	EXPECT_EQ(polls, 2);
}

} // namespace
} // namespace leadscore::core
