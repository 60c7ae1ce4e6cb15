// Decay without rewriting rows (docs/design.md, "Epoch-relative sums").
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

// The three exponents below keep every stored sum, and every score read
// from one, finite by construction (DBL_MAX is just under 2^1024):
//
//   |points| <= 1e12 < 2^40 (kMaxRulePoints), rows per lead < 2^63, and a
//   weight <= 2^kMaxWeightExponent give |stored| <= 2^703 for a lead, a
//   stage or (their square roots summed) an account;
//   the epoch never runs more than kMaxEpochLead half-lives ahead of the
//   clock, so the weight a read divides by is >= 2^-320 and a score read
//   at the real time is at most 2^1023.
//
// An infinite sum would become NaN (inf - inf) when its row is deleted, and
// a NaN sum passes every ">=" in SQL: a lead that nets to zero would read
// as 'sql'.

// Re-base once (t - E)/h passes this: rare (256 half-lives), and far below
// kMaxWeightExponent, so activities dated up to ~340 half-lives ahead of the
// clock still weigh exactly.
constexpr double kRebaseExponent = 256.0;

// Weight() never exceeds 2^kMaxWeightExponent: an activity dated further
// after the epoch (a typo'd year) weighs the same as one dated exactly
// there.  The SQL function leadscore.stored_weight clamps at the same value.
constexpr double kMaxWeightExponent = 600.0;

// tick() with a `now` ahead of the clock re-bases no further than this many
// half-lives past the clock (src/pg/maintenance/tick_function.cpp).
constexpr double kMaxEpochLead = 320.0;

class Decay {
public:
	// half_life_us <= 0 or not finite means no decay.
	Decay(double half_life_us, std::int64_t epoch_us) noexcept;

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

	// True once (now - E)/h has passed kRebaseExponent.
	bool NeedsRebase(std::int64_t now) const noexcept;
	// Multiply every stored sum by this to move the epoch to `new_epoch`;
	// 1 without decay.  Moving the epoch back by more than
	// kMaxWeightExponent half-lives is not supported (the factor saturates).
	double RebaseFactor(std::int64_t new_epoch) const noexcept;

private:
	double half_life_us_;
	std::int64_t epoch_us_;
	bool decays_;
};

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
