// Calibration: per-lead tallies, lifts, intervals and suggested points.
// See calibration.hpp for the population, the leakage rules and the mapping.
#include "core/insight/calibration.hpp"

#include "core/model/grade_profile.hpp"
#include "core/model/scoring_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace leadscore::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

CalibrationTally::CalibrationTally(std::size_t rule_count, std::size_t criterion_count)
    : rules_(rule_count), criteria_(criterion_count), rule_seen_by_(rule_count, 0),
      criterion_seen_by_(criterion_count, 0) {
}

std::uint32_t CalibrationTally::TypeId(std::string_view type) {
	auto it = type_ids_.find(std::string(type));
	if (it != type_ids_.end())
		return it->second;
	auto id = static_cast<std::uint32_t>(type_names_.size());
	type_ids_.emplace(std::string(type), id);
	type_names_.emplace_back(type);
	types_.emplace_back();
	type_seen_by_.push_back(0);
	return id;
}

void CalibrationTally::BeginLead() {
	lead_serial_++;
	lead_types_.clear();
	lead_rules_.clear();
	lead_criteria_.clear();
}

void CalibrationTally::SeeType(std::uint32_t type_id) {
	if (type_seen_by_[type_id] == lead_serial_)
		return;
	type_seen_by_[type_id] = lead_serial_;
	lead_types_.push_back(type_id);
}

void CalibrationTally::SeeRule(std::size_t rule) {
	if (rule_seen_by_[rule] == lead_serial_)
		return;
	rule_seen_by_[rule] = lead_serial_;
	lead_rules_.push_back(static_cast<std::uint32_t>(rule));
}

void CalibrationTally::SeeCriterion(std::size_t criterion) {
	if (criterion_seen_by_[criterion] == lead_serial_)
		return;
	criterion_seen_by_[criterion] = lead_serial_;
	lead_criteria_.push_back(static_cast<std::uint32_t>(criterion));
}

void CalibrationTally::EndLead(bool converted, bool listed) {
	// A rule only matches an observed row, which also saw its type.
	if (lead_types_.empty() && !listed)
		return;
	auto count = [converted](ConversionCount &c) {
		c.leads++;
		c.converted += converted ? 1 : 0;
	};
	count(population_);
	for (std::uint32_t t : lead_types_)
		count(types_[t]);
	for (std::uint32_t r : lead_rules_)
		count(rules_[r]);
	for (std::uint32_t c : lead_criteria_)
		count(criteria_[c]);
}

const char *CalibrationKindName(CalibrationKind kind) noexcept {
	switch (kind) {
	case CalibrationKind::Population:
		return "population";
	case CalibrationKind::ActivityType:
		return "activity_type";
	case CalibrationKind::Rule:
		return "rule";
	case CalibrationKind::Criterion:
		return "criterion";
	}
	return "population";
}

double ConservativeLift(const CalibrationRow &row) noexcept {
	if (row.low_confidence || std::isnan(row.lift_low) || std::isnan(row.lift_high))
		return kNaN;
	if (row.lift_low > 1)
		return row.lift_low;
	if (row.lift_high < 1)
		return row.lift_high;
	return 1;
}

namespace {

// sum |weight| / sum |log2 conservative lift| over the confident rows; NaN
// when either sum is 0.  `weight` reads a row's current points or steps.
double BudgetScale(const std::vector<CalibrationRow> &rows, double CalibrationRow::*weight) noexcept {
	double budget = 0, doublings = 0;
	for (const CalibrationRow &row : rows) {
		double lift = ConservativeLift(row);
		if (std::isnan(lift))
			continue;
		budget += std::fabs(row.*weight);
		doublings += std::fabs(std::log2(lift));
	}
	if (budget > 0 && doublings > 0)
		return budget / doublings;
	return kNaN;
}

} // namespace

double PointsPerDoubling(const std::vector<CalibrationRow> &rule_rows, double mql_threshold) noexcept {
	double k = BudgetScale(rule_rows, &CalibrationRow::current_points);
	return std::isnan(k) ? mql_threshold / 2 : k;
}

double StepsPerDoubling(const std::vector<CalibrationRow> &criterion_rows) noexcept {
	double s = BudgetScale(criterion_rows, &CalibrationRow::current_steps);
	return std::isnan(s) ? kDefaultStepsPerDoubling : s;
}

namespace {

// `weight`: a rule's points or a criterion's steps (NaN for other rows).
CalibrationRow Row(CalibrationKind kind, std::string name, std::string type, double weight,
                   const ConversionCount &c, const ConversionCount &population, std::int64_t min_leads, double z) {
	double base = Ratio(static_cast<double>(population.converted), static_cast<double>(population.leads));
	double rate = Ratio(static_cast<double>(c.converted), static_cast<double>(c.leads));
	RateInterval ci = WilsonInterval(c.converted, c.leads, z);
	bool criterion = kind == CalibrationKind::Criterion;
	CalibrationRow row{kind, std::move(name), std::move(type), criterion ? kNaN : weight, criterion ? weight : kNaN,
	                   c.leads, c.converted, rate, base, Ratio(rate, base), Ratio(ci.low, base), Ratio(ci.high, base),
	                   kind != CalibrationKind::Population && c.leads < min_leads, kNaN, kNaN, kNaN, kNaN};
	return row;
}

// round(scale * log2(conservative lift)), clamped to +-limit; NaN when the
// row has no conservative lift.  "+ 0.0": -0 prints as "-0" in SQL.
double Suggestion(const CalibrationRow &row, double scale, double limit) {
	double lift = ConservativeLift(row);
	if (std::isnan(lift))
		return kNaN;
	return std::clamp(std::round(scale * std::log2(lift)), -limit, limit) + 0.0;
}

// k on every row, s too when there are criteria; the suggestion of the
// row's own kind.
void Suggest(CalibrationRow *row, double k, double s) {
	row->points_per_doubling = k;
	row->steps_per_doubling = s;
	if (row->kind == CalibrationKind::Population)
		return;
	if (row->kind == CalibrationKind::Criterion)
		row->suggested_steps = Suggestion(*row, s, kMaxCriterionSteps);
	else
		row->suggested_points = Suggestion(*row, k, kMaxRulePoints);
}

} // namespace

std::vector<CalibrationRow> CalibrationReport(const CalibrationTally &tally,
                                              const std::vector<CalibrationRuleInfo> &rules,
                                              std::int64_t min_leads, double mql_threshold,
                                              const std::vector<CalibrationCriterionInfo> *criteria, double z,
                                              double points_per_doubling) {
	const ConversionCount &pop = tally.population();
	std::vector<CalibrationRow> out;
	out.push_back(Row(CalibrationKind::Population, "", "", kNaN, pop, pop, min_leads, z));

	// Types in name order: those observed, and those a rule names.
	std::map<std::string, ConversionCount> types;
	for (std::uint32_t t = 0; t < tally.type_count(); t++)
		types[tally.type_name(t)] = tally.type(t);
	for (const CalibrationRuleInfo &r : rules)
		if (!r.activity_type.empty()) // empty: a rule of every type
			types.emplace(r.activity_type, ConversionCount{});
	for (const auto &[name, count] : types)
		out.push_back(Row(CalibrationKind::ActivityType, name, name, kNaN, count, pop, min_leads, z));

	std::vector<CalibrationRow> rule_rows;
	for (std::size_t r = 0; r < rules.size(); r++)
		rule_rows.push_back(Row(CalibrationKind::Rule, rules[r].name, rules[r].activity_type, rules[r].points,
		                        tally.rule(r), pop, min_leads, z));
	double k = std::isnan(points_per_doubling) ? PointsPerDoubling(rule_rows, mql_threshold) : points_per_doubling;
	out.insert(out.end(), rule_rows.begin(), rule_rows.end());

	double s = kNaN;
	if (criteria != nullptr) {
		std::vector<CalibrationRow> criterion_rows;
		for (std::size_t c = 0; c < criteria->size(); c++)
			criterion_rows.push_back(Row(CalibrationKind::Criterion, (*criteria)[c].name, "",
			                             (*criteria)[c].steps, tally.criterion(c), pop, min_leads, z));
		s = StepsPerDoubling(criterion_rows);
		out.insert(out.end(), criterion_rows.begin(), criterion_rows.end());
	}
	for (CalibrationRow &row : out)
		Suggest(&row, k, s);
	return out;
}

} // namespace leadscore::core
