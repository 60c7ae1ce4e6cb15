// The lifecycle record: transitions with their causes, mql_at / sql_at,
// when decay is next due, and that time never runs backwards.
#include "core/lead/lead_lifecycle.hpp"

#include "core/base/time_range.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

ModelSpec Model() {
	ModelSpec m;
	m.name = "crm_software";
	m.half_life_us = 30.0 * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	m.stages = {"awareness", "consideration", "decision"};
	m.stage_min_points = 10;
	return m;
}

struct Lead {
	double stored = 0;
	std::vector<double> stages = {0, 0, 0};
	std::optional<GradeRank> grade;

	LifecycleInput Input() const {
		return LifecycleInput{stored, stages.data(), stages.size(), grade};
	}
};

TEST(LeadLifecycle, UpwardMovesAreReportedWithTheirCause) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024 + 10 * kDay;
	Lead lead;
	lead.stored = decay.Stored(60, now);
	lead.stages[2] = decay.Stored(35, now);
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), now, TransitionCause::Activity, &rec, &out);
	ASSERT_EQ(out.size(), 2u);
	EXPECT_EQ(out[0].kind, TransitionKind::Status);
	EXPECT_EQ(out[0].from, static_cast<int>(LeadStatus::Nurture));
	EXPECT_EQ(out[0].to, static_cast<int>(LeadStatus::Mql));
	EXPECT_EQ(out[0].cause, TransitionCause::Activity);
	EXPECT_NEAR(out[0].score, 60, 1e-9);
	EXPECT_EQ(out[1].kind, TransitionKind::Stage);
	EXPECT_EQ(out[1].from, -1);
	EXPECT_EQ(out[1].to, 2);
	EXPECT_STREQ(TransitionValueName(m, TransitionKind::Stage, out[1].to), "decision");
	EXPECT_EQ(rec.mql_at, now);
	EXPECT_EQ(rec.sql_at, kNoTime);
	EXPECT_EQ(rec.checked_at, now);
	// Advancing again to the same state reports nothing.
	out.clear();
	Advance(m, lead.Input(), now, TransitionCause::Activity, &rec, &out);
	EXPECT_TRUE(out.empty());
}

TEST(LeadLifecycle, DueAtIsTheFirstMicrosecondOfTheDrop) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024 + 10 * kDay;
	Lead lead;
	lead.stored = decay.Stored(100, now); // 100 now: SQL, falls to MQL right after
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), now, TransitionCause::Activity, &rec, &out);
	EXPECT_EQ(rec.status, LeadStatus::Sql);
	EXPECT_EQ(rec.sql_at, now);
	EXPECT_EQ(rec.mql_at, now); // passed MQL on the way
	EXPECT_GE(rec.due_at, now);
	EXPECT_LE(rec.due_at, now + 2);
	EXPECT_EQ(StatusAt(m, lead.stored, rec.due_at), LeadStatus::Mql);

	// 60 points: MQL until 60 * 2^(-d/30) < 50, i.e. d = 30 * log2(1.2) days.
	lead.stored = decay.Stored(60, now);
	rec = LifecycleRecord{};
	Advance(m, lead.Input(), now, TransitionCause::Activity, &rec, &out);
	double days = 30 * std::log2(1.2);
	EXPECT_NEAR(static_cast<double>(rec.due_at - now) / static_cast<double>(kDay), days, 1e-9);
	EXPECT_EQ(StatusAt(m, lead.stored, rec.due_at - 2), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, lead.stored, rec.due_at), LeadStatus::Nurture);
}

TEST(LeadLifecycle, DueAtFollowsTheEarlierOfStatusAndStage) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	std::int64_t now = k2024;
	Lead lead;
	lead.stored = decay.Stored(400, now);   // SQL for 60 days
	lead.stages[1] = decay.Stored(20, now); // consideration for 30 days
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), now, TransitionCause::Activity, &rec, &out);
	EXPECT_NEAR(static_cast<double>(rec.due_at - now) / static_cast<double>(kDay), 30, 1e-9);
	// At the due time only the stage drops; then status is due at 60 days.
	out.clear();
	Advance(m, lead.Input(), rec.due_at, TransitionCause::Decay, &rec, &out);
	ASSERT_EQ(out.size(), 1u);
	EXPECT_EQ(out[0].kind, TransitionKind::Stage);
	EXPECT_EQ(out[0].to, -1);
	EXPECT_EQ(out[0].cause, TransitionCause::Decay);
	EXPECT_NEAR(static_cast<double>(rec.due_at - now) / static_cast<double>(kDay), 60, 1e-9);
}

TEST(LeadLifecycle, NoDecayNeverDue) {
	ModelSpec m = Model();
	m.half_life_us = 0;
	Lead lead;
	lead.stored = 500;
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), k2024, TransitionCause::Activity, &rec, &out);
	EXPECT_EQ(rec.status, LeadStatus::Sql);
	EXPECT_EQ(rec.due_at, kNoTime);
}

TEST(LeadLifecycle, NurtureWithoutStageIsNeverDue) {
	ModelSpec m = Model();
	Lead lead;
	lead.stored = 10;
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), k2024, TransitionCause::Activity, &rec, &out);
	EXPECT_EQ(rec.due_at, kNoTime);
	EXPECT_TRUE(out.empty());
}

TEST(LeadLifecycle, GradeGatesSql) {
	ModelSpec m = Model();
	m.sql_min_grade = 8; // B
	Lead lead;
	lead.stored = Decay(m.half_life_us, m.epoch_us).Stored(150, k2024);
	lead.grade = 4; // C-
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), k2024, TransitionCause::Activity, &rec, &out);
	EXPECT_EQ(rec.status, LeadStatus::Mql);
	ASSERT_EQ(out.size(), 2u);
	EXPECT_EQ(out[0].kind, TransitionKind::Grade);
	EXPECT_EQ(out[0].from, -1);
	EXPECT_EQ(out[0].to, 4);
	// The title changes from "Student" to "Head of IT": the same score is
	// now sales-ready.
	out.clear();
	lead.grade = 9; // B+
	Advance(m, lead.Input(), k2024 + 1, TransitionCause::Lead, &rec, &out);
	ASSERT_EQ(out.size(), 2u);
	EXPECT_EQ(out[0].kind, TransitionKind::Grade);
	EXPECT_EQ(out[1].kind, TransitionKind::Status);
	EXPECT_EQ(out[1].to, static_cast<int>(LeadStatus::Sql));
	EXPECT_EQ(out[1].cause, TransitionCause::Lead);
	EXPECT_EQ(rec.sql_at, k2024 + 1);
	EXPECT_EQ(rec.mql_at, k2024); // still the first crossing of MQL
	EXPECT_STREQ(TransitionValueName(m, TransitionKind::Grade, 9), "B+");
	EXPECT_EQ(TransitionValueName(m, TransitionKind::Grade, -1), nullptr);
}

TEST(LeadLifecycle, TimeNeverRunsBackwards) {
	ModelSpec m = Model();
	Decay decay(m.half_life_us, m.epoch_us);
	Lead lead;
	lead.stored = decay.Stored(60, k2024);
	LifecycleRecord rec;
	std::vector<Transition> out;
	Advance(m, lead.Input(), k2024, TransitionCause::Activity, &rec, &out);
	std::int64_t later = k2024 + 30 * kDay; // 30 points: nurture
	Advance(m, lead.Input(), later, TransitionCause::Decay, &rec, &out);
	EXPECT_EQ(rec.status, LeadStatus::Nurture);
	// A writer whose transaction began before that report sees it as of
	// the report, not as of its own start: no spurious climb back to MQL.
	out.clear();
	Advance(m, lead.Input(), k2024 + kDay, TransitionCause::Decay, &rec, &out);
	EXPECT_TRUE(out.empty());
	EXPECT_EQ(rec.checked_at, later);
}

// A due time is a time leadscore can write: a crossing past the end of
// the core's range is never, one long before its start (a stale record's
// status read against a tiny sum, as verify() does) is its first moment.
TEST(LeadLifecycle, DueTimesStayInTheCoreRange) {
	ModelSpec m = Model();
	m.half_life_us = 1e6 * 365.25 * static_cast<double>(kDay); // a million years
	LifecycleRecord rec;
	rec.status = LeadStatus::Sql;
	Lead lead;
	lead.stored = 1e300;
	EXPECT_EQ(NextDue(m, lead.Input(), rec), kNoTime);
	lead.stored = 1e-300;
	EXPECT_EQ(NextDue(m, lead.Input(), rec), kEarliestTime);
	lead.stored = 100 * (1 + 1e-6); // SQL for another 1.4 years
	std::int64_t due = NextDue(m, lead.Input(), rec);
	EXPECT_LE(due, kLatestTime);
	EXPECT_GT(due, k2024);
}

TEST(LeadLifecycle, Names) {
	EXPECT_STREQ(TransitionKindName(TransitionKind::Grade), "grade");
	EXPECT_STREQ(TransitionCauseName(TransitionCause::Rescore), "rescore");
	EXPECT_STREQ(TransitionValueName(Model(), TransitionKind::Status, 2), "sql");
}

} // namespace
} // namespace leadscore::core
