// Score bands: the band of a score (the highest reached, the floor below
// every minimum, max_score's reach), band transitions in the lifecycle and
// when decay next moves a lead down a band.
#include "core/lead/lead_lifecycle.hpp"
#include "core/lead/scoring_status.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

ModelSpec Model(bool floor) {
	ModelSpec m;
	m.name = "crm";
	m.half_life_us = 10.0 * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	if (floor)
		m.bands.push_back(ScoreBand{"cold", kFloorMinScore, "newsletter"});
	m.bands.push_back(ScoreBand{"warm", 20, "nurture email"});
	m.bands.push_back(ScoreBand{"hot", 80, "call"});
	return m;
}

TEST(ScoreBand, TheHighestBandReached) {
	ModelSpec m = Model(true);
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024 + 3 * kDay;
	EXPECT_EQ(BandAt(m, decay.Stored(90, now), now), 2);
	EXPECT_EQ(BandAt(m, decay.Stored(80, now), now), 2); // the minimum is in the band
	EXPECT_EQ(BandAt(m, decay.Stored(79.9, now), now), 1);
	EXPECT_EQ(BandAt(m, decay.Stored(5, now), now), 0);
	EXPECT_EQ(BandAt(m, decay.Stored(-40, now), now), 0); // the floor holds negative scores
}

TEST(ScoreBand, NoFloorNoBandBelowTheLowestMinimum) {
	ModelSpec m = Model(false);
	EXPECT_EQ(BandAt(m, 5, k2024), kNoBand);
	EXPECT_EQ(BandAt(m, 20, k2024), 0);
	m.bands.clear();
	EXPECT_EQ(BandAt(m, 1e9, k2024), kNoBand);
}

TEST(ScoreBand, ABandAboveMaxScoreIsOutOfReach) {
	ModelSpec m = Model(true);
	m.max_score = 70;
	EXPECT_EQ(BandAt(m, 500, k2024), 1);
}

TEST(ScoreBand, UpwardByTheWriterDownwardDueByDecay) {
	ModelSpec m = Model(true);
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024 + kDay;
	double stored = decay.Stored(90, now);
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, LifecycleInput{stored, nullptr, 0, std::nullopt}, now, TransitionCause::Activity, &rec, &out);
	// nurture -> mql and no band -> hot
	ASSERT_EQ(out.size(), 2u);
	EXPECT_EQ(out[1].kind, TransitionKind::Band);
	EXPECT_EQ(out[1].from, kNoBand);
	EXPECT_EQ(out[1].to, 2);
	EXPECT_STREQ(TransitionValueName(m, TransitionKind::Band, 2), "hot");
	EXPECT_STREQ(TransitionKindName(TransitionKind::Band), "band");
	// 90 falls to 80 (and below MQL's 50 later): the band's crossing comes
	// first, log2(90/80) half-lives on.
	std::int64_t hot_until = now + static_cast<std::int64_t>(10.0 * static_cast<double>(kDay) * std::log2(90.0 / 80.0));
	EXPECT_NEAR(static_cast<double>(rec.due_at), static_cast<double>(hot_until), 2.0);
	out.clear();
	Advance(m, LifecycleInput{stored, nullptr, 0, std::nullopt}, rec.due_at, TransitionCause::Decay, &rec, &out);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].kind, TransitionKind::Band);
	EXPECT_EQ(out[0].cause, TransitionCause::Decay);
	EXPECT_EQ(out[0].to, 1);
}

TEST(ScoreBand, TheFloorIsNeverLeftByDecay) {
	ModelSpec m = Model(true);
	m.mql_threshold = 1e6;
	m.sql_threshold = 2e6;
	Decay decay(m.half_life_us, m.epoch_us);
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, LifecycleInput{decay.Stored(5, k2024), nullptr, 0, std::nullopt}, k2024, TransitionCause::Activity,
	        &rec, &out);
	EXPECT_EQ(rec.band, 0);
	EXPECT_EQ(rec.due_at, kNoTime);
}

} // namespace
} // namespace leadscore::core
