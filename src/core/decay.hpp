// Decay without rewriting rows (DESIGN.md §2).
//
// With half-life h an activity worth p points at time ti is worth
// p * 2^(-(t - ti)/h) at time t.  Per lead we store the epoch-relative sum
// s = sum(pi * 2^((ti - E)/h)) for a fixed model epoch E; the current score is
// s * 2^(-(t - E)/h).  Every lead of a model decays by the same factor, so
// ordering by s is ordering by the current score, and a threshold T at time t
// is the stored value T * 2^((t - E)/h).
//
// Times are microseconds since the Unix epoch.  A model without decay has an
// infinite half-life: every weight is 1 and nothing ever needs re-basing.
#pragma once

#include <cstdint>

namespace leadscore::core {

// Re-base once (t - E)/h passes this: 2^512 is far from float8's 2^1023, so
// points up to 1e150 still fit, and re-basing is rare (512 half-lives).
constexpr double kRebaseExponent = 512.0;

// Weight() never exceeds 2^kMaxWeightExponent, so a stored sum stays finite
// even for an activity dated centuries ahead (a typo): an infinite sum would
// turn into NaN (inf - inf) when that row is deleted again.  Times past this
// point all weigh the same; the glue may treat them as bad input (Exponent()
// tells).  Normal operation never comes near: now is re-based at 512, and
// 2^960 leaves room for points times counts up to ~1e19.
constexpr double kMaxWeightExponent = 960.0;

// A range of stored sums [lo, hi).
struct StoredRange {
	double lo;
	double hi;
};

class Decay {
public:
	// half_life_us <= 0 or not finite means no decay.
	Decay(double half_life_us, std::int64_t epoch_us) noexcept;
	static Decay None() noexcept {
		return Decay(0, 0);
	}

	bool decays() const noexcept {
		return decays_;
	}
	double half_life_us() const noexcept {
		return half_life_us_;
	}
	std::int64_t epoch_us() const noexcept {
		return epoch_us_;
	}

	// (t - E)/h, 0 without decay.  Exact in t - E: the difference is taken
	// in int64 (with overflow care) before it becomes a double.
	double Exponent(std::int64_t t) const noexcept;
	// 2^((t - E)/h): what one point at time t adds to the stored sum.  Always
	// finite: 0 far before E, at most 2^kMaxWeightExponent after it.
	double Weight(std::int64_t t) const noexcept;
	double Stored(double points, std::int64_t at) const noexcept {
		return points * Weight(at);
	}
	// The score at `now` of a lead whose stored sum is `stored`.  Finite for
	// a finite `stored` at any `now` (saturating at +-DBL_MAX when `now` lies
	// far before the activities), and 0 stays 0.
	double Current(double stored, std::int64_t now) const noexcept;
	// The stored sum that equals `threshold` points at time `at`.
	double StoredThreshold(double threshold, std::int64_t at) const noexcept {
		return threshold * Weight(at);
	}
	// Leads whose stored sum lies in the returned range fell below `threshold`
	// between t0 and t1 (t0 <= t1) by decay alone: they were >= threshold at
	// t0 and are < threshold at t1.  Empty (lo >= hi) when t1 <= t0 or the
	// model does not decay.  Exact for positive thresholds; a negative
	// threshold is never crossed downwards by decay (scores decay toward 0).
	StoredRange FellBelow(double threshold, std::int64_t t0, std::int64_t t1) const noexcept;

	// True once (now - E)/h has passed kRebaseExponent.
	bool NeedsRebase(std::int64_t now) const noexcept;
	// Multiply every stored sum by this to move the epoch to `new_epoch`;
	// 1 without decay.  Moving the epoch back by more than
	// kMaxWeightExponent half-lives is not supported (the factor saturates).
	double RebaseFactor(std::int64_t new_epoch) const noexcept;
	Decay Rebased(std::int64_t new_epoch) const noexcept {
		return Decay(decays_ ? half_life_us_ : 0, new_epoch);
	}

private:
	double half_life_us_;
	std::int64_t epoch_us_;
	bool decays_;
};

// "X % per period" decay as a half-life: h = period * ln 2 / -ln(1 - X),
// for 0 < fraction < 1.  Returns 0 (no decay) for fraction <= 0, and NaN for
// fraction >= 1, a NaN fraction or a period that is not positive: the caller
// must reject those, since Decay would read NaN as "no decay" and 100 % per
// period is the opposite of that.
double HalfLifeFromFractionPerPeriod(double fraction, double period_us) noexcept;

// Neumaier's compensated sum: adding a million weights that span hundreds of
// orders of magnitude loses no more than a rounding or two.
class CompensatedSum {
public:
	void Add(double x) noexcept;
	double Value() const noexcept {
		return sum_ + compensation_;
	}

private:
	double sum_ = 0;
	double compensation_ = 0;
};

} // namespace leadscore::core
