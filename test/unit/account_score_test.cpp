// Account scores: breadth beats volume, exact decay with a doubled
// half-life, stages, and shares that add and subtract.
#include "core/lead/account_score.hpp"
#include "core/lead/scoring_status.hpp"
#include "core/model/stage_rule.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

ModelSpec Model() {
	ModelSpec m;
	m.name = "crm";
	m.half_life_us = 30.0 * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	m.stages = {"awareness", "consideration", "decision"};
	m.stage_min_points = 10;
	return m;
}

double AccountScore(const ModelSpec &lead_model, const std::vector<double> &lead_scores, std::int64_t now) {
	Decay decay(lead_model.half_life_us, lead_model.epoch_us);
	AccountShare total;
	for (double s : lead_scores) {
		double stored = decay.Stored(s, now);
		AddShare(LeadShare(lead_model, stored, nullptr, 0, 1), 1, &total);
	}
	return CurrentScore(AccountModel(lead_model, 150), total.stored, now);
}

TEST(AccountScore, BreadthBeatsVolume) {
	ModelSpec m = Model();
	std::int64_t now = k2024 + 40 * kDay;
	double group = AccountScore(m, {40, 40, 40, 40, 40}, now);
	double binge = AccountScore(m, {200}, now);
	EXPECT_NEAR(group, 5 * std::sqrt(50.0 * 40), 1e-9);
	EXPECT_NEAR(binge, 100, 1e-9);
	EXPECT_GT(group, 2 * binge);
	// A lead at MQL adds MQL points; negative leads add nothing.
	EXPECT_NEAR(AccountScore(m, {50}, now), 50, 1e-9);
	EXPECT_NEAR(AccountScore(m, {50, -40}, now), 50, 1e-9);
}

TEST(AccountScore, DecaysExactlyWithTheLeads) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t t0 = k2024 + 10 * kDay;
	AccountShare total;
	for (double s : {30.0, 70.0, 120.0})
		AddShare(LeadShare(m, decay.Stored(s, t0), nullptr, 0, 1), 1, &total);
	ModelSpec am = AccountModel(m, 150);
	for (int days : {0, 7, 30, 90, 400}) {
		std::int64_t t = t0 + days * kDay;
		double expected = 0;
		for (double s : {30.0, 70.0, 120.0})
			expected += std::sqrt(50 * decay.Current(decay.Stored(s, t0), t));
		EXPECT_NEAR(CurrentScore(am, total.stored, t) / expected, 1, 1e-12) << days;
	}
	// Status threshold: hot while the account score is at least 150.
	EXPECT_EQ(StatusAt(am, total.stored, t0), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(am, total.stored, t0 + 90 * kDay), LeadStatus::Nurture);
	EXPECT_TRUE(std::isinf(am.sql_threshold));
	// Without a threshold an account never qualifies.
	EXPECT_EQ(StatusAt(AccountModel(m, std::nan("")), total.stored, t0), LeadStatus::Nurture);
}

TEST(AccountScore, StagesQualifyAsTheLeadWould) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024;
	ModelSpec am = AccountModel(m, 150);
	for (double points : {5.0, 9.99, 10.0, 35.0}) {
		std::vector<double> stages = {0, 0, decay.Stored(points, now)};
		AccountShare share = LeadShare(m, stages[2], stages.data(), stages.size(), 1);
		EXPECT_EQ(StageAt(am, share.stages.data(), share.stages.size(), now),
		          StageAt(m, stages.data(), stages.size(), now))
		    << points;
	}
}

TEST(AccountScore, SharesAddAndSubtract) {
	ModelSpec m = Model();
	std::vector<double> stages = {4, 9, 16};
	AccountShare total;
	AccountShare a = LeadShare(m, 100, stages.data(), 3, 2);
	AccountShare b = LeadShare(m, 25, stages.data(), 3, 0);
	AddShare(a, 1, &total);
	AddShare(b, 1, &total);
	EXPECT_EQ(total.members, 1);
	EXPECT_NEAR(total.stored, std::sqrt(50.0) * (10 + 5), 1e-12);
	EXPECT_NEAR(total.stages[1], 2 * std::sqrt(10.0) * 3, 1e-12);
	AddShare(a, -1, &total);
	EXPECT_EQ(total.members, 0);
	EXPECT_NEAR(total.stored, std::sqrt(50.0) * 5, 1e-12);
}

} // namespace
} // namespace leadscore::core
