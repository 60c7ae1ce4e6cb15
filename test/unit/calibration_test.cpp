// Calibration: which rows are observed (no label leakage), per-lead counting,
// rates, lifts, intervals, the low-confidence flag and the lift->points
// mapping.
#include "core/calibration.hpp"

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

} // namespace
} // namespace leadscore::core
