// Scoring models: validation and compilation.  See scoring_model.hpp.
#include "core/model/scoring_model.hpp"

#include "core/base/error.hpp"
#include "core/base/float_text.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace leadscore::core {

namespace {

std::string Quoted(std::string_view s) {
	return "\"" + std::string(s) + "\"";
}

[[noreturn]] void Fail(ErrorKind kind, const std::string &message, std::string detail = {},
                       std::string hint = {}) {
	throw Error(kind, message, std::move(detail), std::move(hint));
}

std::string StageList(const ModelSpec &model) {
	if (model.stages.empty())
		return "The model has no stages.";
	std::string list = "The stages of model " + Quoted(model.name) + " are ";
	for (std::size_t k = 0; k < model.stages.size(); k++)
		list += (k > 0 ? ", " : "") + Quoted(model.stages[k]);
	return list + ".";
}

void ValidateThresholds(const ModelSpec &model) {
	const std::string of = " of model " + Quoted(model.name);
	if (!std::isfinite(model.mql_threshold))
		Fail(ErrorKind::InvalidValue, "mql_threshold" + of + " must be a finite number, not " +
		                                  Float8Text(model.mql_threshold));
	if (!std::isfinite(model.sql_threshold))
		Fail(ErrorKind::InvalidValue, "sql_threshold" + of + " must be a finite number, not " +
		                                  Float8Text(model.sql_threshold));
	// Decay pulls every score toward 0: at a threshold of 0 or below, a lead
	// with no activity at all would be an MQL and no lead would ever cool
	// down below it.
	if (!(model.mql_threshold > 0))
		Fail(ErrorKind::InvalidValue, "mql_threshold" + of + " must be positive, not " +
		                                  Float8Text(model.mql_threshold),
		     "Scores decay toward 0, so a lead without activity would otherwise qualify.");
	if (model.sql_threshold < model.mql_threshold)
		Fail(ErrorKind::InvalidValue,
		     "sql_threshold " + Float8Text(model.sql_threshold) + " is below mql_threshold " +
		         Float8Text(model.mql_threshold) + of);
	if (!std::isnan(model.max_score)) {
		if (!std::isfinite(model.max_score))
			Fail(ErrorKind::InvalidValue, "max_score" + of + " must be a finite number, not " +
			                                  Float8Text(model.max_score),
			     {}, "Use NULL for no maximum.");
		// The clamp is applied at read time; at or above the SQL threshold
		// it never changes a status, so the stored-sum index scans stay
		// exact (scoring_status.hpp).
		if (model.max_score < model.sql_threshold)
			Fail(ErrorKind::InvalidValue,
			     "max_score " + Float8Text(model.max_score) + " is below sql_threshold " +
			         Float8Text(model.sql_threshold) + of,
			     "No lead could ever reach SQL.");
	}
}

void ValidateStages(const ModelSpec &model) {
	const std::string of = " of model " + Quoted(model.name);
	std::unordered_set<std::string_view> seen;
	for (const std::string &stage : model.stages) {
		if (stage.empty())
			Fail(ErrorKind::InvalidValue, "stage names" + of + " must not be empty");
		if (!seen.insert(stage).second)
			Fail(ErrorKind::DuplicateObject, "stage " + Quoted(stage) + " appears twice in model " +
			                                     Quoted(model.name));
	}
	if (!std::isfinite(model.stage_min_points) || !(model.stage_min_points > 0))
		Fail(ErrorKind::InvalidValue, "stage_min_points" + of + " must be a positive number, not " +
		                                  Float8Text(model.stage_min_points),
		     "A stage needs a minimum of decayed points greater than 0; the default is " +
		         Float8Text(kDefaultStageMinPoints) + ".");
}

void ValidateHalfLife(const std::string &what, const ModelSpec &model, double h) {
	const std::string of = " of model " + Quoted(model.name);
	if (std::isnan(h) || std::isinf(h))
		Fail(ErrorKind::InvalidValue, what + of + " must be finite, not " + Float8Text(h), {},
		     "Use NULL or 0 for no decay.");
	if (h < 0)
		Fail(ErrorKind::InvalidValue, what + of + " must not be negative", {}, "Use NULL or 0 for no decay.");
	if (h > 0 && h < kMinHalfLifeUs)
		Fail(ErrorKind::OutOfRange, what + of + " must be at least 1 minute",
		     "The half-life given is " + Float8Text(h / 1e6) + " s.");
}

// A window of zero length never holds two activities, and one of more than
// ten years is a typo; a cap on a window rule's scorings is not offered.
void ValidateWindow(const RuleSpec &rule) {
	const std::string of = " of rule " + Quoted(rule.name);
	const FrequencyWindow &w = rule.window;
	if (w.min_count == 0) {
		if (w.within_us != 0 || w.cooldown_us != 0)
			Fail(ErrorKind::InvalidValue, "within and cooldown" + of + " need min_count", {},
			     "Give min_count => N to score N activities within that time.");
		return;
	}
	if (w.min_count < 1 || w.min_count > kMaxMinCount)
		Fail(ErrorKind::InvalidValue, "min_count" + of + " must be between 1 and " + std::to_string(kMaxMinCount) +
		                                  ", not " + std::to_string(w.min_count));
	const char *names[] = {"within", "cooldown"};
	const std::int64_t values[] = {w.within_us, w.cooldown_us};
	for (int k = 0; k < 2; k++)
		if (values[k] <= 0 || values[k] > kMaxWindowUs)
			Fail(ErrorKind::InvalidValue, std::string(names[k]) + of + " must be positive and at most 10 years", {},
			     "A frequency window needs min_count, within and (by default within) cooldown.");
	if (rule.max_count != 0)
		Fail(ErrorKind::InvalidValue, "rule " + Quoted(rule.name) + " has both max_count and min_count", {},
		     "A frequency window scores at most once per cooldown; it takes no cap.");
}

// A cap window and a frequency window hold times, not each row's points:
// both would need the points of every row they count.
void ValidatePointsExpression(const RuleSpec &rule) {
	if (rule.points_expression.empty())
		return;
	if (rule.max_count != 0 || rule.window.min_count != 0)
		Fail(ErrorKind::NotSupported,
		     "rule " + Quoted(rule.name) + " has a points_expression and " +
		         (rule.max_count != 0 ? "max_count" : "min_count"),
		     {}, "Points from a value go with rules that score every matching row.");
	ParseExpression(rule.points_expression);
}

// A silence rule counts sends of one type against responses of others; it
// takes none of the other kinds' settings.
void ValidateSilence(const RuleSpec &rule) {
	if (rule.response_types.empty())
		return;
	const std::string of = " of rule " + Quoted(rule.name);
	if (rule.activity_type.empty())
		Fail(ErrorKind::InvalidValue, "a silence rule needs an activity_type" + of);
	for (const std::string &type : rule.response_types) {
		if (type.empty())
			Fail(ErrorKind::InvalidValue, "response_types" + of + " must not hold an empty type");
		if (type == rule.activity_type)
			Fail(ErrorKind::InvalidValue, "response_types" + of + " name the rule's own type " + Quoted(type), {},
			     "An activity cannot answer itself.");
	}
	if (rule.absence.in_a_row < 1)
		Fail(ErrorKind::InvalidValue, "in_a_row" + of + " must be at least 1, not " +
		                                  std::to_string(rule.absence.in_a_row));
	if (rule.absence.within_us <= 0 || rule.absence.within_us > kMaxWindowUs)
		Fail(ErrorKind::InvalidValue, "within" + of + " must be positive and at most 10 years");
	if (rule.max_count != 0 || rule.window.min_count != 0 || !rule.points_expression.empty() ||
	    !rule.condition.empty())
		Fail(ErrorKind::InvalidValue, "a silence rule" + of + " takes no condition, cap, window or points expression");
}

} // namespace

void ValidateRule(const ModelSpec &model, const RuleSpec &rule) {
	if (rule.name.empty())
		Fail(ErrorKind::InvalidValue, "rule name must not be empty");
	const std::string of = " of rule " + Quoted(rule.name);
	if (!std::isfinite(rule.points))
		Fail(ErrorKind::InvalidValue, "points" + of + " must be a finite number, not " + Float8Text(rule.points));
	if (std::fabs(rule.points) > kMaxRulePoints)
		Fail(ErrorKind::OutOfRange, "points" + of + " are out of range: " + Float8Text(rule.points),
		     "Points must lie between -" + Float8Text(kMaxRulePoints) + " and " + Float8Text(kMaxRulePoints) + ".");
	if (rule.max_count < 0)
		Fail(ErrorKind::InvalidValue, "max_count" + of + " must not be negative: " + std::to_string(rule.max_count),
		     {}, "Use NULL or 0 for no cap.");
	if (rule.max_count > kMaxCountLimit)
		Fail(ErrorKind::OutOfRange, "max_count" + of + " is out of range: " + std::to_string(rule.max_count),
		     "A cap may be at most " + std::to_string(kMaxCountLimit) + " activities.",
		     "Use NULL or 0 for no cap.");
	if (rule.stage != kNoStage && (rule.stage < 0 || static_cast<std::size_t>(rule.stage) >= model.stages.size()))
		Fail(ErrorKind::InvalidValue, "stage index " + std::to_string(rule.stage) + of + " is out of range",
		     StageList(model));
	ValidateWindow(rule);
	ValidatePointsExpression(rule);
	ValidateSilence(rule);
	for (const RuleSpec &other : model.rules)
		if (&other != &rule && other.name == rule.name)
			Fail(ErrorKind::DuplicateObject, "rule " + Quoted(rule.name) + " already exists in model " +
			                                     Quoted(model.name));
	if (!rule.condition.empty())
		ParseCondition(rule.condition);
}

void ValidateModel(const ModelSpec &model) {
	if (model.name.empty())
		Fail(ErrorKind::InvalidValue, "model name must not be empty");
	ValidateHalfLife("half-life", model, model.half_life_us);
	ValidateHalfLife("momentum_half_life", model, model.momentum_half_life_us);
	ValidateThresholds(model);
	ValidateStages(model);

	std::unordered_set<std::int32_t> ids;
	for (const RuleSpec &rule : model.rules) {
		ValidateRule(model, rule);
		if (!ids.insert(rule.id).second)
			Fail(ErrorKind::DuplicateObject, "rule id " + std::to_string(rule.id) + " appears twice in model " +
			                                     Quoted(model.name));
	}
}

int FindStage(const ModelSpec &model, std::string_view name) {
	for (std::size_t k = 0; k < model.stages.size(); k++)
		if (model.stages[k] == name)
			return static_cast<int>(k);
	Fail(ErrorKind::UndefinedObject, "stage " + Quoted(name) + " does not exist in model " + Quoted(model.name),
	     StageList(model));
}

void ValidateThresholdRange(const ModelSpec &model) {
	const std::string of = " of model " + Quoted(model.name);
	const std::string hint = "Thresholds must not exceed " + Float8Text(kMaxThreshold) + ".";
	// mql_threshold <= sql_threshold (ValidateModel): one bound covers both.
	if (model.sql_threshold > kMaxThreshold)
		Fail(ErrorKind::OutOfRange, "sql_threshold" + of + " is out of range: " + Float8Text(model.sql_threshold), {},
		     hint);
	if (model.stage_min_points > kMaxThreshold)
		Fail(ErrorKind::OutOfRange, "stage_min_points" + of + " is out of range: " + Float8Text(model.stage_min_points),
		     {}, hint);
}

void CompiledModel::MoveEpoch(std::int64_t epoch) noexcept {
	spec_.epoch_us = epoch;
	decay_ = Decay(spec_.half_life_us, epoch);
	momentum_ = Decay(spec_.momentum_half_life_us, epoch);
}

CompiledModel::CompiledModel(const ModelSpec &spec, const Schema &schema)
    : spec_(spec), decay_(spec.half_life_us, spec.epoch_us), momentum_(spec.momentum_half_life_us, spec.epoch_us),
      schema_(schema) {
}

namespace {

// Compiles a rule's condition or points expression; the compiler names the
// column, the user needs the rule too.
template <typename Compile>
auto NamingRule(const ModelSpec &spec, const RuleSpec &rule, const char *what, Compile compile) {
	try {
		return compile();
	} catch (const Error &e) {
		std::string detail = e.detail();
		detail += (detail.empty() ? "" : " ");
		detail += std::string("The ") + what + " belongs to rule " + Quoted(rule.name) + " of model " +
		          Quoted(spec.name) + ".";
		throw Error(e.kind(), e.what(), detail, e.hint());
	}
}

} // namespace

CompiledModel CompiledModel::Compile(const ModelSpec &spec, const Schema &activity_columns,
                                     const ConditionLimits &limits) {
	ValidateModel(spec);
	CompiledModel model(spec, activity_columns);

	model.rules_.reserve(spec.rules.size());
	for (const RuleSpec &rs : spec.rules) {
		CompiledRule rule;
		rule.spec = rs;
		if (!rs.condition.empty()) {
			auto ast = ParseCondition(rs.condition, limits);
			rule.condition_key = Normalize(*ast);
			rule.condition = NamingRule(spec, rs, "condition",
			                            [&] { return CompiledCondition::Compile(*ast, activity_columns, limits); });
			for (std::size_t c : rule.condition->columns_used())
				model.columns_used_.push_back(c);
		}
		if (!rs.points_expression.empty()) {
			auto ast = ParseExpression(rs.points_expression, limits);
			rule.points = NamingRule(spec, rs, "points_expression",
			                         [&] { return CompiledExpression::Compile(*ast, activity_columns, limits); });
			for (std::size_t c : rule.points->columns_used())
				model.columns_used_.push_back(c);
		}
		if (rs.max_count > 0) {
			rule.cap = static_cast<int>(model.capped_rules_.size());
			model.capped_rules_.push_back(static_cast<std::uint32_t>(model.rules_.size()));
		}
		if (rs.window.min_count > 0) {
			rule.window = static_cast<int>(model.window_rules_.size());
			model.window_rules_.push_back(static_cast<std::uint32_t>(model.rules_.size()));
		}
		if (!rs.response_types.empty()) {
			rule.silence = static_cast<int>(model.silence_rules_.size());
			model.silence_rules_.push_back(static_cast<std::uint32_t>(model.rules_.size()));
		}
		model.rules_.push_back(std::move(rule));
	}
	std::sort(model.columns_used_.begin(), model.columns_used_.end());
	model.columns_used_.erase(std::unique(model.columns_used_.begin(), model.columns_used_.end()),
	                          model.columns_used_.end());

	model.GroupByType();
	return model;
}

// Each type's rules are its own and those of every type, merged in model
// order; the last group (id types_.size()) has only the latter, for types
// no rule names.
void CompiledModel::GroupByType() {
	const std::uint32_t any = UINT32_MAX;
	std::vector<std::uint32_t> type_of(rules_.size());
	for (std::size_t i = 0; i < rules_.size(); i++) {
		const std::string &type = rules_[i].spec.activity_type;
		type_of[i] = type.empty() ? any : types_.Add(type);
	}
	type_first_.assign(1, 0);
	type_rules_.clear();
	// A silence rule also sees its response types' rows.
	std::vector<std::vector<std::uint32_t>> responds_to(rules_.size());
	for (std::size_t i = 0; i < rules_.size(); i++)
		for (const std::string &type : rules_[i].spec.response_types)
			responds_to[i].push_back(types_.Add(type));
	for (std::uint32_t t = 0; t <= types_.size(); t++) {
		for (std::uint32_t i = 0; i < rules_.size(); i++)
			if (type_of[i] == t || type_of[i] == any ||
			    std::find(responds_to[i].begin(), responds_to[i].end(), t) != responds_to[i].end())
				type_rules_.push_back(i);
		type_first_.push_back(static_cast<std::uint32_t>(type_rules_.size()));
	}
}

IndexSpan CompiledModel::RulesFor(std::string_view type) const noexcept {
	std::uint32_t t = types_.Find(type);
	if (t == TypeIndex::kNotFound)
		t = static_cast<std::uint32_t>(types_.size());
	const std::uint32_t *base = type_rules_.data();
	return IndexSpan{base + type_first_[t], base + type_first_[t + 1]};
}

bool CompiledModel::Matches(std::size_t i, const Value *row) const noexcept {
	const CompiledRule &r = rules_[i];
	return !r.condition || r.condition->Evaluate(row, schema_.size()) == Tri::True;
}

bool CompiledModel::PointsOf(std::size_t i, const Value *row, double *points) const noexcept {
	const CompiledRule &r = rules_[i];
	if (!r.points) {
		*points = r.spec.points;
		return true;
	}
	return UsablePoints(r.points->Evaluate(row, schema_.size()), points);
}

Schema RuleAttributes(const ModelSpec &model) {
	std::vector<std::string> names;
	auto add = [&names](const Node &node) {
		for (std::string &name : ColumnNames(node))
			names.push_back(std::move(name));
	};
	for (const RuleSpec &rule : model.rules) {
		if (!rule.condition.empty())
			add(*ParseCondition(rule.condition));
		if (!rule.points_expression.empty())
			add(*ParseExpression(rule.points_expression));
	}
	return AnySchema(std::move(names));
}

bool HasSilenceRules(const ModelSpec &model) noexcept {
	for (const RuleSpec &rule : model.rules)
		if (!rule.response_types.empty())
			return true;
	return false;
}

bool UsablePoints(const ExpressionResult &result, double *points) noexcept {
	if (!result.finite() || std::fabs(result.value) > kMaxRulePoints)
		return false;
	*points = result.value;
	return true;
}

} // namespace leadscore::core
