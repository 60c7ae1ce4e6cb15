// ScoreSeries (score_at / score_history) against hand-computed values and
// against a fresh recompute per step (the rows up to the step, the epoch at
// the step: what evaluate() does for one as_of), over caps, a frequency
// window, a silence rule and a points expression.
#include "core/insight/score_series.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

Schema Columns() {
	return Schema{{"seats", ValueType::Int}, {"url", ValueType::Text}};
}

RuleSpec Rule(std::int32_t id, const char *name, const char *type, double points) {
	RuleSpec r;
	r.id = id;
	r.name = name;
	r.activity_type = type;
	r.points = points;
	return r;
}

// visit 10 (capped at 2), demo 30 (url condition), trial: seats * 2, three
// webinars within 7 days: 25, an email unanswered for 14 days: -5.
ModelSpec FullModel(double half_life_us) {
	ModelSpec m;
	m.id = 1;
	m.name = "m";
	m.half_life_us = half_life_us;
	m.epoch_us = k2024;
	m.mql_threshold = 40;
	m.sql_threshold = 80;
	RuleSpec visit = Rule(1, "visit", "visit", 10);
	visit.max_count = 2;
	m.rules.push_back(visit);
	RuleSpec demo = Rule(2, "demo", "demo", 30);
	demo.condition = "url LIKE '/demo%'";
	m.rules.push_back(demo);
	RuleSpec trial = Rule(3, "trial", "trial", 0);
	trial.points_expression = "seats * 2";
	m.rules.push_back(trial);
	RuleSpec webinar = Rule(4, "webinars", "webinar", 25);
	webinar.window = FrequencyWindow{3, 7 * kDay, 30 * kDay};
	m.rules.push_back(webinar);
	RuleSpec silence = Rule(5, "unanswered", "email", -5);
	silence.response_types = {"open"};
	silence.absence = AbsenceStreak{1, 14 * kDay};
	m.rules.push_back(silence);
	m.rules.push_back(Rule(6, "open", "open", 1));
	return m;
}

struct TestRow {
	std::string type;
	std::int64_t at;
	std::int64_t seats;
	std::string url;
};

LeadTimeline Timeline(const std::vector<TestRow> &rows) {
	LeadTimeline t;
	for (const TestRow &r : rows) {
		std::string url = r.url; // gone after Add: the timeline keeps its own copy
		Value v[2] = {Value::Int(r.seats), Value::Text(url)};
		t.Add(0, r.type, r.at, v, 2);
	}
	return t;
}

std::vector<double> Scores(const ModelSpec &m, const std::vector<TestRow> &rows, const std::vector<std::int64_t> &times) {
	std::vector<double> out;
	for (const ScorePoint &p : ScoreSeries(m, {Columns()}, Timeline(rows), times, std::nullopt))
		out.push_back(p.score);
	return out;
}

TEST(ScoreSeries, WithoutDecayEveryStepSumsTheRowsUpToIt) {
	ModelSpec m = FullModel(0);
	std::vector<TestRow> rows = {{"demo", k2024 + 2 * kDay, 0, "/demo/a"},
	                             {"demo", k2024 + 2 * kDay, 0, "/blog"},
	                             {"visit", k2024, 0, ""},
	                             {"trial", k2024 + 3 * kDay, 7, ""}};
	std::vector<double> s =
	    Scores(m, rows, {k2024 - kDay, k2024, k2024 + kDay, k2024 + 2 * kDay, k2024 + 3 * kDay});
	EXPECT_EQ(s, (std::vector<double>{0, 10, 10, 40, 54}));
}

TEST(ScoreSeries, DecayHalvesPerHalfLifeAndStatusFollows) {
	ModelSpec m = FullModel(static_cast<double>(kDay));
	std::vector<TestRow> rows = {{"demo", k2024, 0, "/demo"}, {"demo", k2024, 0, "/demo"}, {"demo", k2024, 0, "/demo"}};
	auto points = ScoreSeries(m, {Columns()}, Timeline(rows), {k2024, k2024 + kDay, k2024 + 2 * kDay}, std::nullopt);
	ASSERT_EQ(points.size(), 3u);
	EXPECT_DOUBLE_EQ(points[0].score, 90);
	EXPECT_DOUBLE_EQ(points[1].score, 45);
	EXPECT_DOUBLE_EQ(points[2].score, 22.5);
	EXPECT_EQ(points[0].status, LeadStatus::Sql);
	EXPECT_EQ(points[1].status, LeadStatus::Mql);
	EXPECT_EQ(points[2].status, LeadStatus::Nurture);
}

TEST(ScoreSeries, TheSqlGateReadsTheGrade) {
	ModelSpec m = FullModel(0);
	m.sql_min_grade = GradeRank(10);
	std::vector<TestRow> rows = {{"demo", k2024, 0, "/demo"}, {"demo", k2024, 0, "/demo"}, {"demo", k2024, 0, "/demo"}};
	EXPECT_EQ(ScoreSeries(m, {Columns()}, Timeline(rows), {k2024}, std::nullopt)[0].status, LeadStatus::Mql);
	EXPECT_EQ(ScoreSeries(m, {Columns()}, Timeline(rows), {k2024}, GradeRank(12))[0].status, LeadStatus::Sql);
}

TEST(ScoreSeries, CapsCountTheNewestRowsUpToEachStep) {
	ModelSpec m = FullModel(0);
	std::vector<TestRow> rows;
	for (int d = 0; d < 5; d++)
		rows.push_back({"visit", k2024 + d * kDay, 0, ""});
	EXPECT_EQ(Scores(m, rows, {k2024, k2024 + kDay, k2024 + 4 * kDay}), (std::vector<double>{10, 20, 20}));
}

TEST(ScoreSeries, AWindowScoresOnceItsThirdActivityIsIn) {
	ModelSpec m = FullModel(0);
	std::vector<TestRow> rows = {{"webinar", k2024, 0, ""},
	                             {"webinar", k2024 + 2 * kDay, 0, ""},
	                             {"webinar", k2024 + 4 * kDay, 0, ""}};
	EXPECT_EQ(Scores(m, rows, {k2024 + 3 * kDay, k2024 + 4 * kDay}), (std::vector<double>{0, 25}));
}

TEST(ScoreSeries, ASilenceScoringCountsFromTheStepItIsDueBy) {
	ModelSpec m = FullModel(0);
	std::vector<TestRow> rows = {{"email", k2024, 0, ""}, {"open", k2024 + 20 * kDay, 0, ""}};
	// Due at day 14: not at day 13, at day 15; the late open answers nothing.
	EXPECT_EQ(Scores(m, rows, {k2024 + 13 * kDay, k2024 + 15 * kDay, k2024 + 21 * kDay}),
	          (std::vector<double>{0, -5, -4}));
	// An open in time answers the email.
	rows[1].at = k2024 + 3 * kDay;
	EXPECT_EQ(Scores(m, rows, {k2024 + 13 * kDay, k2024 + 15 * kDay}), (std::vector<double>{1, 1}));
}

TEST(ScoreSeries, MaxScoreClamps) {
	ModelSpec m = FullModel(0);
	m.max_score = 100;
	std::vector<TestRow> rows(5, TestRow{"demo", k2024, 0, "/demo"});
	EXPECT_EQ(Scores(m, rows, {k2024}), (std::vector<double>{100}));
}

TEST(ScoreSeries, StepsFarApartKeepTheirPrecision) {
	// 300 and 600 half-lives apart: one epoch for all would leave 2^-600.
	ModelSpec m = FullModel(static_cast<double>(kDay));
	std::vector<TestRow> rows = {{"demo", k2024, 0, "/demo"}, {"demo", k2024 + 600 * kDay, 0, "/demo"}};
	std::vector<double> s = Scores(m, rows, {k2024, k2024 + 300 * kDay, k2024 + 600 * kDay});
	EXPECT_DOUBLE_EQ(s[0], 30);
	EXPECT_DOUBLE_EQ(s[1], std::ldexp(30.0, -300));
	EXPECT_DOUBLE_EQ(s[2], 30 + std::ldexp(30.0, -600));
}

TEST(ScoreSeries, NoTableNoScore) {
	ModelSpec m = FullModel(0);
	auto p = ScoreSeries(m, {}, LeadTimeline(), {k2024, k2024 + kDay}, std::nullopt);
	ASSERT_EQ(p.size(), 2u);
	EXPECT_EQ(p[1].score, 0);
	EXPECT_EQ(p[1].status, LeadStatus::Nurture);
}

// The reference: a fresh recompute for each step, as evaluate() scores one
// as_of.
double Reference(const ModelSpec &model, const std::vector<TestRow> &rows, std::int64_t at) {
	ModelSpec spec = model;
	spec.epoch_us = at;
	CompiledModel compiled = CompiledModel::Compile(spec, Columns());
	LeadRecompute r(compiled);
	r.SetNow(at);
	r.Reset();
	for (const TestRow &row : rows) {
		if (row.at > at)
			continue;
		Value v[2] = {Value::Int(row.seats), Value::Text(row.url)};
		r.Add(row.type, row.at, v);
	}
	Recomputed out;
	r.Finish(&out);
	return CurrentScore(spec, out.state.stored, at);
}

TEST(ScoreSeries, EqualsAFreshRecomputePerStep) {
	std::mt19937_64 rng(17);
	const char *types[] = {"visit", "demo", "trial", "webinar", "email", "open", "other"};
	for (double half_life : {0.0, 3.0 * static_cast<double>(kDay)}) {
		ModelSpec m = FullModel(half_life);
		for (int lead = 0; lead < 20; lead++) {
			std::vector<TestRow> rows;
			int n = static_cast<int>(rng() % 60);
			for (int i = 0; i < n; i++)
				rows.push_back({types[rng() % 7], k2024 + static_cast<std::int64_t>(rng() % (90 * kDay)),
				                static_cast<std::int64_t>(rng() % 10), rng() % 2 ? "/demo" : "/blog"});
			std::vector<std::int64_t> times;
			for (std::int64_t t = k2024 - kDay; t <= k2024 + 100 * kDay; t += kDay / 3)
				times.push_back(t);
			std::vector<double> got = Scores(m, rows, times);
			ASSERT_EQ(got.size(), times.size());
			for (std::size_t k = 0; k < times.size(); k++) {
				double want = Reference(m, rows, times[k]);
				EXPECT_NEAR(got[k], want, 1e-9 * std::max(1.0, std::fabs(want))) << "lead " << lead << " step " << k;
			}
		}
	}
}

} // namespace
} // namespace leadscore::core

namespace leadscore::core {
namespace {

// Adjustments score from their time; a reset drops the rows and
// adjustments before it from the steps at or after it on, and a fresh
// recompute with the ledger up to each step (what evaluate() does) agrees.
TEST(ScoreSeries, AdjustmentsAndResetsCountFromTheirTime) {
	ModelSpec m = FullModel(0);
	std::vector<TestRow> rows = {{"demo", k2024, 0, "/demo"}, {"demo", k2024 + 4 * kDay, 0, "/demo"}};
	LeadTimeline t = Timeline(rows);
	std::vector<LedgerEntry> ledger = {{k2024 + kDay, 25, false}, {k2024 + 3 * kDay, 0, true},
	                                   {k2024 + 5 * kDay, -10, false}};
	t.AddLedger(ledger);
	std::vector<std::int64_t> times = {k2024, k2024 + kDay, k2024 + 3 * kDay, k2024 + 4 * kDay, k2024 + 5 * kDay};
	std::vector<double> s;
	for (const ScorePoint &p : ScoreSeries(m, {Columns()}, t, times, std::nullopt))
		s.push_back(p.score);
	EXPECT_EQ(s, (std::vector<double>{30, 55, 0, 30, 20}));
	CompiledModel compiled = CompiledModel::Compile(m, Columns());
	LeadRecompute r(compiled);
	for (std::size_t k = 0; k < times.size(); k++) {
		r.Reset();
		r.AddLedger(ledger, times[k]);
		for (const TestRow &row : rows) {
			Value v[2] = {Value::Int(row.seats), Value::Text(row.url)};
			if (row.at <= times[k])
				r.Add(row.type, row.at, v);
		}
		Recomputed out;
		r.Finish(&out);
		EXPECT_EQ(out.state.stored, s[k]) << "step " << k;
	}
}

TEST(LeadRecompute, TheLedgerCountsInTheTotalOnly) {
	ModelSpec m = FullModel(static_cast<double>(kDay));
	m.stages = {"aware"};
	m.rules[1].stage = 0;
	CompiledModel compiled = CompiledModel::Compile(m, Columns());
	LeadRecompute r(compiled);
	r.Reset();
	r.AddLedger({{k2024 + kDay, 8, false}, {k2024 + 2 * kDay, -2, false}});
	Value v[2] = {Value::Int(0), Value::Text("/demo")};
	r.Add("demo", k2024, v);
	Recomputed out;
	r.Finish(&out);
	EXPECT_EQ(out.adjustments, 2);
	EXPECT_DOUBLE_EQ(out.adjusted_raw, 6);
	EXPECT_DOUBLE_EQ(out.adjusted, 8 * 2.0 - 2 * 4.0);  // epoch k2024: w(t) = 2^(days)
	EXPECT_DOUBLE_EQ(out.state.stored, 30 + 8);
	EXPECT_DOUBLE_EQ(out.state.stage_stored[0], 30);
	EXPECT_EQ(out.state.activity_count, 1);
	// Reset() forgets the ledger and the reset time.
	r.Reset();
	r.SetCountsFrom(k2024 + kDay);
	r.Add("demo", k2024, v);
	r.Finish(&out);
	EXPECT_EQ(out.state.stored, 0);
	EXPECT_EQ(out.state.activity_count, 0);
	EXPECT_EQ(out.adjustments, 0);
}

} // namespace
} // namespace leadscore::core
