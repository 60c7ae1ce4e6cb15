// Decay arithmetic: the stored-sum method against a direct sum, re-basing,
// models without decay, and extreme times.
#include "core/model/decay.hpp"

#include "core/model/scoring_model.hpp"
#include "core/base/time_range.hpp"

#include <gtest/gtest.h>

#include <cfloat>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kDay = 86'400 * kSecond;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr std::int64_t k2020 = 1'577'836'800 * kSecond; // 2020-01-01 00:00 UTC
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// The start of `year`, near enough (mean Gregorian year).
std::int64_t YearStart(int year) {
	return static_cast<std::int64_t>(year - 1970) * 31'556'952 * kSecond;
}

struct Activity {
	std::int64_t at;
	double points;
};

// What a marketing team would configure (docs/design.md §1): many cheap
// top-of-funnel touches, a few heavy ones, and some negative signals.
class PointsDraw {
public:
	double operator()(std::mt19937_64 &rng) {
		return kPoints[pick_(rng)];
	}

private:
	static constexpr double kPoints[] = {5, 10, 20, 25, 35, 50, -40, -25, -10};
	std::discrete_distribution<int> pick_{30, 25, 10, 5, 5, 2, 2, 3, 18};
};

// sum(p * 2^(-(now - t)/h)), straight from the definition in long double,
// sharing no code with Decay.
long double DirectScore(const std::vector<Activity> &activities, std::int64_t now, double half_life,
                        long double *absolute) {
	long double sum = 0;
	long double abs_sum = 0;
	for (const Activity &a : activities) {
		long double w = std::exp2l(static_cast<long double>(a.at - now) / static_cast<long double>(half_life));
		sum += static_cast<long double>(a.points) * w;
		abs_sum += std::fabs(static_cast<long double>(a.points)) * w;
	}
	*absolute = abs_sum;
	return sum;
}

double RelativeError(double got, long double want, long double scale) {
	return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / scale);
}

// (1) A million activities over five years, 7-day half-life, fed in random
// order while the epoch is re-based as the product does it.
TEST(DecayTest, MillionActivitiesMatchDirectSum) {
	constexpr int kActivities = 1'000'000;
	const double half_life = static_cast<double>(kWeek);
	const std::int64_t start = k2020;
	const std::int64_t end = start + 1826 * kDay;

	std::mt19937_64 rng(20240611);
	std::uniform_int_distribution<std::int64_t> when(start, end);
	PointsDraw points;
	std::vector<Activity> activities(kActivities);
	for (Activity &a : activities)
		a = Activity{when(rng), points(rng)};

	// The model has been live for years: its epoch lies kRebaseExponent - 12
	// half-lives before the first activity, so the ingestion clock passes
	// kRebaseExponent some twelve weeks in.  The activities arrive in draw
	// order, which is random in time (a backfill, late rows).
	Decay decay(half_life, start - static_cast<std::int64_t>(kRebaseExponent - 12) * kWeek);
	double stored = 0;
	CompensatedSum compensated;
	int rebases = 0;
	for (int k = 0; k < kActivities; k++) {
		std::int64_t now = start + (end - start) / kActivities * k;
		if (decay.NeedsRebase(now)) {
			double factor = decay.RebaseFactor(now);
			stored *= factor;
			double carried = compensated.Value() * factor;
			compensated = CompensatedSum();
			compensated.Add(carried);
			decay = Decay(decay.half_life_us(), now);
			rebases++;
		}
		// A float8 column gets plain additions; that is what must be exact enough.
		stored += decay.Stored(activities[k].points, activities[k].at);
		compensated.Add(decay.Stored(activities[k].points, activities[k].at));
	}
	EXPECT_EQ(rebases, 1);
	EXPECT_FALSE(decay.NeedsRebase(end));

	// The same activities in time order, against the final epoch.
	std::vector<Activity> sorted = activities;
	std::sort(sorted.begin(), sorted.end(), [](const Activity &a, const Activity &b) { return a.at < b.at; });
	double stored_sorted = 0;
	for (const Activity &a : sorted)
		stored_sorted += decay.Stored(a.points, a.at);

	long double absolute = 0;
	long double direct = DirectScore(activities, end, half_life, &absolute);
	ASSERT_GT(direct, 1000.0L) << "the test wants a total far from zero";

	double current = decay.Current(stored, end);
	double error = RelativeError(current, direct, std::fabs(direct));
	double error_abs = RelativeError(current, direct, absolute);
	double error_sorted = RelativeError(decay.Current(stored_sorted, end), direct, std::fabs(direct));
	double error_compensated = RelativeError(decay.Current(compensated.Value(), end), direct, std::fabs(direct));
	std::printf("1M activities: score %.6Lf, relative error %.3g (to sum of |terms| %.3g), "
	            "time order %.3g, compensated %.3g\n",
	            direct, error, error_abs, error_sorted, error_compensated);
	EXPECT_LT(error, 1e-9);
	EXPECT_LT(error_abs, 1e-9);
	EXPECT_LT(error_sorted, 1e-9);
	EXPECT_LT(error_compensated, 1e-9);
	EXPECT_NEAR(stored, stored_sorted, 1e-9 * std::fabs(stored)) << "order must not matter";
}

struct Lead {
	double stored;
	std::vector<Activity> activities;
};

// `count` leads with 1..max_activities activities each between `from` and `to`.
std::vector<Lead> RandomLeads(const Decay &decay, int count, int max_activities, std::int64_t from, std::int64_t to,
                              std::uint64_t seed) {
	std::mt19937_64 rng(seed);
	std::uniform_int_distribution<std::int64_t> when(from, to);
	std::uniform_int_distribution<int> how_many(1, max_activities);
	PointsDraw points;
	std::vector<Lead> leads(static_cast<std::size_t>(count));
	for (Lead &lead : leads) {
		lead.stored = 0;
		for (int n = how_many(rng); n > 0; n--) {
			Activity a{when(rng), points(rng)};
			lead.activities.push_back(a);
			lead.stored += decay.Stored(a.points, a.at);
		}
	}
	return leads;
}

// (2) Re-basing moves every stored sum by one factor: no score changes, and
// the order of the stored sums (the btree's order) stays the same.
TEST(DecayTest, RebaseChangesNoScore) {
	const std::int64_t start = k2020;
	const std::int64_t end = start + 1826 * kDay;
	const double half_lives[] = {static_cast<double>(kWeek), static_cast<double>(30 * kDay),
	                              365.0 * static_cast<double>(kDay)};

	for (double half_life : half_lives) {
		Decay decay(half_life, start);
		std::vector<Lead> leads = RandomLeads(decay, 5000, 20, start, end, 7);
		std::vector<std::size_t> order(leads.size());
		std::iota(order.begin(), order.end(), 0);
		std::sort(order.begin(), order.end(),
		          [&](std::size_t a, std::size_t b) { return leads[a].stored < leads[b].stored; });

		const std::int64_t new_epochs[] = {start + 17 * kDay + 12345, end, start - 400 * kDay, end + 3 * kDay};
		const std::int64_t nows[] = {end, end + 5 * kDay, start + 100 * kDay};
		for (std::int64_t new_epoch : new_epochs) {
			double factor = decay.RebaseFactor(new_epoch);
			Decay rebased(decay.half_life_us(), new_epoch);

			for (std::int64_t now : nows) {
				// Only compare where the score is a normal double both ways.
				if (std::fabs(decay.Exponent(now)) > 900 || std::fabs(rebased.Exponent(now)) > 900)
					continue;
				for (const Lead &lead : leads) {
					double before = decay.Current(lead.stored, now);
					double after = rebased.Current(lead.stored * factor, now);
					ASSERT_NEAR(after, before, 1e-12 * std::fabs(before))
					    << "half-life " << half_life << " epoch " << new_epoch << " now " << now;
				}
			}
			for (std::size_t i = 1; i < order.size(); i++) {
				double lo = leads[order[i - 1]].stored;
				double hi = leads[order[i]].stored;
				ASSERT_LE(lo * factor, hi * factor);
				if (lo < hi) {
					ASSERT_LT(lo * factor, hi * factor) << "re-basing made two leads tie";
				}
			}
		}
	}
}

TEST(DecayTest, RebaseWhenTheProductWould) {
	const double half_life = static_cast<double>(kWeek);
	Decay decay(half_life, k2020);
	std::vector<Lead> leads = RandomLeads(decay, 1000, 20, k2020, k2020 + 600 * kWeek, 11);

	std::int64_t now = k2020 + static_cast<std::int64_t>(kRebaseExponent) * kWeek;
	EXPECT_FALSE(decay.NeedsRebase(now));
	now += 1;
	EXPECT_TRUE(decay.NeedsRebase(now));

	double factor = decay.RebaseFactor(now);
	Decay rebased(decay.half_life_us(), now);
	EXPECT_FALSE(rebased.NeedsRebase(now));
	EXPECT_DOUBLE_EQ(rebased.Weight(now), 1.0);
	for (const Lead &lead : leads) {
		double before = decay.Current(lead.stored, now + 30 * kWeek);
		double after = rebased.Current(lead.stored * factor, now + 30 * kWeek);
		ASSERT_NEAR(after, before, 1e-12 * std::fabs(before));
	}
}

// (3) A model without decay: weight 1, the stored sum is the score.
TEST(DecayTest, NoDecay) {
	const double no_half_life[] = {0, -1, -static_cast<double>(kWeek), std::numeric_limits<double>::infinity(),
	                               std::nan("")};
	const std::int64_t times[] = {kInt64Min, YearStart(1900), 0, k2020, YearStart(2200), kInt64Max};
	for (double half_life : no_half_life) {
		Decay decay(half_life, k2020);
		EXPECT_FALSE(decay.decays());
		EXPECT_EQ(decay.half_life_us(), 0);
		for (std::int64_t t : times) {
			EXPECT_EQ(decay.Weight(t), 1);
			EXPECT_EQ(decay.Exponent(t), 0);
			EXPECT_EQ(decay.Stored(35, t), 35);
			EXPECT_EQ(decay.Current(-12.5, t), -12.5);
			EXPECT_EQ(decay.StoredThreshold(100, t), 100);
			EXPECT_FALSE(decay.NeedsRebase(t));
			EXPECT_EQ(decay.RebaseFactor(t), 1);
		}
	}
	EXPECT_TRUE(Decay(1, 0).decays());
}

// (4) Years 1900..2200, times before the epoch, PostgreSQL's +-infinity
// timestamps: finite values everywhere, and exact ones where representable.
TEST(DecayTest, ExtremeTimesStayFinite) {
	const double half_lives[] = {60e6, 3600e6, static_cast<double>(kDay), static_cast<double>(kWeek),
	                             static_cast<double>(30 * kDay), static_cast<double>(365 * kDay), 1e-3};
	const std::int64_t epochs[] = {YearStart(1900), 0, k2020, YearStart(2200), kInt64Min, kInt64Max};
	std::vector<std::int64_t> times = {kInt64Min, kInt64Min + 1, -1, 0, 1, kInt64Max - 1, kInt64Max};
	for (int year = 1900; year <= 2200; year += 7)
		times.push_back(YearStart(year) + std::int64_t{year} * 1234567);

	for (double half_life : half_lives) {
		for (std::int64_t epoch : epochs) {
			Decay decay(half_life, epoch);
			double previous_weight = 0;
			std::vector<std::int64_t> ascending = times;
			std::sort(ascending.begin(), ascending.end());
			for (std::int64_t t : ascending) {
				double w = decay.Weight(t);
				ASSERT_TRUE(std::isfinite(w)) << half_life << " " << epoch << " " << t;
				ASSERT_GE(w, previous_weight) << "weights grow with time";
				ASSERT_LE(w, std::exp2(kMaxWeightExponent));
				previous_weight = w;
				ASSERT_FALSE(std::isnan(decay.Exponent(t)));
				ASSERT_TRUE(std::isfinite(decay.Stored(-40, t)));
				ASSERT_TRUE(std::isfinite(decay.RebaseFactor(t)));
				ASSERT_GE(decay.RebaseFactor(t), 0);
				(void) decay.NeedsRebase(t);
				for (double stored : {decay.Stored(50, t), -1e300, 1e300, 4.9e-324, -2.5, 0.0}) {
					for (std::int64_t now : times) {
						double score = decay.Current(stored, now);
						ASSERT_TRUE(std::isfinite(score)) << stored << " at " << now;
						ASSERT_TRUE(score == 0 || (score < 0) == (stored < 0)) << stored << " at " << now;
					}
				}
			}
		}
	}
}

TEST(DecayTest, ExtremeTimesAreExactWhereRepresentable) {
	// A one-year half-life spans 1900..2200 in 300 halvings: all representable.
	const double half_life = 365.0 * static_cast<double>(kDay);
	Decay decay(half_life, k2020);
	for (int from = 1900; from <= 2200; from += 13) {
		for (int to = from; to <= 2200; to += 29) {
			std::int64_t t = YearStart(from) + 777;
			std::int64_t now = YearStart(to);
			long double want = 50 * std::exp2l(static_cast<long double>(t - now) / half_life);
			double got = decay.Current(decay.Stored(50, t), now);
			ASSERT_LT(RelativeError(got, want, want), 1e-12) << from << " read in " << to;
		}
	}
	// Before the epoch a weight is below 1 and still accurate.
	EXPECT_NEAR(decay.Weight(k2020 - 365 * kDay), 0.5, 1e-15);
	EXPECT_NEAR(decay.Weight(k2020 - 36500 * kDay), std::exp2(-100.0), 1e-15 * std::exp2(-100.0));

	// A stored sum far from 1 read far in the future: the ldexp split keeps
	// what a plain product would lose to underflow.
	Decay weekly(static_cast<double>(kWeek), 0);
	double stored = std::exp2(600.0);
	EXPECT_EQ(weekly.Current(stored, 1100 * kWeek), std::exp2(-500.0));
	// A future row past kMaxWeightExponent is clamped, never infinite.
	EXPECT_EQ(weekly.Weight(2000 * kWeek), std::exp2(kMaxWeightExponent));
	EXPECT_EQ(weekly.Exponent(2000 * kWeek), 2000);
}

TEST(DecayTest, ExponentIsExactNearTheInt64Limits) {
	// Converting both times to double first would round 2^62 + 1 and 2^62 + 2
	// to the same value and lose the microsecond.
	const std::int64_t far = std::int64_t{1} << 62;
	Decay decay(1e6, far + 1);
	EXPECT_EQ(decay.Exponent(far + 2), 1e-6);
	EXPECT_EQ(decay.Exponent(far + 1 + kSecond), 1.0);
	EXPECT_EQ(decay.Weight(far + 1 + kSecond), 2.0);

	// t - E overflows int64 here: the sign must still be right.
	Decay top(1e6, kInt64Max);
	EXPECT_LT(top.Exponent(kInt64Min), -1e13);
	EXPECT_EQ(top.Weight(kInt64Min), 0);
	Decay bottom(1e6, kInt64Min);
	EXPECT_GT(bottom.Exponent(kInt64Max), 1e13);
	EXPECT_TRUE(bottom.NeedsRebase(kInt64Max));
	EXPECT_FALSE(top.NeedsRebase(kInt64Min));
	EXPECT_EQ(top.RebaseFactor(kInt64Min), std::exp2(kMaxWeightExponent));
	EXPECT_EQ(bottom.RebaseFactor(kInt64Max), 0);
}

// Every stored sum, and every score read from one, is finite by
// construction (decay.hpp): the largest points at the clamped weight, over
// more rows than an int64 counts, read with the epoch as far ahead of the
// clock as tick() may put it.
TEST(DecayTest, SumsAndScoresStayFiniteByConstruction) {
	static_assert(kRebaseExponent < kMaxEpochLead && kMaxEpochLead < kMaxWeightExponent);
	const double largest = kMaxRulePoints * std::exp2(kMaxWeightExponent) * std::exp2(63.0);
	ASSERT_TRUE(std::isfinite(largest));
	EXPECT_TRUE(std::isfinite(largest * std::exp2(kMaxEpochLead)));
	EXPECT_TRUE(std::isfinite(kMaxThreshold * std::exp2(kMaxWeightExponent)));

	// A one-minute model: the last time the core counts in is clamped, and
	// read kMaxEpochLead half-lives before the epoch it is large but exact,
	// not saturated.
	const double minute = 60.0 * kSecond;
	Decay decay(minute, k2020);
	EXPECT_EQ(decay.Weight(kLatestTime), std::exp2(kMaxWeightExponent));
	EXPECT_EQ(decay.Weight(kEarliestTime), 0);
	double stored = largest;
	double read = decay.Current(stored, k2020 - static_cast<std::int64_t>(kMaxEpochLead * minute));
	EXPECT_TRUE(std::isfinite(read));
	EXPECT_LT(read, DBL_MAX);
	// Points that net to zero on the clamped weight are exactly zero.
	EXPECT_EQ(decay.Stored(kMaxRulePoints, kLatestTime) + decay.Stored(-kMaxRulePoints, kLatestTime), 0);
}

// (5) Neumaier recovers what plain addition drops.
TEST(DecayTest, CompensatedSumBeatsNaive) {
	const double terms[] = {1.0, 1e100, 1.0, -1e100};
	double naive = 0;
	CompensatedSum sum;
	for (double x : terms) {
		naive += x;
		sum.Add(x);
	}
	EXPECT_EQ(naive, 0.0);
	EXPECT_EQ(sum.Value(), 2.0);

	// Small weights added to a large one: each 1.0 is half an ulp of 1e16
	// and rounds away (to even) in plain addition.
	naive = 1e16;
	CompensatedSum big;
	big.Add(1e16);
	for (int i = 0; i < 1000; i++) {
		naive += 1.0;
		big.Add(1.0);
	}
	EXPECT_EQ(naive, 1e16);
	EXPECT_EQ(big.Value(), 1e16 + 1000);

	// Kahan's plain compensation fails this one; Neumaier's does not.
	CompensatedSum kahan_case;
	for (double x : {1.0, 1e100, 1.0, -1e100, 3.0})
		kahan_case.Add(x);
	EXPECT_EQ(kahan_case.Value(), 5.0);
	EXPECT_EQ(CompensatedSum().Value(), 0.0);
}

} // namespace
} // namespace leadscore::core
