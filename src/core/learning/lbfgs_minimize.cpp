// liblbfgs behind a C++ interface: see lbfgs_minimize.hpp.
#include "core/learning/lbfgs_minimize.hpp"

#include <lbfgs.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <string>

namespace leadscore::core {

namespace {

// What the callbacks share with MinimizeLbfgs through lbfgs()'s `instance`.
struct Session {
	const LbfgsObjective &objective;
	const CancelCheck &cancel;
	std::exception_ptr failure;
	bool cancelled = false;
	int iterations = 0;
};

// +inf with a zero gradient once anything failed: the line search rejects
// every step until it gives up, and lbfgs() returns.
lbfgsfloatval_t Evaluate(void *instance, const lbfgsfloatval_t *x, lbfgsfloatval_t *gradient, const int n,
                         const lbfgsfloatval_t) noexcept {
	auto *session = static_cast<Session *>(instance);
	if (!session->failure) {
		try {
			return session->objective(x, gradient);
		} catch (...) {
			session->failure = std::current_exception();
		}
	}
	std::fill(gradient, gradient + n, 0.0);
	return std::numeric_limits<lbfgsfloatval_t>::infinity();
}

// Nonzero stops lbfgs() at once.
int Progress(void *instance, const lbfgsfloatval_t *, const lbfgsfloatval_t *, const lbfgsfloatval_t,
             const lbfgsfloatval_t, const lbfgsfloatval_t, const lbfgsfloatval_t, int, int k, int) noexcept {
	auto *session = static_cast<Session *>(instance);
	session->iterations = k;
	if (session->failure)
		return 1;
	try {
		session->cancelled = session->cancel && session->cancel();
	} catch (...) {
		session->failure = std::current_exception();
		return 1;
	}
	return session->cancelled ? 1 : 0;
}

// The codes that mean our parameters are wrong.  Any other failure is a
// search that stopped short (lbfgs() has then put back the last point it
// accepted), which the caller's polish recovers from.
bool Refused(int status) noexcept {
	return status >= LBFGSERR_INVALID_N && status <= LBFGSERR_INVALID_ORTHANTWISE_END;
}

struct LbfgsFree {
	void operator()(lbfgsfloatval_t *p) const noexcept {
		lbfgs_free(p);
	}
};

} // namespace

LbfgsOutcome MinimizeLbfgs(const LbfgsObjective &objective, std::vector<double> *x, const LbfgsOptions &options,
                           const CancelCheck &cancel) {
	if (x->size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
		throw Error(ErrorKind::TooLarge, "too many variables for L-BFGS");
	int n = static_cast<int>(x->size());
	// lbfgs_malloc: liblbfgs may be built with SSE, which needs its alignment.
	std::unique_ptr<lbfgsfloatval_t, LbfgsFree> vars(lbfgs_malloc(n));
	if (!vars)
		throw std::bad_alloc();
	std::copy(x->begin(), x->end(), vars.get());

	lbfgs_parameter_t param;
	lbfgs_parameter_init(&param);
	param.epsilon = options.epsilon;
	param.past = options.delta > 0 ? 1 : 0;
	param.delta = options.delta;
	param.max_iterations = options.max_iterations;
	Session session{objective, cancel, nullptr};
	int status = lbfgs(n, vars.get(), nullptr, Evaluate, Progress, &session, &param);

	if (session.failure)
		std::rethrow_exception(session.failure);
	if (session.cancelled)
		ThrowCancelled();
	if (status == LBFGSERR_OUTOFMEMORY)
		throw std::bad_alloc();
	if (Refused(status))
		throw Error(ErrorKind::Internal, "L-BFGS refused its parameters",
		            "liblbfgs returned status " + std::to_string(status) + ".");
	std::copy(vars.get(), vars.get() + n, x->begin());
	return LbfgsOutcome{status, session.iterations};
}

} // namespace leadscore::core
