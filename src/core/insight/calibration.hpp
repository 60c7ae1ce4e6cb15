// calibrate(model, since, until): do the model's activity types and rules
// really go with conversions, and how many points would the data give them?
// (docs/design.md, "Calibration and evaluation".)
//
// Population and labels, chosen so that nothing after a conversion can
// predict it (no label leakage):
//   * A lead's conversion time C is its first outcome (any attached outcome
//     table); a lead without outcomes never converted.
//   * An activity row is *observed* when since <= occurred_at < until and
//     occurred_at < C: activity at or after the conversion says nothing
//     about whether the lead would convert, so it is ignored.
//   * The population is every lead with at least one observed row, of any
//     type (also types no rule names).  Leads converted before `since` thus
//     drop out: all their rows in the window follow their conversion.
//   * A lead *converted* when C < outcomes_until (until, or until + the
//     optional horizon).  Since an observed row precedes C, C lies after
//     `since`.
//   * A lead *has* an activity type (or a rule) when at least one observed
//     row is of that type (matches that rule's condition).  Presence, not
//     counts: caps and decay play no part in calibration.
//
//   * A lead *has* a grade criterion of the model's grade profile when its
//     row in an attached lead table matches the criterion's condition (any
//     of its rows, should it have several).  The lead rows are read as they
//     are now: grades are not historised, so an attribute that changed with
//     the conversion (a "customer since" column) would leak the label.
//
// For each activity type, rule and criterion: leads that have it, how many
// converted, the conversion rate, the population's base rate, lift = rate /
// base rate, the lift's 95 % Wilson interval, a low-confidence flag and
// suggested points (rules, types) or steps (criteria): the lift->points and
// lift->steps mappings below.
#pragma once

#include "core/insight/insight_stats.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace leadscore::core {

// "Never converted".
constexpr std::int64_t kNeverConverted = std::numeric_limits<std::int64_t>::max();

// Fewer leads than this with an activity (or rule) make its row
// low_confidence: no suggested points.  30 is the usual rule of thumb below
// which a proportion's interval is too wide to act on.
constexpr std::int64_t kDefaultMinLeads = 30;

struct CalibrationWindow {
	std::int64_t since;          // us since the Unix epoch
	std::int64_t until;          // exclusive
	std::int64_t outcomes_until; // exclusive; >= until
	// A lead judged at its own as_of (a population's): converted by then,
	// it was a customer already and is left out.  The default leaves none out.
	std::int64_t after = std::numeric_limits<std::int64_t>::min();

	// Is an activity at `at` of a lead first converted at `conversion`
	// (kNeverConverted: never) observed?
	bool Observed(std::int64_t at, std::int64_t conversion) const noexcept {
		return at >= since && at < until && at < conversion;
	}
	bool Excluded(std::int64_t conversion) const noexcept {
		return conversion <= after;
	}
	bool Converted(std::int64_t conversion) const noexcept {
		return conversion > after && conversion < outcomes_until;
	}
};

struct ConversionCount {
	std::int64_t leads = 0;
	std::int64_t converted = 0;
};

// Per-lead accumulation: BeginLead(), SeeType()/SeeRule() for every observed
// row, EndLead().  Each lead counts once per type and rule, however many
// rows it has.
class CalibrationTally {
public:
	explicit CalibrationTally(std::size_t rule_count, std::size_t criterion_count = 0);

	// The id of an activity type, allocated on first sight.
	std::uint32_t TypeId(std::string_view type);

	void BeginLead();
	void SeeType(std::uint32_t type_id);
	void SeeRule(std::size_t rule);
	// The lead's lead row matches grade criterion `criterion`.
	void SeeCriterion(std::size_t criterion);
	// Counts the lead if it had an observed row (a SeeType call) or is
	// `listed` (a member of a population relation, judged even when idle);
	// its criteria count only then.
	void EndLead(bool converted, bool listed = false);

	const ConversionCount &population() const noexcept {
		return population_;
	}
	std::size_t type_count() const noexcept {
		return type_names_.size();
	}
	const std::string &type_name(std::uint32_t id) const noexcept {
		return type_names_[id];
	}
	const ConversionCount &type(std::uint32_t id) const noexcept {
		return types_[id];
	}
	const ConversionCount &rule(std::size_t r) const noexcept {
		return rules_[r];
	}
	const ConversionCount &criterion(std::size_t c) const noexcept {
		return criteria_[c];
	}

private:
	std::unordered_map<std::string, std::uint32_t> type_ids_;
	std::vector<std::string> type_names_;
	std::vector<ConversionCount> types_;
	std::vector<ConversionCount> rules_;
	std::vector<ConversionCount> criteria_;
	// Per type / rule / criterion: the serial of the last lead that saw it,
	// so a lead counts once; and this lead's list of them.
	std::vector<std::uint64_t> type_seen_by_, rule_seen_by_, criterion_seen_by_;
	std::vector<std::uint32_t> lead_types_;
	std::vector<std::uint32_t> lead_rules_;
	std::vector<std::uint32_t> lead_criteria_;
	std::uint64_t lead_serial_ = 0;
	ConversionCount population_;
};

enum class CalibrationKind : std::uint8_t { Population, ActivityType, Rule, Criterion };

// "population", "activity_type", "rule", "criterion".
const char *CalibrationKindName(CalibrationKind kind) noexcept;

struct CalibrationRuleInfo {
	std::string name;
	std::string activity_type;
	double points;
};

struct CalibrationCriterionInfo {
	std::string name;
	std::int32_t steps;
};

struct CalibrationRow {
	CalibrationKind kind;
	std::string name;            // type or rule name; empty for the population
	std::string activity_type;   // empty for the population
	double current_points;       // rules: their points; NaN otherwise
	double current_steps;        // criteria: their steps; NaN otherwise
	std::int64_t leads;
	std::int64_t converted;
	double conversion_rate;      // NaN: no leads
	double base_rate;            // the population's rate
	double lift;                 // conversion_rate / base_rate
	double lift_low, lift_high;  // the Wilson interval of the rate (95 %: z), / base_rate
	bool low_confidence;         // leads < min_leads (the population row: never)
	double suggested_points;     // types and rules; NaN: low confidence or no base rate
	double points_per_doubling;  // the scale k of the mapping (same on every row)
	double suggested_steps;      // criteria; NaN: low confidence or no base rate
	double steps_per_doubling;   // the scale of the steps mapping; NaN: no criteria rows
};

// The lift -> points mapping.
//
// Points add up while evidence multiplies: a lead with two independent
// signals of lift 2 and 3 converts about 6x as often, and under that
// (naive Bayes) reading a score is a sum of log-lifts.  So
//     suggested_points = round(k * log2(conservative lift))
// where the conservative lift is the end of the lift's 95 % Wilson interval
// nearest to 1, and 1 when the interval contains 1: a rate the data cannot
// tell from the base rate earns 0, a small sample is pulled toward 0 by its
// wide interval, and only a large, clear effect earns its full weight.
// Lift above 1 earns points, below 1 costs them (negative scoring).
//
// k ("points per doubling of the conversion rate") anchors the suggestions
// on the model's current scale: it is chosen so that over the rules whose
// rows are not low_confidence the suggested points add up, in absolute
// value, to the same total as their current points,
//     k = sum |points_r| / sum |log2 conservative lift_r|.
// The model keeps its point budget, so its MQL and SQL thresholds keep their
// meaning; the data only redistributes the budget among the rules.  Without
// such rules (or when the sums are 0) k = mql_threshold / 2: an activity that
// quadruples the conversion rate is worth the MQL threshold by itself.
double PointsPerDoubling(const std::vector<CalibrationRow> &rule_rows, double mql_threshold) noexcept;

// The conservative lift of a row (see above); NaN for a low-confidence row
// or one without a base rate.
double ConservativeLift(const CalibrationRow &row) noexcept;

// The lift -> steps mapping of grade criteria, the same reading on the
// grade's scale:
//     suggested_steps = clamp(round(s * log2(conservative lift)), -12, 12)
// with s ("steps per doubling") anchored on the profile's current steps as
// k is on the current points: over the criteria whose rows are not
// low_confidence,
//     s = sum |steps_c| / sum |log2 conservative lift_c|,
// so their suggested steps add up, in absolute value, to their current
// steps (to rounding and the clamp): the profile keeps its spread of grades
// and sql_min_grade keeps its meaning.  Without such criteria (or when the
// sums are 0) s = kDefaultStepsPerDoubling: a letter (3 steps) per doubling
// of the conversion rate, so a criterion that quadruples it moves C to A.
// A suggestion of 0 says the data cannot tell the criterion's leads from
// the rest: add_criterion refuses 0 steps, so the advice is to remove it.
constexpr double kDefaultStepsPerDoubling = 3;
double StepsPerDoubling(const std::vector<CalibrationRow> &criterion_rows) noexcept;

// The report: the population row, then one row per activity type (those
// observed and those the rules name, by name), then one per rule (in model
// order), then, when `criteria` is given, one per grade criterion (in the
// order SeeCriterion() numbered them).  `rules` lists the model's rules in
// the order SeeRule() numbered them.  Without `criteria` (no grade profile,
// or no lead table to read attributes from) there are no criterion rows and
// steps_per_doubling is NaN on every row.  `z`: the Wilson intervals' width
// (TwoSidedZ of the confidence).  `points_per_doubling`: the model's stated
// scale (learned_points.hpp), k on every row instead of the budget
// anchoring above; NaN: the model has none.
std::vector<CalibrationRow> CalibrationReport(const CalibrationTally &tally,
                                              const std::vector<CalibrationRuleInfo> &rules,
                                              std::int64_t min_leads, double mql_threshold,
                                              const std::vector<CalibrationCriterionInfo> *criteria = nullptr,
                                              double z = kWilsonZ95,
                                              double points_per_doubling = std::numeric_limits<double>::quiet_NaN());

} // namespace leadscore::core
