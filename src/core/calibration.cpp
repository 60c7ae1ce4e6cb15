// Calibration: per-lead tallies, lifts, intervals and suggested points.
// See calibration.hpp for the population, the leakage rules and the mapping.
#include "core/calibration.hpp"

#include "core/scoring_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace leadscore::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

CalibrationTally::CalibrationTally(std::size_t rule_count)
    : rules_(rule_count), rule_seen_by_(rule_count, 0) {
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

void CalibrationTally::EndLead(bool converted) {
	// A rule only matches an observed row, which also saw its type.
	if (lead_types_.empty())
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
}

const char *CalibrationKindName(CalibrationKind kind) noexcept {
	switch (kind) {
	case CalibrationKind::Population:
		return "population";
	case CalibrationKind::ActivityType:
		return "activity_type";
	case CalibrationKind::Rule:
		return "rule";
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

double PointsPerDoubling(const std::vector<CalibrationRow> &rule_rows, double mql_threshold) noexcept {
	double points = 0, doublings = 0;
	for (const CalibrationRow &row : rule_rows) {
		double lift = ConservativeLift(row);
		if (std::isnan(lift))
			continue;
		points += std::fabs(row.current_points);
		doublings += std::fabs(std::log2(lift));
	}
	if (points > 0 && doublings > 0)
		return points / doublings;
	return mql_threshold / 2;
}

namespace {

CalibrationRow Row(CalibrationKind kind, std::string name, std::string type, double points,
                   const ConversionCount &c, const ConversionCount &population, std::int64_t min_leads) {
	double base = Ratio(static_cast<double>(population.converted), static_cast<double>(population.leads));
	double rate = Ratio(static_cast<double>(c.converted), static_cast<double>(c.leads));
	RateInterval ci = WilsonInterval(c.converted, c.leads);
	CalibrationRow row{kind, std::move(name), std::move(type), points, c.leads, c.converted, rate, base,
	                   Ratio(rate, base), Ratio(ci.low, base), Ratio(ci.high, base),
	                   kind != CalibrationKind::Population && c.leads < min_leads, kNaN, kNaN};
	return row;
}

void Suggest(CalibrationRow *row, double k) {
	row->points_per_doubling = k;
	if (row->kind == CalibrationKind::Population)
		return;
	double lift = ConservativeLift(*row);
	if (std::isnan(lift))
		return;
	double points = std::round(k * std::log2(lift));
	// "+ 0.0": -0 prints as "-0" in SQL.
	row->suggested_points = std::clamp(points, -kMaxRulePoints, kMaxRulePoints) + 0.0;
}

} // namespace

std::vector<CalibrationRow> CalibrationReport(const CalibrationTally &tally,
                                              const std::vector<CalibrationRuleInfo> &rules,
                                              std::int64_t min_leads, double mql_threshold) {
	const ConversionCount &pop = tally.population();
	std::vector<CalibrationRow> out;
	out.push_back(Row(CalibrationKind::Population, "", "", kNaN, pop, pop, min_leads));

	// Types in name order: those observed, and those a rule names.
	std::map<std::string, ConversionCount> types;
	for (std::uint32_t t = 0; t < tally.type_count(); t++)
		types[tally.type_name(t)] = tally.type(t);
	for (const CalibrationRuleInfo &r : rules)
		types.emplace(r.activity_type, ConversionCount{});
	for (const auto &[name, count] : types)
		out.push_back(Row(CalibrationKind::ActivityType, name, name, kNaN, count, pop, min_leads));

	std::vector<CalibrationRow> rule_rows;
	for (std::size_t r = 0; r < rules.size(); r++)
		rule_rows.push_back(Row(CalibrationKind::Rule, rules[r].name, rules[r].activity_type, rules[r].points,
		                        tally.rule(r), pop, min_leads));
	double k = PointsPerDoubling(rule_rows, mql_threshold);
	out.insert(out.end(), rule_rows.begin(), rule_rows.end());
	for (CalibrationRow &row : out)
		Suggest(&row, k);
	return out;
}

} // namespace leadscore::core
