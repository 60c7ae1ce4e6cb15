// learn()'s fit: recovery of a known law, the cross-validated choice of
// the half-life, the scale of points and steps, skipped leads, refusals.
#include "core/insight/learned_points.hpp"

#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace leadscore::core {
namespace {

// Leads with two rule features per candidate (the true one first: column
// 0 of candidate 0 drives conversion) and a criterion.
LearnData Synthetic(std::size_t n, std::uint32_t seed) {
	std::mt19937_64 rng(seed);
	std::poisson_distribution<int> visits(2.0);
	std::uniform_real_distribution<double> u(0, 1);
	LearnData d;
	d.leads = n;
	d.rules = 2;
	d.criteria = 1;
	d.rule_features.resize(2);
	for (std::size_t i = 0; i < n; i++) {
		double webinars = visits(rng), noise = visits(rng), large = u(rng) < 0.3 ? 1 : 0;
		double p = 1 / (1 + std::exp(-(-2 + 0.8 * webinars + 1.0 * large)));
		d.rule_features[0].insert(d.rule_features[0].end(), {webinars, noise});
		// Candidate 1: the same activity seen through a wrong half-life,
		// blurred.
		d.rule_features[1].insert(d.rule_features[1].end(), {webinars * u(rng), noise});
		d.criterion_features.push_back(large);
		d.converted.push_back(u(rng) < p ? 1 : 0);
		d.fold.push_back(static_cast<std::uint32_t>(i % 5));
	}
	return d;
}

TEST(LearnWeights, RecoversAKnownLaw) {
	LearnedWeights w = LearnWeights(Synthetic(20000, 1));
	EXPECT_EQ(w.half_life, 0u);
	EXPECT_NEAR(w.rule_weight[0], 0.8, 0.08);
	EXPECT_NEAR(w.rule_weight[1], 0.0, 0.05);
	EXPECT_NEAR(w.criterion_weight[0], 1.0, 0.12);
	EXPECT_NEAR(w.intercept, -2.0, 0.15);
	EXPECT_LT(w.rule_error[0], 0.05);
	// Every candidate and penalty tried, and the chosen one is the best.
	ASSERT_EQ(w.trials.size(), 2 * kLearnPenalties.size());
	for (const LearnTrial &t : w.trials) {
		if (t.half_life != w.half_life || t.lambda != w.lambda)
			continue;
		for (const LearnTrial &other : w.trials)
			EXPECT_LE(t.log_loss, other.log_loss);
	}
}

TEST(LearnWeights, ScalesToPointsAndSteps) {
	EXPECT_NEAR(LearnedPoints(std::log(2.0), 25), 25, 1e-12); // doubling the odds: 25 points
	EXPECT_EQ(LearnedSteps(std::log(2.0)), 3);                // ... and a letter
	EXPECT_EQ(LearnedSteps(-100), -12);
	EXPECT_EQ(LearnedSteps(0.1), 0);
}

TEST(LearnWeights, SkipsLeadsWithUndefinedFeatures) {
	LearnData d = Synthetic(2000, 2);
	d.rule_features[1][7] = std::nan("");
	d.rule_features[0][10] = std::numeric_limits<double>::infinity();
	LearnedWeights w = LearnWeights(d);
	EXPECT_EQ(w.skipped, 2);
}

TEST(LearnWeights, RefusesTooFewLeads) {
	LearnData d = Synthetic(3, 3);
	d.converted = {1, 0, 0};
	EXPECT_THROW(LearnWeights(d), Error);
	LearnData few = Synthetic(3, 3);
	few.converted = {1, 0, 1};
	few.leads = 3;
	try {
		LearnWeights(few); // 2 and 1
		FAIL();
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("not 2 and 1"), std::string::npos) << e.what();
	}
	// Four leads, two of each class, four features: no more leads than
	// features.
	LearnData narrow;
	narrow.leads = 4;
	narrow.rules = 4;
	narrow.rule_features = {std::vector<double>(16)};
	for (std::size_t i = 0; i < 16; i++)
		narrow.rule_features[0][i] = static_cast<double>(i % 5);
	narrow.converted = {1, 1, 0, 0};
	narrow.fold = {0, 1, 2, 3};
	try {
		LearnWeights(narrow);
		FAIL();
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("4 rules and criteria needs more leads"), std::string::npos) << e.what();
	}
}

TEST(LearnWeights, ConstantFeatureGetsNoWeight) {
	LearnData d = Synthetic(3000, 5);
	for (std::size_t i = 0; i < d.leads; i++)
		d.rule_features[0][i * 2 + 1] = 0; // the noise rule never matched
	LearnedWeights w = LearnWeights(d);
	EXPECT_EQ(w.rule_weight[1], 0);
	EXPECT_TRUE(std::isnan(w.rule_error[1]));
}

// A first form fill judged 7 days later: 0.52 to 0.54 for every lead, by
// the time of day, which says nothing.  Standardised, it took a chance
// weight of several log-odds per unit that the intercept cancels (the
// points of -250 ± 280 of bench/README.md); now it is left out.
TEST(LearnWeights, NearlyConstantRuleIsLeftOut) {
	LearnData d = Synthetic(3000, 6);
	std::mt19937_64 rng(7);
	std::uniform_real_distribution<double> u(0, 1);
	for (std::size_t i = 0; i < d.leads; i++)
		d.rule_features[0][i * 2 + 1] = 0.52 + 0.02 * u(rng);
	LearnedWeights w = LearnWeights(d);
	EXPECT_TRUE(w.nearly_constant[1]);
	EXPECT_FALSE(w.nearly_constant[0]);
	EXPECT_FALSE(w.nearly_constant[2]);
	EXPECT_EQ(w.rule_weight[1], 0);
	EXPECT_TRUE(std::isnan(w.rule_error[1]));
	EXPECT_NEAR(w.rule_weight[0], 0.8, 0.15); // the rest of the law stands
	EXPECT_TRUE(NearlyConstant(0.53, 0.05));
	EXPECT_FALSE(NearlyConstant(0.53, 0.06));
	EXPECT_FALSE(NearlyConstant(0, 0)); // constant: no weight at all, not reported
}

} // namespace
} // namespace leadscore::core
