// Scoring models and their rules (docs/design.md, "Models and rules"): what
// create_model and add_rule store, how it is checked, and its compiled form
// bound to the columns of an attached activity table.
//
// A model scores one proposition.  Each rule gives `points` to every activity
// row of its `activity_type` whose `condition` is true; its points may go to
// one buyer stage; `max_count` N keeps only the lead's N most recent matching
// activities (cap_window.hpp).
//
// Every matching rule scores.  One activity row can match several rules of a
// model (a pricing page view worth 15 to everyone and 20 more from a large
// company) and all of them add up.  This is what HubSpot (every criterion that
// matches adds its points) and Marketo (every smart campaign listening for
// the activity changes the score) do, so a RevOps engineer moving from either
// gets the sums they expect; "first match wins" would make the order of rules
// matter, which neither tool has and add_rule cannot express.
#pragma once

#include "core/condition/condition.hpp"
#include "core/condition/expression.hpp"
#include "core/model/absence_streak.hpp"
#include "core/model/decay.hpp"
#include "core/model/frequency_window.hpp"
#include "core/model/grade.hpp"
#include "core/model/score_band.hpp"
#include "core/model/scoring_type_index.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

// The default minimum of decayed stage points for a buyer stage to count
// (stage_rule.hpp): one light touch (a 5-point blog read) never puts a lead in
// a stage; one mid-funnel action (a 20-point whitepaper) does, for one
// half-life; a 35-point pricing view keeps "decision" for 1.8 half-lives.
constexpr double kDefaultStageMinPoints = 10;

// |points| of a rule: far above any real weight, and low enough that every
// stored sum stays finite (decay.hpp).
constexpr double kMaxRulePoints = 1e12;

// Thresholds, max_score, stage_min_points and account_threshold: a
// threshold times the largest weight (2^600) must stay finite where SQL
// compares it with a stored sum (the lead_scores view), and a threshold
// a thousand rules of the largest points cannot reach is a typo.
constexpr double kMaxThreshold = 1e15;

// max_count above this is no cap in practice; its window (K = N + reserve
// times per lead) is stored with the lead, so it must stay small.
constexpr std::int32_t kMaxCountLimit = 1000;

// A half-life below a minute is a typo (seconds for days): activities dated
// more than 600 half-lives after the epoch all weigh the same (decay.hpp),
// which at one minute is a mere 10 hours.
constexpr double kMinHalfLifeUs = 60e6;

constexpr int kNoStage = -1;

struct RuleSpec {
	std::int32_t id = 0;
	std::string name;            // unique within the model
	// Matched exactly against the type column; empty: every type (the
	// condition may read the type column to pick a family of types).
	std::string activity_type;
	double points = 0;           // may be negative; 0 with a points_expression
	// Set: each matching row scores this expression's value over its
	// columns instead of `points` (expression.hpp).
	std::string points_expression;
	int stage = kNoStage;        // index into ModelSpec::stages
	std::string condition;       // empty: every row of the type
	std::int32_t max_count = 0;  // 0: no cap
	// min_count > 0: scores bursts of matching activities, not each one
	// (frequency_window.hpp).
	FrequencyWindow window;
	// Not empty: a silence rule (absence_streak.hpp) that scores `points`
	// when `absence.in_a_row` activities of its type in a row go without an
	// activity of one of these types within `absence.within_us`.
	std::vector<std::string> response_types;
	AbsenceStreak absence;
};

// The largest min_count of a frequency window.
constexpr std::int32_t kMaxMinCount = 1000000;

// Defaults here are neutral (no decay, no stages); leadscore.create_model
// applies the SQL defaults (30 days, three stages) before it gets here.
struct ModelSpec {
	std::int32_t id = 0;
	std::string name;
	double half_life_us = 0;   // 0: no decay
	// Momentum (scoring_state.hpp): the same points decayed with this
	// half-life from the same epoch; 0: no decay.
	double momentum_half_life_us = 0;
	// Whether top_momentum()'s index ranks it (models.momentum_ranking):
	// writers then store its rank, else 0.
	bool momentum_ranking = false;
	// The decay epoch E (decay.hpp): the creation time, later moved by
	// tick()'s re-base; a new epoch is a new model version.
	std::int64_t epoch_us = 0;
	double mql_threshold = 50;
	double sql_threshold = 100;
	// Set: SQL also needs a grade at least this good (scoring_status.hpp).
	std::optional<GradeRank> sql_min_grade;
	std::vector<std::string> stages; // in buying-journey order
	double stage_min_points = kDefaultStageMinPoints;
	double max_score = std::numeric_limits<double>::quiet_NaN(); // NaN: none
	std::vector<RuleSpec> rules;
	// The grade profile that grades this model's leads; empty: none.
	std::string grade_profile;
	// fit_priority: a grade at least this good while the score is below MQL.
	GradeRank fit_min_grade = 10; // A-
	// A shadow model (false) is scored and kept exact like any other but
	// reports no events and sends no NOTIFY: a candidate run beside the live
	// model until evaluate() says it is better.
	bool active = true;
	// Accounts at or above it are hot (account_score.hpp); NaN: no status.
	double account_threshold = std::numeric_limits<double>::quiet_NaN();
	// Ascending by min_score, the floor (if any) first (score_band.hpp).
	std::vector<ScoreBand> bands;
	// The model has rows in leadscore.adjustments (any / resets): only then
	// do recomputes read them and writers look up the leads' resets.
	bool ledger = false;
	bool resets = false;
};

// Checks the model's own settings, then every rule; throws Error:
//   InvalidValue    empty name; a half-life (the score's or momentum's) NaN,
//                   infinite or negative; a
//                   threshold NaN or infinite, MQL not positive, SQL below
//                   MQL; stage minimum not positive; max_score infinite or
//                   below the SQL threshold; empty stage name; any rule error
//   OutOfRange      a half-life shorter than kMinHalfLifeUs
//   DuplicateObject a stage or rule name given twice, a rule id given twice
void ValidateModel(const ModelSpec &model);

// OutOfRange for sql_threshold (and so mql_threshold) or stage_min_points
// above kMaxThreshold.  Checked when a model is created, not when one is
// loaded: a model an older version accepted keeps scoring.
void ValidateThresholdRange(const ModelSpec &model);

// Checks one rule in the context of its model: `rule` may be in
// model.rules (ValidateModel) or not yet (add_rule); either way its name
// must differ from every other rule's.  Parses the condition (its columns
// are checked by CompiledModel::Compile, once a table is attached).
//   InvalidValue    empty name, NaN or infinite points, negative
//                   max_count, stage index out of range, a frequency
//                   window out of range or with a cap
//   OutOfRange      |points| above kMaxRulePoints, max_count above
//                   kMaxCountLimit
//   NotSupported    a points_expression with max_count or min_count
//   DuplicateObject another rule of the model has this name
//   Syntax, TooComplex, InvalidRegex from the condition parser
void ValidateRule(const ModelSpec &model, const RuleSpec &rule);

// Whether some rule of `model` is a silence rule: its states may hold
// pending scorings, which tick() folds in when they fall due.
bool HasSilenceRules(const ModelSpec &model) noexcept;

// A points expression's value as a row's points: false (the row scores
// nothing) unless it is finite and within kMaxRulePoints, which keeps every
// stored sum finite like a rule's constant points.
bool UsablePoints(const ExpressionResult &result, double *points) noexcept;

// The columns the model's rules read (conditions and points expressions),
// sorted, each typed Any: rows given as JSON (score_agg's jsonb form,
// simulate()'s personas) are typed value by value.
Schema RuleAttributes(const ModelSpec &model);

// The index of the stage named `name`; throws Error(UndefinedObject) listing
// the model's stages.
int FindStage(const ModelSpec &model, std::string_view name);

// A contiguous run of indexes (rules of one type).
struct IndexSpan {
	const std::uint32_t *first = nullptr;
	const std::uint32_t *last = nullptr;

	const std::uint32_t *begin() const noexcept {
		return first;
	}
	const std::uint32_t *end() const noexcept {
		return last;
	}
	std::size_t size() const noexcept {
		return static_cast<std::size_t>(last - first);
	}
	bool empty() const noexcept {
		return first == last;
	}
};

struct CompiledRule {
	RuleSpec spec;
	// Set when the rule has a condition; shared text with other rules means
	// the same condition_key, so IngestPlan evaluates it once per row.
	std::optional<CompiledCondition> condition;
	std::string condition_key; // Normalize() of the condition; empty: none
	std::optional<CompiledExpression> points; // set: the points of each row
	int cap = -1;              // index among the model's capped rules
	int window = -1;           // index among the model's frequency window rules
	int silence = -1;          // index among the model's silence rules
};

// A validated model whose conditions are bound to one activity table.
// Immutable once compiled; the glue caches it per (table, model version).
class CompiledModel {
public:
	// Validates (ValidateModel) and compiles every condition against
	// `activity_columns`.  A column the table lacks fails with the
	// compiler's UndefinedColumn (TypeMismatch for a bad comparison), with
	// the rule and model named in the detail.
	static CompiledModel Compile(const ModelSpec &spec, const Schema &activity_columns,
	                             const ConditionLimits &limits = {});

	const ModelSpec &spec() const noexcept {
		return spec_;
	}
	const Decay &decay() const noexcept {
		return decay_;
	}
	const Decay &momentum() const noexcept {
		return momentum_;
	}
	// Moves the decay epoch (the spec's too) to `epoch`.  Only for a model
	// of one's own: an insight function judging each lead at its own as_of
	// moves the epoch there, so every weight stays near 1.
	void MoveEpoch(std::int64_t epoch) noexcept;
	const Schema &schema() const noexcept {
		return schema_;
	}
	std::size_t stage_count() const noexcept {
		return spec_.stages.size();
	}
	std::size_t rule_count() const noexcept {
		return rules_.size();
	}
	const CompiledRule &rule(std::size_t i) const noexcept {
		return rules_[i];
	}
	// Rule indexes of the capped rules, by cap index: LeadState::caps[c]
	// belongs to rule(capped_rules()[c]).
	const std::vector<std::uint32_t> &capped_rules() const noexcept {
		return capped_rules_;
	}
	// Rule indexes of the frequency window rules, by window index.
	const std::vector<std::uint32_t> &window_rules() const noexcept {
		return window_rules_;
	}
	// Rule indexes of the silence rules, by silence index.
	const std::vector<std::uint32_t> &silence_rules() const noexcept {
		return silence_rules_;
	}
	// The rules that score rows of activity type `type` (its own and those
	// of every type), in model order; empty if none.
	IndexSpan RulesFor(std::string_view type) const noexcept;
	// True when rule `i`'s condition is true for `row` (or it has none).
	// `row` has schema().size() values; only columns_used() are read.
	bool Matches(std::size_t i, const Value *row) const noexcept;
	// The points rule `i` gives `row`: its points, or its expression's
	// value; false when the expression has no usable value (NULL, not
	// finite, a division by zero, beyond kMaxRulePoints): the row scores
	// nothing.
	bool PointsOf(std::size_t i, const Value *row, double *points) const noexcept;
	// Schema positions any rule reads (sorted, unique): the glue converts
	// only these columns of each activity row.
	const std::vector<std::size_t> &columns_used() const noexcept {
		return columns_used_;
	}

private:
	CompiledModel(const ModelSpec &spec, const Schema &schema);
	void GroupByType();

	ModelSpec spec_;
	Decay decay_;
	Decay momentum_;
	Schema schema_;
	std::vector<CompiledRule> rules_;
	std::vector<std::uint32_t> capped_rules_;
	std::vector<std::uint32_t> window_rules_;
	std::vector<std::uint32_t> silence_rules_;
	TypeIndex types_;
	// Rules of type id k: type_rules_[type_first_[k] .. type_first_[k + 1]);
	// id types_.size() stands for every other type (the rules of every type).
	std::vector<std::uint32_t> type_first_;
	std::vector<std::uint32_t> type_rules_;
	std::vector<std::size_t> columns_used_;
};

} // namespace leadscore::core
