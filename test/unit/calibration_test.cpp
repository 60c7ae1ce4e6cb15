// Calibration: which rows are observed (no label leakage), per-lead counting,
// rates, lifts, intervals, the low-confidence flag, the lift->points mapping
// and grade criteria with the lift->steps mapping.
#include "core/insight/calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;

TEST(CalibrationWindow, NothingAtOrAfterTheConversionIsObserved) {
	CalibrationWindow w{10 * kDay, 20 * kDay, 20 * kDay};
	EXPECT_TRUE(w.Observed(10 * kDay, kNeverConverted));  // since is inclusive
	EXPECT_FALSE(w.Observed(20 * kDay, kNeverConverted)); // until is not
	EXPECT_FALSE(w.Observed(9 * kDay, kNeverConverted));
	EXPECT_TRUE(w.Observed(12 * kDay, 15 * kDay));
	EXPECT_FALSE(w.Observed(15 * kDay, 15 * kDay)); // at the conversion: after it
	EXPECT_FALSE(w.Observed(16 * kDay, 15 * kDay));
	// Converted before the window: nothing in it is observed.
	EXPECT_FALSE(w.Observed(12 * kDay, 5 * kDay));
}

TEST(CalibrationWindow, ConvertedUpToTheOutcomeHorizon) {
	CalibrationWindow plain{0, 20 * kDay, 20 * kDay};
	EXPECT_TRUE(plain.Converted(19 * kDay));
	EXPECT_FALSE(plain.Converted(20 * kDay));
	EXPECT_FALSE(plain.Converted(kNeverConverted));
	CalibrationWindow horizon{0, 20 * kDay, 50 * kDay};
	EXPECT_TRUE(horizon.Converted(49 * kDay));
	EXPECT_FALSE(horizon.Converted(50 * kDay));
}

TEST(CalibrationWindow, AJudgedLeadConvertsOnlyAfterItsAsOf) {
	// A population's lead judged at day 20, horizon 30 days: activity up to
	// day 20 inclusive, a conversion in (20, 50].
	CalibrationWindow w{0, 20 * kDay + 1, 50 * kDay + 1, 20 * kDay};
	EXPECT_TRUE(w.Observed(20 * kDay, kNeverConverted));
	EXPECT_TRUE(w.Excluded(20 * kDay)); // a customer already
	EXPECT_FALSE(w.Excluded(20 * kDay + 1));
	EXPECT_TRUE(w.Converted(50 * kDay));
	EXPECT_FALSE(w.Converted(50 * kDay + 1));
	EXPECT_FALSE(w.Converted(kNeverConverted));
	// The default window leaves nobody out.
	EXPECT_FALSE((CalibrationWindow{0, 20 * kDay, 20 * kDay}.Excluded(-100 * kDay)));
}

TEST(CalibrationTally, AListedLeadCountsWithoutActivity) {
	CalibrationTally t(1, 1);
	t.BeginLead(); // idle but listed, meeting the criterion
	t.SeeCriterion(0);
	t.EndLead(true, true);
	t.BeginLead(); // idle, not listed
	t.EndLead(true);
	EXPECT_EQ(t.population().leads, 1);
	EXPECT_EQ(t.population().converted, 1);
	EXPECT_EQ(t.criterion(0).leads, 1);
	EXPECT_EQ(t.rule(0).leads, 0);
}

TEST(CalibrationReport, AStatedScaleReplacesTheBudgetAnchoring) {
	CalibrationTally t(1);
	std::uint32_t x = t.TypeId("x");
	for (int i = 0; i < 400; i++) {
		t.BeginLead();
		if (i % 2 == 0) {
			t.SeeType(x);
			t.SeeRule(0);
		} else {
			t.SeeType(t.TypeId("y"));
		}
		t.EndLead(i % 2 == 0 ? i % 4 == 0 : i % 20 == 1);
	}
	auto anchored = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50);
	auto stated = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50, nullptr, kWilsonZ95, 10);
	EXPECT_EQ(stated.back().points_per_doubling, 10);
	EXPECT_NE(anchored.back().points_per_doubling, 10);
	EXPECT_EQ(stated.back().suggested_points, std::round(10 * std::log2(ConservativeLift(stated.back()))));
}

TEST(CalibrationTally, EachLeadCountsOncePerTypeAndRule) {
	CalibrationTally t(2);
	std::uint32_t visit = t.TypeId("visit"), demo = t.TypeId("demo");
	EXPECT_EQ(t.TypeId("visit"), visit);

	t.BeginLead(); // three visits, one demo, converted
	t.SeeType(visit);
	t.SeeType(visit);
	t.SeeRule(0);
	t.SeeRule(0);
	t.SeeType(visit);
	t.SeeType(demo);
	t.SeeRule(1);
	t.EndLead(true);

	t.BeginLead(); // one visit, matching no rule
	t.SeeType(visit);
	t.EndLead(false);

	t.BeginLead(); // nothing observed: not in the population
	t.EndLead(true);

	EXPECT_EQ(t.population().leads, 2);
	EXPECT_EQ(t.population().converted, 1);
	EXPECT_EQ(t.type(visit).leads, 2);
	EXPECT_EQ(t.type(visit).converted, 1);
	EXPECT_EQ(t.type(demo).leads, 1);
	EXPECT_EQ(t.rule(0).leads, 1);
	EXPECT_EQ(t.rule(1).converted, 1);
}

// A population of `n` leads, `c` converted, where `with` leads have the
// type "x" (and rule 0), `with_converted` of them converted.
CalibrationTally Tally(int n, int c, int with, int with_converted) {
	CalibrationTally t(1);
	std::uint32_t any = t.TypeId("any"), x = t.TypeId("x");
	for (int i = 0; i < n; i++) {
		bool has = i < with;
		bool converted = has ? i < with_converted : i - with < c - with_converted;
		t.BeginLead();
		t.SeeType(any);
		if (has) {
			t.SeeType(x);
			t.SeeRule(0);
		}
		t.EndLead(converted);
	}
	return t;
}

const CalibrationRow &Find(const std::vector<CalibrationRow> &rows, CalibrationKind kind, const std::string &name) {
	for (const CalibrationRow &r : rows)
		if (r.kind == kind && r.name == name)
			return r;
	ADD_FAILURE() << "no row " << name;
	return rows.front();
}

TEST(CalibrationReport, RatesLiftsAndIntervals) {
	// 1000 leads, 100 converted (10 %); 200 have x, 60 of them converted (30 %).
	CalibrationTally t = Tally(1000, 100, 200, 60);
	auto rows = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50);
	ASSERT_EQ(rows.size(), 1u + 2u + 1u);
	const CalibrationRow &pop = rows[0];
	EXPECT_EQ(pop.kind, CalibrationKind::Population);
	EXPECT_EQ(pop.leads, 1000);
	EXPECT_DOUBLE_EQ(pop.base_rate, 0.1);
	EXPECT_DOUBLE_EQ(pop.lift, 1.0);
	EXPECT_FALSE(pop.low_confidence);
	EXPECT_TRUE(std::isnan(pop.suggested_points));

	const CalibrationRow &x = Find(rows, CalibrationKind::ActivityType, "x");
	EXPECT_EQ(x.leads, 200);
	EXPECT_EQ(x.converted, 60);
	EXPECT_DOUBLE_EQ(x.conversion_rate, 0.3);
	EXPECT_DOUBLE_EQ(x.lift, 3.0);
	RateInterval ci = WilsonInterval(60, 200);
	EXPECT_DOUBLE_EQ(x.lift_low, ci.low / 0.1);
	EXPECT_DOUBLE_EQ(x.lift_high, ci.high / 0.1);
	EXPECT_GT(x.lift_low, 1);
	EXPECT_TRUE(std::isnan(x.current_points));

	const CalibrationRow &rule = Find(rows, CalibrationKind::Rule, "x_rule");
	EXPECT_EQ(rule.activity_type, "x");
	EXPECT_EQ(rule.current_points, 20);
	EXPECT_EQ(rule.leads, 200);
	// The only confident rule sets the scale: its suggestion keeps its points.
	EXPECT_EQ(rule.suggested_points, 20);
	EXPECT_DOUBLE_EQ(rule.points_per_doubling, 20 / std::log2(x.lift_low));
	// The type row uses the same scale.
	EXPECT_EQ(x.suggested_points, 20);
}

TEST(CalibrationReport, FewLeadsAreFlaggedNotSuggested) {
	CalibrationTally t = Tally(1000, 100, 12, 12); // 12 of 12 converted: lift 10, but 12 leads
	auto rows = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50);
	const CalibrationRow &rule = Find(rows, CalibrationKind::Rule, "x_rule");
	EXPECT_DOUBLE_EQ(rule.lift, 10.0);
	EXPECT_TRUE(rule.low_confidence);
	EXPECT_TRUE(std::isnan(rule.suggested_points));
	// No confident rule: the fallback scale, half the MQL threshold.
	EXPECT_EQ(rule.points_per_doubling, 25);
	// A lower minimum lets it through, pulled toward 0 by its interval.
	auto loose = CalibrationReport(t, {{"x_rule", "x", 20}}, 10, 50);
	const CalibrationRow &r2 = Find(loose, CalibrationKind::Rule, "x_rule");
	EXPECT_FALSE(r2.low_confidence);
	EXPECT_LT(r2.lift_low, 10.0);
	EXPECT_EQ(r2.suggested_points, 20); // the only rule anchors the scale again
}

TEST(CalibrationReport, LiftIndistinguishableFromOneEarnsZero) {
	CalibrationTally t = Tally(1000, 100, 100, 11); // 11 % vs 10 %: inside the interval
	auto rows = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50);
	const CalibrationRow &rule = Find(rows, CalibrationKind::Rule, "x_rule");
	EXPECT_LT(rule.lift_low, 1);
	EXPECT_GT(rule.lift_high, 1);
	EXPECT_EQ(ConservativeLift(rule), 1);
	EXPECT_EQ(rule.suggested_points, 0);
	EXPECT_FALSE(std::signbit(rule.suggested_points));
}

TEST(CalibrationReport, LowLiftCostsPoints) {
	CalibrationTally t = Tally(1000, 100, 300, 3); // 1 % vs 10 %
	auto rows = CalibrationReport(t, {{"x_rule", "x", -40}}, kDefaultMinLeads, 50);
	const CalibrationRow &rule = Find(rows, CalibrationKind::Rule, "x_rule");
	EXPECT_LT(rule.lift_high, 1);
	EXPECT_EQ(ConservativeLift(rule), rule.lift_high);
	EXPECT_EQ(rule.suggested_points, -40);
}

TEST(PointsPerDoubling, KeepsTheModelsPointBudget) {
	// Three confident rules: the suggested points add up to the current
	// total in absolute value (up to rounding each to a whole point).
	CalibrationTally t(3);
	std::uint32_t any = t.TypeId("any");
	std::uint32_t types[3] = {t.TypeId("a"), t.TypeId("b"), t.TypeId("c")};
	// Per rule: leads with it and their conversions, out of 2000 leads.
	int with[3] = {400, 300, 500}, conv[3] = {160, 15, 60};
	for (int i = 0; i < 2000; i++) {
		t.BeginLead();
		t.SeeType(any);
		bool converted = false;
		for (int r = 0; r < 3; r++) {
			// Rule r's leads are a block of its own; its first conv[r] convert.
			int first = r * 600;
			if (i >= first && i < first + with[r]) {
				t.SeeType(types[r]);
				t.SeeRule(static_cast<std::size_t>(r));
				converted = i < first + conv[r];
			}
		}
		t.EndLead(converted || i >= 1900);
	}
	std::vector<CalibrationRuleInfo> rules{{"a", "a", 10}, {"b", "b", 50}, {"c", "c", 5}};
	auto rows = CalibrationReport(t, rules, kDefaultMinLeads, 50);
	double current = 0, suggested = 0;
	for (const CalibrationRow &r : rows)
		if (r.kind == CalibrationKind::Rule) {
			ASSERT_FALSE(std::isnan(r.suggested_points)) << r.name;
			current += std::fabs(r.current_points);
			suggested += std::fabs(r.suggested_points);
		}
	EXPECT_NEAR(suggested, current, 1.5);
	// Rule a converts best, b worst: the data reorders the points.
	EXPECT_GT(Find(rows, CalibrationKind::Rule, "a").suggested_points, 0);
	EXPECT_LT(Find(rows, CalibrationKind::Rule, "b").suggested_points, 0);
}

TEST(CalibrationReport, RuleTypesAppearEvenUnseen) {
	CalibrationTally t(1);
	t.TypeId("visit");
	t.BeginLead();
	t.SeeType(0);
	t.EndLead(false);
	auto rows = CalibrationReport(t, {{"webinar", "webinar", 25}}, kDefaultMinLeads, 50);
	const CalibrationRow &w = Find(rows, CalibrationKind::ActivityType, "webinar");
	EXPECT_EQ(w.leads, 0);
	EXPECT_TRUE(std::isnan(w.conversion_rate));
	EXPECT_TRUE(w.low_confidence);
	// No conversions at all: no base rate, no lift.
	EXPECT_TRUE(std::isnan(rows[0].lift));
	EXPECT_STREQ(CalibrationKindName(CalibrationKind::ActivityType), "activity_type");
}

TEST(CalibrationTally, CriteriaCountOncePerLeadOfThePopulation) {
	CalibrationTally t(0, 2);
	std::uint32_t visit = t.TypeId("visit");

	t.BeginLead(); // active, matches criterion 0 (seen twice: two lead rows) and 1
	t.SeeType(visit);
	t.SeeCriterion(0);
	t.SeeCriterion(0);
	t.SeeCriterion(1);
	t.EndLead(true);

	t.BeginLead(); // active, matches criterion 1
	t.SeeType(visit);
	t.SeeCriterion(1);
	t.EndLead(false);

	t.BeginLead(); // matches both but was not active in the window: not counted
	t.SeeCriterion(0);
	t.SeeCriterion(1);
	t.EndLead(true);

	EXPECT_EQ(t.population().leads, 2);
	EXPECT_EQ(t.criterion(0).leads, 1);
	EXPECT_EQ(t.criterion(0).converted, 1);
	EXPECT_EQ(t.criterion(1).leads, 2);
	EXPECT_EQ(t.criterion(1).converted, 1);
}

// `n` leads, `c` converted; criterion 0 matches the first `with` leads, of
// which the first `with_converted` converted; criterion 1 the next `with1`,
// `with1_converted` of them converted.
CalibrationTally CriteriaTally(int n, int c, int with, int with_converted, int with1 = 0, int with1_converted = 0) {
	CalibrationTally t(0, 2);
	std::uint32_t any = t.TypeId("any");
	int converted_left = c - with_converted - with1_converted;
	for (int i = 0; i < n; i++) {
		t.BeginLead();
		t.SeeType(any);
		bool converted;
		if (i < with) {
			t.SeeCriterion(0);
			converted = i < with_converted;
		} else if (i < with + with1) {
			t.SeeCriterion(1);
			converted = i - with < with1_converted;
		} else {
			converted = converted_left-- > 0;
		}
		t.EndLead(converted);
	}
	return t;
}

TEST(CalibrationReport, CriterionRowsCarryStepsNotPoints) {
	// 1000 leads, 100 converted; 200 are "enterprise", 60 of them converted.
	CalibrationTally t = CriteriaTally(1000, 100, 200, 60);
	std::vector<CalibrationCriterionInfo> criteria{{"enterprise", 2}, {"student", -4}};
	auto rows = CalibrationReport(t, {}, kDefaultMinLeads, 50, &criteria);
	ASSERT_EQ(rows.size(), 1u + 1u + 2u);
	const CalibrationRow &e = Find(rows, CalibrationKind::Criterion, "enterprise");
	EXPECT_EQ(e.leads, 200);
	EXPECT_EQ(e.converted, 60);
	EXPECT_DOUBLE_EQ(e.lift, 3.0);
	RateInterval ci = WilsonInterval(60, 200);
	EXPECT_DOUBLE_EQ(e.lift_low, ci.low / 0.1);
	EXPECT_EQ(e.current_steps, 2);
	EXPECT_TRUE(std::isnan(e.current_points));
	EXPECT_TRUE(std::isnan(e.suggested_points));
	EXPECT_TRUE(e.activity_type.empty());
	// The only confident criterion anchors the scale: it keeps its 2 steps.
	EXPECT_EQ(e.suggested_steps, 2);
	EXPECT_DOUBLE_EQ(e.steps_per_doubling, 2 / std::log2(e.lift_low));
	// No lead matched "student": flagged, no suggestion.
	const CalibrationRow &s = Find(rows, CalibrationKind::Criterion, "student");
	EXPECT_EQ(s.leads, 0);
	EXPECT_TRUE(s.low_confidence);
	EXPECT_TRUE(std::isnan(s.suggested_steps));
	// Every row carries both scales; other rows suggest no steps.
	EXPECT_DOUBLE_EQ(rows[0].steps_per_doubling, e.steps_per_doubling);
	EXPECT_EQ(rows[0].points_per_doubling, 25);
	EXPECT_TRUE(std::isnan(rows[1].suggested_steps));
	EXPECT_TRUE(std::isnan(rows[1].current_steps));
	EXPECT_STREQ(CalibrationKindName(CalibrationKind::Criterion), "criterion");
}

TEST(CalibrationReport, NoCriteriaNoRowsAndNoStepScale) {
	CalibrationTally t = Tally(1000, 100, 200, 60);
	auto rows = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50);
	for (const CalibrationRow &r : rows) {
		EXPECT_NE(r.kind, CalibrationKind::Criterion);
		EXPECT_TRUE(std::isnan(r.steps_per_doubling));
		EXPECT_TRUE(std::isnan(r.suggested_steps));
	}
	// A profile without criteria: no rows, the default scale.
	std::vector<CalibrationCriterionInfo> none;
	auto with_profile = CalibrationReport(t, {{"x_rule", "x", 20}}, kDefaultMinLeads, 50, &none);
	EXPECT_EQ(with_profile.size(), rows.size());
	EXPECT_EQ(with_profile[0].steps_per_doubling, kDefaultStepsPerDoubling);
}

TEST(CalibrationReport, StepsFallBackToALetterPerDoublingAndClamp) {
	// Criterion 0 matches 20 leads (low confidence at 30): no anchor, so
	// s = 3.  With min_leads 10 it anchors itself.
	CalibrationTally t = CriteriaTally(1000, 100, 20, 20);
	std::vector<CalibrationCriterionInfo> criteria{{"tiny", 1}, {"unused", 1}};
	auto rows = CalibrationReport(t, {}, kDefaultMinLeads, 50, &criteria);
	const CalibrationRow &tiny = Find(rows, CalibrationKind::Criterion, "tiny");
	EXPECT_TRUE(tiny.low_confidence);
	EXPECT_EQ(tiny.steps_per_doubling, 3);
	EXPECT_TRUE(std::isnan(tiny.suggested_steps));
	auto loose = CalibrationReport(t, {}, 10, 50, &criteria);
	const CalibrationRow &anchored = Find(loose, CalibrationKind::Criterion, "tiny");
	EXPECT_FALSE(anchored.low_confidence);
	EXPECT_EQ(anchored.suggested_steps, 1);
	EXPECT_DOUBLE_EQ(anchored.steps_per_doubling, 1 / std::log2(anchored.lift_low));
	// A steep anchor: 300 "hot" leads convert at 83 % (lift ~1.9), 300
	// "cold" ones at 2.7 % (lift ~0.06), both at 12 steps.  The scale keeps
	// 24 steps over log2 of both lifts, which gives cold more than 12: the
	// suggestion is clamped to the range add_criterion accepts.
	CalibrationTally big = CriteriaTally(600, 258, 300, 250, 300, 8);
	std::vector<CalibrationCriterionInfo> steep{{"hot", 12}, {"cold", -12}};
	auto clamped = CalibrationReport(big, {}, kDefaultMinLeads, 50, &steep);
	const CalibrationRow &hot = Find(clamped, CalibrationKind::Criterion, "hot");
	const CalibrationRow &cold = Find(clamped, CalibrationKind::Criterion, "cold");
	double scale = 24 / (std::log2(hot.lift_low) + std::fabs(std::log2(cold.lift_high)));
	EXPECT_DOUBLE_EQ(hot.steps_per_doubling, scale);
	EXPECT_EQ(hot.suggested_steps, std::round(scale * std::log2(hot.lift_low)));
	EXPECT_LT(scale * std::log2(cold.lift_high), -12.5);
	EXPECT_EQ(cold.suggested_steps, -12);
}

TEST(StepsPerDoubling, KeepsTheProfilesStepBudget) {
	// Lifts 3 and 0.25 (conservative ends) with steps 2 and -4: s = 6 /
	// (log2 lo + |log2 hi|); each row's suggestion is s * log2 lift.
	CalibrationTally t = CriteriaTally(4000, 400, 1000, 300, 1000, 25);
	std::vector<CalibrationCriterionInfo> criteria{{"fit", 2}, {"misfit", -4}};
	auto rows = CalibrationReport(t, {}, kDefaultMinLeads, 50, &criteria);
	const CalibrationRow &fit = Find(rows, CalibrationKind::Criterion, "fit");
	const CalibrationRow &misfit = Find(rows, CalibrationKind::Criterion, "misfit");
	double s = 6 / (std::log2(fit.lift_low) + std::fabs(std::log2(misfit.lift_high)));
	EXPECT_DOUBLE_EQ(fit.steps_per_doubling, s);
	EXPECT_EQ(fit.suggested_steps, std::round(s * std::log2(fit.lift_low)));
	EXPECT_EQ(misfit.suggested_steps, std::round(s * std::log2(misfit.lift_high)));
	EXPECT_NEAR(std::fabs(fit.suggested_steps) + std::fabs(misfit.suggested_steps), 6, 1);
}

} // namespace
} // namespace leadscore::core
