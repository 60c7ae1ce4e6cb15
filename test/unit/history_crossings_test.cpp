// The crossings of a lead's history (history_crossings.hpp): which leads a
// writer may leave unqueued (MayHaveCrossed), a lead whose rows share one
// time (CrossingAt), and how tick() moves a record through what the walk
// found (AdvanceThroughHistory).
#include "core/insight/history_crossings.hpp"
#include "core/model/decay.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

// 7-day half-life, MQL 40, SQL 100: a 60-point demo request is an MQL for
// 4.1 days.
ModelSpec Model() {
	ModelSpec m;
	m.id = 1;
	m.name = "m";
	m.half_life_us = 7.0 * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.mql_threshold = 40;
	m.sql_threshold = 100;
	RuleSpec demo;
	demo.id = 1;
	demo.name = "demo";
	demo.activity_type = "demo";
	demo.points = 60;
	m.rules.push_back(demo);
	return m;
}

double Stored(const ModelSpec &m, double points, std::int64_t at) {
	return Decay(m.half_life_us, m.epoch_us).Stored(points, at);
}

TEST(MayHaveCrossed, ASumBelowTheThresholdsSinceTheEarliestRowCannotHave) {
	ModelSpec m = Model();
	std::int64_t now = k2024 + 30 * kDay;
	// 30 points a day ago and 5 now: at most 30 * 2^(1/7) + 5 = 37.3 read
	// at the earlier row, below MQL 40.
	double stored = Stored(m, 30, now - kDay) + Stored(m, 5, now);
	EXPECT_FALSE(MayHaveCrossed(m, stored, now - kDay));
	// The same sum since a week earlier reads twice as much there: maybe.
	EXPECT_TRUE(MayHaveCrossed(m, stored, now - 8 * kDay));
	// 60 points: an MQL at its own time.
	EXPECT_TRUE(MayHaveCrossed(m, Stored(m, 60, now - kDay), now - kDay));
}

TEST(MayHaveCrossed, NegativePointsOrALedgerLeaveNoBound) {
	std::int64_t now = k2024 + 30 * kDay;
	ModelSpec negative = Model();
	negative.rules.push_back(negative.rules[0]);
	negative.rules.back().points = -20;
	EXPECT_TRUE(MayHaveCrossed(negative, 0, now - kDay));
	ModelSpec expression = Model();
	expression.rules[0].points = 0;
	expression.rules[0].points_expression = "seats * 2";
	EXPECT_TRUE(MayHaveCrossed(expression, 0, now - kDay));
	ModelSpec ledger = Model();
	ledger.ledger = true;
	EXPECT_TRUE(MayHaveCrossed(ledger, 0, now - kDay));
}

TEST(MayHaveCrossed, WithoutDecayTheBoundIsTheSum) {
	ModelSpec m = Model();
	m.half_life_us = 0;
	std::int64_t now = k2024 + 30 * kDay;
	EXPECT_FALSE(MayHaveCrossed(m, 39.5, now - 300 * kDay));
	EXPECT_TRUE(MayHaveCrossed(m, 40, now - 300 * kDay));
}

TEST(CrossingAt, OneTimeIsOneStatus) {
	ModelSpec m = Model();
	std::int64_t at = k2024 + 10 * kDay;
	HistoryCrossings mql = CrossingAt(m, Stored(m, 60, at), at, std::nullopt);
	EXPECT_EQ(mql.mql_at, at);
	EXPECT_EQ(mql.sql_at, kNoTime);
	HistoryCrossings sql = CrossingAt(m, Stored(m, 120, at), at, std::nullopt);
	EXPECT_EQ(sql.mql_at, at);
	EXPECT_EQ(sql.sql_at, at);
	EXPECT_EQ(CrossingAt(m, Stored(m, 20, at), at, std::nullopt).mql_at, kNoTime);
}

// A lead whose demo request 10 days ago comes in a load: the writer saw it
// cooled (nurture); the walk found the MQL that day.  The climb is
// reported at its time, the fall now, and mql_at is that day.
TEST(AdvanceThroughHistory, ACooledLeadClimbsThenFalls) {
	ModelSpec m = Model();
	std::int64_t now = k2024 + 30 * kDay;
	std::int64_t demo = now - 10 * kDay;
	double stored = Stored(m, 60, demo);
	HistoryCrossings h = CrossingAt(m, stored, demo, std::nullopt);
	LifecycleRecord record;
	record.checked_at = now;
	std::vector<Transition> out;
	AdvanceThroughHistory(m, h, LifecycleInput{stored, nullptr, 0, std::nullopt}, demo, now, &record, &out);
	ASSERT_EQ(out.size(), 2u);
	EXPECT_EQ(out[0].at, demo);
	EXPECT_EQ(out[0].cause, TransitionCause::Activity);
	EXPECT_EQ(out[0].to, static_cast<int>(LeadStatus::Mql));
	EXPECT_EQ(out[1].at, now);
	EXPECT_EQ(out[1].cause, TransitionCause::Decay);
	EXPECT_EQ(out[1].to, static_cast<int>(LeadStatus::Nurture));
	EXPECT_EQ(record.status, LeadStatus::Nurture);
	EXPECT_EQ(record.mql_at, demo);
}

// The writer reported the move to mql at its own time; the walk only moves
// mql_at back, and a past sql that has cooled to mql is no handoff.
TEST(AdvanceThroughHistory, AReportedMoveKeepsItsEventAndASqlThatCooledIsNoHandoff) {
	ModelSpec m = Model();
	std::int64_t now = k2024 + 30 * kDay;
	std::int64_t first = now - 2 * kDay, second = now - 2 * kDay + 3'600'000'000;
	// 120 points two days ago: sql then (120 at the second row), 98 now.
	double stored = Stored(m, 60, first) + Stored(m, 60, second);
	HistoryCrossings h;
	h.mql_at = first;
	h.sql_at = second;
	h.moves = {StatusMove{first, LeadStatus::Nurture, LeadStatus::Mql, 60},
	           StatusMove{second, LeadStatus::Mql, LeadStatus::Sql, 119.6}};
	LifecycleRecord record;
	record.status = LeadStatus::Mql;
	record.mql_at = now;
	record.checked_at = now;
	std::vector<Transition> out;
	AdvanceThroughHistory(m, h, LifecycleInput{stored, nullptr, 0, std::nullopt}, first, now, &record, &out);
	EXPECT_TRUE(out.empty());
	EXPECT_EQ(record.status, LeadStatus::Mql);
	EXPECT_EQ(record.mql_at, first);
	EXPECT_EQ(record.sql_at, second);
}

} // namespace
} // namespace leadscore::core
