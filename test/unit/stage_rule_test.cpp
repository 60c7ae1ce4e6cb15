// Buyer stage: the furthest stage with enough decayed points, and the
// default minimum.
#include "core/model/stage_rule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

ModelSpec Journey(double half_life_days) {
	ModelSpec m;
	m.name = "crm_software";
	m.half_life_us = half_life_days * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.stages = {"awareness", "consideration", "decision"};
	return m;
}

// Stored stage sums of activities (stage, points, at).
struct Touch {
	int stage;
	double points;
	std::int64_t at;
};
std::vector<double> StageSums(const ModelSpec &m, const std::vector<Touch> &touches) {
	Decay decay(m.half_life_us, m.epoch_us);
	std::vector<double> sums(m.stages.size(), 0.0);
	for (const Touch &t : touches)
		sums[static_cast<std::size_t>(t.stage)] += decay.Stored(t.points, t.at);
	return sums;
}

int Stage(const ModelSpec &m, const std::vector<double> &sums, std::int64_t now) {
	return StageAt(m, sums.data(), sums.size(), now);
}

TEST(StageRule, DefaultMinimumIsTenPoints) {
	EXPECT_EQ(ModelSpec().stage_min_points, 10);
	EXPECT_EQ(kDefaultStageMinPoints, 10);
}

TEST(StageRule, FurthestStageWithEnoughPointsWins) {
	ModelSpec m = Journey(30);
	std::int64_t now = k2024 + 10 * kDay;
	// Lots of awareness, a little decision: the lead has begun deciding.
	std::vector<double> sums = StageSums(m, {{0, 100, now}, {2, 12, now}});
	EXPECT_EQ(Stage(m, sums, now), 2);
	// Decision below the minimum: consideration, if it has enough.
	sums = StageSums(m, {{0, 100, now}, {1, 10, now}, {2, 9, now}});
	EXPECT_EQ(Stage(m, sums, now), 1);
	sums = StageSums(m, {{0, 100, now}, {1, 9.99, now}, {2, 9, now}});
	EXPECT_EQ(Stage(m, sums, now), 0);
}

TEST(StageRule, NoStageWithoutEnoughPoints) {
	ModelSpec m = Journey(30);
	std::int64_t now = k2024;
	// One blog read of 5 points.
	std::vector<double> sums = StageSums(m, {{0, 5, now}});
	EXPECT_EQ(Stage(m, sums, now), kNoStage);
	EXPECT_EQ(Stage(m, std::vector<double>{0, 0, 0}, now), kNoStage);
	// Negative stage points never qualify.
	sums = StageSums(m, {{2, -40, now}});
	EXPECT_EQ(Stage(m, sums, now), kNoStage);
	// Two recent blog reads do.
	sums = StageSums(m, {{0, 5, now}, {0, 5, now}});
	EXPECT_EQ(Stage(m, sums, now), 0);
}

TEST(StageRule, OneStrayVisitMonthsAgoDoesNotHoldALead) {
	ModelSpec m = Journey(30);
	std::int64_t visit = k2024 + 5 * kDay;
	std::vector<double> sums = StageSums(m, {{0, 20, k2024}, {2, 35, visit}});
	EXPECT_EQ(Stage(m, sums, visit), 2);
	// 35 points decay to 10 after log2(3.5) = 1.81 half-lives (54 days).
	EXPECT_EQ(Stage(m, sums, visit + 54 * kDay), 2);
	EXPECT_EQ(Stage(m, sums, visit + 55 * kDay), kNoStage);
	// The older awareness content (20 points) left after 30 days.
	EXPECT_EQ(Stage(m, sums, k2024 + 31 * kDay), 2);
}

TEST(StageRule, StagesNeverCoolWithoutDecay) {
	ModelSpec m = Journey(0);
	std::vector<double> sums = StageSums(m, {{1, 10, k2024}});
	EXPECT_EQ(Stage(m, sums, k2024 + 3650 * kDay), 1);
}

TEST(StageRule, ShorterOrLongerSumArrays) {
	ModelSpec m = Journey(30);
	std::vector<double> sums = StageSums(m, {{1, 50, k2024}});
	// Fewer sums than stages: the missing ones are 0.
	EXPECT_EQ(StageAt(m, sums.data(), 2, k2024), 1);
	EXPECT_EQ(StageAt(m, sums.data(), 1, k2024), kNoStage);
	// More sums than stages: the extra ones are ignored.
	std::vector<double> longer = {0, 50, 0, 1000};
	EXPECT_EQ(StageAt(m, longer.data(), longer.size(), k2024), 1);
	ModelSpec none = Journey(30);
	none.stages.clear();
	EXPECT_EQ(StageAt(none, longer.data(), longer.size(), k2024), kNoStage);
}

} // namespace
} // namespace leadscore::core
