// Evaluation: the window's rules, scores at as_of, and the report's
// segments, rates, precision, recall, AUC, deal values and days.
#include "core/insight/evaluation.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;

TEST(EvaluationWindow, Rules) {
	EvaluationWindow w{100 * kDay, 130 * kDay};
	EXPECT_TRUE(w.Counts(100 * kDay)); // at as_of: counts
	EXPECT_FALSE(w.Counts(100 * kDay + 1));
	EXPECT_TRUE(w.Excluded(100 * kDay)); // converted at as_of: already a customer
	EXPECT_FALSE(w.Excluded(kNeverConverted));
	EXPECT_TRUE(w.Converted(130 * kDay)); // the horizon's end is inclusive
	EXPECT_FALSE(w.Converted(130 * kDay + 1));
	EXPECT_FALSE(w.Converted(kNeverConverted));
}

TEST(ScoreAt, DecaysAndComparesWithThresholds) {
	ModelSpec m;
	m.half_life_us = 10.0 * kDay;
	m.epoch_us = 0;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	m.max_score = 150;
	EvalLead lead;
	// Stored 240 relative to epoch 0 is 120 ten days later.
	ScoreAt(m, 240, 10 * kDay, std::nullopt, &lead);
	EXPECT_DOUBLE_EQ(lead.score, 120);
	EXPECT_TRUE(lead.above_mql);
	EXPECT_TRUE(lead.above_sql);
	ScoreAt(m, 240, 30 * kDay, std::nullopt, &lead); // 30 points
	EXPECT_DOUBLE_EQ(lead.score, 30);
	EXPECT_FALSE(lead.above_mql);
	ScoreAt(m, 1000, 0, std::nullopt, &lead); // clamped
	EXPECT_EQ(lead.score, 150);
}

TEST(ScoreAt, SqlNeedsTheMinimumGradeWhenTheModelSetsOne) {
	ModelSpec m;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	EvalLead lead;
	// No sql_min_grade: the grade plays no part, even a missing one.
	ScoreAt(m, 120, 0, std::nullopt, &lead);
	EXPECT_TRUE(lead.above_sql);
	ScoreAt(m, 120, 0, kGradeF, &lead);
	EXPECT_TRUE(lead.above_sql);
	m.sql_min_grade = 8; // B
	ScoreAt(m, 120, 0, GradeRank{8}, &lead);
	EXPECT_TRUE(lead.above_sql);
	ScoreAt(m, 120, 0, GradeRank{12}, &lead);
	EXPECT_TRUE(lead.above_sql);
	// B- is below B: above MQL, not above SQL; the score is unchanged.
	ScoreAt(m, 120, 0, GradeRank{7}, &lead);
	EXPECT_TRUE(lead.above_mql);
	EXPECT_FALSE(lead.above_sql);
	EXPECT_EQ(lead.score, 120);
	// No grade (no lead row): not sales-qualified, as in lead_scores.
	ScoreAt(m, 120, 0, std::nullopt, &lead);
	EXPECT_TRUE(lead.above_mql);
	EXPECT_FALSE(lead.above_sql);
	// Below the SQL score an A+ changes nothing.
	ScoreAt(m, 80, 0, GradeRank{12}, &lead);
	EXPECT_TRUE(lead.above_mql);
	EXPECT_FALSE(lead.above_sql);
}

EvalLead Lead(double score, bool converted, std::uint32_t source = 0, double days = 0, double value = 0,
              std::int64_t deals = 0) {
	EvalLead l;
	l.score = score;
	l.above_mql = score >= 50;
	l.above_sql = score >= 100;
	l.converted = converted;
	l.days_to_convert = days;
	l.deal_value_sum = value;
	l.deal_count = deals;
	l.source = source;
	return l;
}

TEST(EvaluationReport, Segments) {
	std::vector<EvalLead> leads{
	    Lead(120, true, 0, 4, 1000, 1), Lead(110, false), Lead(60, true, 1, 10, 500, 2), Lead(55, false, 1),
	    Lead(10, true, 0, 20), Lead(0, false), Lead(0, false, 1), Lead(5, false, 1),
	};
	auto rows = EvaluationReport(leads, 2, 50, 100);
	ASSERT_EQ(rows.size(), 15u);
	const EvalRow &all = rows[0];
	EXPECT_FALSE(all.by_source);
	EXPECT_EQ(all.segment, EvalSegment::All);
	EXPECT_EQ(all.leads, 8);
	EXPECT_EQ(all.converted, 3);
	EXPECT_DOUBLE_EQ(all.conversion_rate, 3.0 / 8);
	EXPECT_DOUBLE_EQ(all.lift, 1);
	EXPECT_TRUE(std::isnan(all.precision));
	// Positives 120, 60, 10 against negatives 110, 55, 0, 0, 5:
	// 120 beats 5, 60 beats 4, 10 beats 3 -> 12 of 15.
	EXPECT_DOUBLE_EQ(all.roc_auc, 12.0 / 15);
	EXPECT_DOUBLE_EQ(all.avg_deal_value, 1500.0 / 3); // per deal
	EXPECT_DOUBLE_EQ(all.median_days_to_convert, 10);

	const EvalRow &mql = rows[1];
	EXPECT_EQ(mql.segment, EvalSegment::AboveMql);
	EXPECT_EQ(mql.threshold, 50);
	EXPECT_EQ(mql.leads, 4);
	EXPECT_EQ(mql.converted, 2);
	EXPECT_DOUBLE_EQ(mql.precision, 0.5);
	EXPECT_DOUBLE_EQ(mql.recall, 2.0 / 3);
	EXPECT_DOUBLE_EQ(mql.lift, 0.5 / (3.0 / 8));
	EXPECT_TRUE(std::isnan(mql.roc_auc));
	const EvalRow &below = rows[2];
	EXPECT_EQ(below.segment, EvalSegment::BelowMql);
	EXPECT_EQ(below.leads, 4);
	EXPECT_EQ(below.converted, 1);
	EXPECT_TRUE(std::isnan(below.recall));
	EXPECT_TRUE(std::isnan(below.avg_deal_value)); // its conversion had no amount
	const EvalRow &sql = rows[3];
	EXPECT_EQ(sql.leads, 2);
	EXPECT_DOUBLE_EQ(sql.recall, 1.0 / 3);
	EXPECT_DOUBLE_EQ(sql.median_days_to_convert, 4);

	// Source 1: leads 60 (won), 55, 0, 5.
	const EvalRow &s1 = rows[10];
	EXPECT_TRUE(s1.by_source);
	EXPECT_EQ(s1.source, 1u);
	EXPECT_EQ(s1.leads, 4);
	EXPECT_EQ(s1.converted, 1);
	EXPECT_DOUBLE_EQ(s1.lift, 0.25 / (3.0 / 8)); // against every lead's rate
	EXPECT_DOUBLE_EQ(s1.roc_auc, 1.0);
	EXPECT_DOUBLE_EQ(rows[11].recall, 1.0); // its only conversion is above MQL
	EXPECT_DOUBLE_EQ(s1.avg_deal_value, 250);
}

TEST(EvaluationReport, EmptyAndOneClass) {
	auto none = EvaluationReport({}, 0, 50, 100);
	ASSERT_EQ(none.size(), 5u);
	EXPECT_EQ(none[0].leads, 0);
	EXPECT_TRUE(std::isnan(none[0].conversion_rate));
	EXPECT_TRUE(std::isnan(none[0].roc_auc));
	auto unconverted = EvaluationReport({Lead(80, false), Lead(10, false)}, 0, 50, 100);
	EXPECT_EQ(unconverted[0].conversion_rate, 0);
	EXPECT_TRUE(std::isnan(unconverted[0].lift));
	EXPECT_TRUE(std::isnan(unconverted[0].roc_auc));
	EXPECT_TRUE(std::isnan(unconverted[1].recall));
	EXPECT_STREQ(EvalSegmentName(EvalSegment::BelowSql), "below_sql");
}

EvalLead Handed(bool converted, HandoffOutcome outcome, std::uint32_t reason = 0) {
	EvalLead l = Lead(0, converted, 0, converted ? 10 : 0);
	l.handoff = outcome;
	l.reason = reason;
	return l;
}

TEST(HandoffReport, OutcomesThenReasonsWithLiftAgainstEveryLead) {
	// 8 leads, 4 converted (base rate 0.5): accepted 2 of 2, rejected 1 of 3
	// (reason 0: 0 of 2, reason 1: 1 of 1), expired 0 of 1, no handoff 1 of 2.
	std::vector<EvalLead> leads = {
	    Handed(true, HandoffOutcome::Accepted),      Handed(true, HandoffOutcome::Accepted),
	    Handed(false, HandoffOutcome::Rejected, 0), Handed(false, HandoffOutcome::Rejected, 0),
	    Handed(true, HandoffOutcome::Rejected, 1),  Handed(false, HandoffOutcome::Expired),
	    Handed(true, HandoffOutcome::None),          Handed(false, HandoffOutcome::None)};
	auto rows = HandoffReport(leads, 2);
	ASSERT_EQ(rows.size(), 6u);
	EXPECT_EQ(rows[0].handoff, HandoffOutcome::Accepted);
	EXPECT_EQ(rows[0].leads, 2);
	EXPECT_DOUBLE_EQ(rows[0].lift, 2);
	EXPECT_DOUBLE_EQ(rows[0].median_days_to_convert, 10);
	EXPECT_EQ(rows[1].handoff, HandoffOutcome::Rejected);
	EXPECT_FALSE(rows[1].by_reason);
	EXPECT_EQ(rows[1].leads, 3);
	EXPECT_DOUBLE_EQ(rows[1].conversion_rate, 1.0 / 3);
	EXPECT_TRUE(rows[2].by_reason);
	EXPECT_EQ(rows[2].reason, 0u);
	EXPECT_EQ(rows[2].converted, 0);
	EXPECT_EQ(rows[3].reason, 1u);
	EXPECT_DOUBLE_EQ(rows[3].lift, 2);
	EXPECT_EQ(rows[4].handoff, HandoffOutcome::Expired);
	EXPECT_EQ(rows[4].leads, 1);
	EXPECT_EQ(rows[5].handoff, HandoffOutcome::Open);
	EXPECT_EQ(rows[5].leads, 0);
	EXPECT_TRUE(std::isnan(rows[5].conversion_rate));
	EXPECT_TRUE(std::isnan(rows[0].precision));
}

TEST(HandoffReport, NoRowsWithoutHandoffs) {
	EXPECT_TRUE(HandoffReport({Lead(80, true), Lead(10, false)}, 0).empty());
	EXPECT_TRUE(HandoffReport({}, 0).empty());
	HandoffOutcome o = HandoffOutcome::None;
	EXPECT_TRUE(ParseHandoffOutcome("expired", &o));
	EXPECT_EQ(o, HandoffOutcome::Expired);
	EXPECT_FALSE(ParseHandoffOutcome("closed", &o));
	EXPECT_STREQ(HandoffOutcomeName(HandoffOutcome::Accepted), "accepted");
}

} // namespace
} // namespace leadscore::core
