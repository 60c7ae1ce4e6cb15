// The calibration and gains curve: bins of equal size from the highest
// prediction down, their rates, lifts and cumulative shares.
#include "core/insight/gains_curve.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leadscore::core {
namespace {

EvalLead Lead(double score, double probability, bool converted) {
	EvalLead lead;
	lead.score = score;
	lead.probability = probability;
	lead.converted = converted;
	return lead;
}

TEST(GainsCurve, BinsByProbabilityHighestFirst) {
	// Ten leads; probability 0.1 * i, the top three and lead 4 converted.
	std::vector<EvalLead> leads;
	for (int i = 1; i <= 10; i++)
		leads.push_back(Lead(100 - i, 0.1 * i, i >= 8 || i == 4));
	std::vector<GainsBin> bins = GainsCurve(&leads, 3);
	ASSERT_EQ(bins.size(), 3u);
	EXPECT_EQ(bins[0].leads, 4); // 10 = 4 + 3 + 3
	EXPECT_EQ(bins[1].leads, 3);
	EXPECT_EQ(bins[0].converted, 3); // 1.0, 0.9, 0.8 and 0.7
	EXPECT_NEAR(bins[0].mean_predicted, 0.85, 1e-12);
	EXPECT_NEAR(bins[0].observed_rate, 0.75, 1e-12);
	EXPECT_NEAR(bins[0].lift, 0.75 / 0.4, 1e-12);
	EXPECT_NEAR(bins[0].cumulative_share, 0.75, 1e-12);
	EXPECT_EQ(bins[2].converted, 0); // 0.3, 0.2, 0.1; lead 4 (0.4) is in bin 2
	EXPECT_EQ(bins[1].converted, 1);
	EXPECT_NEAR(bins[2].cumulative_share, 1.0, 1e-12);
}

TEST(GainsCurve, ByScoreWithoutALinkAndNoMoreBinsThanLeads) {
	std::vector<EvalLead> leads = {Lead(5, std::nan(""), false), Lead(50, std::nan(""), true)};
	std::vector<GainsBin> bins = GainsCurve(&leads, 10);
	ASSERT_EQ(bins.size(), 2u);
	EXPECT_EQ(bins[0].mean_score, 50);
	EXPECT_TRUE(std::isnan(bins[0].mean_predicted));
	std::vector<EvalLead> none;
	EXPECT_TRUE(GainsCurve(&none, 10).empty());
	// Nobody converted: shares undefined.
	std::vector<EvalLead> cold = {Lead(1, 0.2, false)};
	EXPECT_TRUE(std::isnan(GainsCurve(&cold, 1)[0].cumulative_share));
}

} // namespace
} // namespace leadscore::core
