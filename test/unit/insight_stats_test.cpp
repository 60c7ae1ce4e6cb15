// Wilson intervals, ROC AUC (Mann-Whitney, ties one half) against a
// pairwise brute force, and medians.
#include "core/insight/insight_stats.hpp"

#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace leadscore::core {
namespace {

TEST(WilsonInterval, KnownValues) {
	// Reference values from the closed form, computed independently.
	RateInterval a = WilsonInterval(5, 10);
	EXPECT_NEAR(a.low, 0.236593090512564, 1e-12);
	EXPECT_NEAR(a.high, 0.7634069094874361, 1e-12);
	RateInterval b = WilsonInterval(1, 3);
	EXPECT_NEAR(b.low, 0.06149194472039615, 1e-12);
	EXPECT_NEAR(b.high, 0.7923403991979523, 1e-12);
}

TEST(WilsonInterval, EdgesStayInsideZeroOne) {
	RateInterval none = WilsonInterval(0, 10);
	EXPECT_EQ(none.low, 0);
	EXPECT_NEAR(none.high, 0.2775327998628892, 1e-12);
	RateInterval all = WilsonInterval(10, 10);
	EXPECT_NEAR(all.low, 0.7224672001371107, 1e-12);
	EXPECT_LE(all.high, 1.0);
	EXPECT_TRUE(std::isnan(WilsonInterval(0, 0).low));
	EXPECT_TRUE(std::isnan(WilsonInterval(3, 2).high));
}

TEST(WilsonInterval, NarrowsWithMoreData) {
	RateInterval small = WilsonInterval(3, 10), large = WilsonInterval(300, 1000);
	EXPECT_LT(large.high - large.low, (small.high - small.low) / 5);
	EXPECT_LT(large.low, 0.3);
	EXPECT_GT(large.high, 0.3);
}

TEST(TwoSidedZ, NormalQuantiles) {
	// scipy.stats.norm.ppf((1 + c) / 2).
	EXPECT_NEAR(TwoSidedZ(0.95), kWilsonZ95, 1e-12);
	EXPECT_NEAR(TwoSidedZ(0.5), 0.6744897501960817, 1e-12);
	EXPECT_NEAR(TwoSidedZ(0.8), 1.2815515655446004, 1e-12);
	EXPECT_NEAR(TwoSidedZ(0.999), 3.2905267314919255, 1e-11);
	EXPECT_NEAR(TwoSidedZ(1e-9), 1.2533141373155e-09, 1e-15);
	for (double bad : {0.0, 1.0, -0.5, 2.0, std::nan("")})
		EXPECT_TRUE(std::isnan(TwoSidedZ(bad))) << bad;
}

double BruteAuc(const std::vector<ScoredLabel> &items) {
	double u = 0, pairs = 0;
	for (const ScoredLabel &p : items)
		for (const ScoredLabel &n : items)
			if (p.positive && !n.positive) {
				pairs++;
				u += p.score > n.score ? 1 : p.score == n.score ? 0.5 : 0;
			}
	return u / pairs;
}

TEST(RocAuc, SimpleCases) {
	std::vector<ScoredLabel> perfect{{1, false}, {2, false}, {3, true}, {4, true}};
	EXPECT_EQ(RocAuc(&perfect), 1.0);
	std::vector<ScoredLabel> reversed{{1, true}, {2, true}, {3, false}};
	EXPECT_EQ(RocAuc(&reversed), 0.0);
	std::vector<ScoredLabel> tied{{5, true}, {5, false}, {5, false}};
	EXPECT_EQ(RocAuc(&tied), 0.5);
	// One positive above one of two negatives and tied with the other.
	std::vector<ScoredLabel> mixed{{1, false}, {2, false}, {2, true}};
	EXPECT_EQ(RocAuc(&mixed), 0.75);
}

TEST(RocAuc, UndefinedWithoutBothClasses) {
	std::vector<ScoredLabel> none;
	EXPECT_TRUE(std::isnan(RocAuc(&none)));
	std::vector<ScoredLabel> positives{{1, true}, {2, true}};
	EXPECT_TRUE(std::isnan(RocAuc(&positives)));
	std::vector<ScoredLabel> negatives{{1, false}};
	EXPECT_TRUE(std::isnan(RocAuc(&negatives)));
}

TEST(RocAuc, NaNScoreIsAnError) {
	std::vector<ScoredLabel> bad{{1, true}, {std::nan(""), false}};
	EXPECT_THROW(RocAuc(&bad), Error);
}

TEST(RocAuc, MatchesPairwiseCountWithManyTies) {
	std::mt19937_64 rng(7);
	for (int round = 0; round < 50; round++) {
		std::vector<ScoredLabel> items;
		std::size_t n = 1 + rng() % 300;
		for (std::size_t i = 0; i < n; i++) {
			// Few distinct scores, so ties are everywhere; label leaning on score.
			double score = static_cast<double>(rng() % 12) * 2.5;
			bool positive = rng() % 100 < 10 + static_cast<unsigned>(score * 3);
			items.push_back({score, positive});
		}
		double brute = BruteAuc(items);
		double fast = RocAuc(&items);
		if (std::isnan(brute))
			EXPECT_TRUE(std::isnan(fast));
		else
			EXPECT_NEAR(fast, brute, 1e-12) << "round " << round;
	}
}

TEST(Median, OddEvenEmpty) {
	std::vector<double> odd{5, 1, 3};
	EXPECT_EQ(Median(&odd), 3);
	std::vector<double> even{4, 1, 3, 2};
	EXPECT_EQ(Median(&even), 2.5);
	std::vector<double> one{7};
	EXPECT_EQ(Median(&one), 7);
	std::vector<double> none;
	EXPECT_TRUE(std::isnan(Median(&none)));
}

TEST(Ratio, UndefinedDenominators) {
	EXPECT_EQ(Ratio(1, 4), 0.25);
	EXPECT_TRUE(std::isnan(Ratio(1, 0)));
	EXPECT_TRUE(std::isnan(Ratio(std::nan(""), 2)));
}

} // namespace
} // namespace leadscore::core
