// Decay without rewriting rows: the arithmetic of the epoch-relative
// stored sum.  See decay.hpp for the model.
#include "core/model/decay.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

namespace leadscore::core {

namespace {

// Past this many half-lives either way, every finite non-zero double has
// underflowed to 0 or overflowed (2^-1074 * 2^2200 > DBL_MAX), so clamping
// the exponent here changes no result and keeps it a small integer.
constexpr double kExponentLimit = 2200.0;

// a - b as a double.  The difference is exact in int64 (up to 2^53 us, 285
// years, it is also exact as a double), whereas converting a and b first
// would round each to ~1 ms near today's timestamps and lose the activity's
// time.  a - b overflows int64 only when a and b are ~292,000 years apart
// (PostgreSQL's +-infinity timestamps are INT64_MIN/MAX); there the rounding
// of the double difference is irrelevant.
double Difference(std::int64_t a, std::int64_t b) {
	constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
	constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

	if ((b > 0 && a < kMin + b) || (b < 0 && a > kMax + b))
		return static_cast<double>(a) - static_cast<double>(b);
	return static_cast<double>(a - b);
}

} // namespace

Decay::Decay(double half_life_us, std::int64_t epoch_us) noexcept
    : half_life_us_(0), epoch_us_(epoch_us), decays_(false) {
	if (std::isfinite(half_life_us) && half_life_us > 0) {
		half_life_us_ = half_life_us;
		decays_ = true;
	}
}

double Decay::Exponent(std::int64_t t) const noexcept {
	if (!decays_)
		return 0;
	return Difference(t, epoch_us_) / half_life_us_;
}

double Decay::Weight(std::int64_t t) const noexcept {
	if (!decays_)
		return 1;
	return std::exp2(std::min(Exponent(t), kMaxWeightExponent));
}

double Decay::Current(double stored, std::int64_t now) const noexcept {
	if (!decays_ || stored == 0 || !std::isfinite(stored))
		return stored;

	double x = -Exponent(now);
	double result;
	if (std::fabs(x) <= 1000) {
		// 2^x is a normal double: the plain product is exact to a rounding.
		result = stored * std::exp2(x);
	} else {
		// Apply the integer part of the exponent with ldexp: a stored sum
		// near 2^600 read 1100 half-lives later is 2^-500, which a plain
		// stored * exp2(-1100) would lose in exp2's underflow.
		x = std::clamp(x, -kExponentLimit, kExponentLimit);
		double whole = std::floor(x);
		result = std::ldexp(stored * std::exp2(x - whole), static_cast<int>(whole));
	}

	// Overflow needs a `now` far before the lead's activities; saturating
	// keeps comparisons and sums in SQL meaningful (inf - inf is NaN).
	if (std::isinf(result))
		return std::copysign(DBL_MAX, stored);
	return result;
}

bool Decay::NeedsRebase(std::int64_t now) const noexcept {
	return decays_ && Exponent(now) > kRebaseExponent;
}

double Decay::RebaseFactor(std::int64_t new_epoch) const noexcept {
	if (!decays_)
		return 1;
	// s_new = sum(p * 2^((t - E_new)/h)) = s_old * 2^((E_old - E_new)/h).
	double x = Difference(epoch_us_, new_epoch) / half_life_us_;
	return std::exp2(std::min(x, kMaxWeightExponent));
}

void CompensatedSum::Add(double x) noexcept {
	double t = sum_ + x;
	// Neumaier: whichever of the two is smaller in magnitude lost the low
	// bits in t; recover them exactly and keep them apart.
	if (std::fabs(sum_) >= std::fabs(x))
		compensation_ += (sum_ - t) + x;
	else
		compensation_ += (x - t) + sum_;
	sum_ = t;
}

} // namespace leadscore::core
