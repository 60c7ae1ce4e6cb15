// liblbfgs behind a C++ interface.
//
// liblbfgs is C: an exception must not unwind through its frames.  So its
// callbacks catch everything, park it and make lbfgs() return (the
// progress callback returns nonzero; an evaluation that failed returns +inf
// until the line search gives up), and the exception, or the cancellation
// the progress callback noticed, is raised only after lbfgs() has returned.
#pragma once

#include "core/base/scoring_cancel.hpp"

#include <functional>
#include <vector>

namespace leadscore::core {

// f(x); writes the gradient at x to `gradient`.  May throw.
using LbfgsObjective = std::function<double(const double *x, double *gradient)>;

struct LbfgsOptions {
	double epsilon;     // stop when ||gradient|| < epsilon * max(1, ||x||),
	double delta;       // or an iteration lowers f by less than delta * f (0: never),
	int max_iterations; // or after this many iterations (0: no limit)
};

struct LbfgsOutcome {
	int status;     // lbfgs()'s return code (lbfgs.h)
	int iterations; // the iterations lbfgs() reported to the progress callback
};

// Minimises `objective` from *x, leaving the best point found in *x.
// Stopping short of epsilon (a limit, or a line search that rounding
// defeats) is no error: the caller polishes the result.  Polls `cancel`
// once an iteration.  Throws Error(Cancelled), whatever `objective` or
// `cancel` threw, std::bad_alloc, or Error(Internal) when liblbfgs refuses
// its parameters.
LbfgsOutcome MinimizeLbfgs(const LbfgsObjective &objective, std::vector<double> *x, const LbfgsOptions &options,
                           const CancelCheck &cancel);

} // namespace leadscore::core
