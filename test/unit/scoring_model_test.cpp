// Scoring models: every configuration error add_rule / create_model must
// reject (with its kind, which becomes the SQLSTATE), compiling against an
// attached table, and the type index.
#include "core/base/error.hpp"
#include "core/model/scoring_model.hpp"
#include "core/model/scoring_type_index.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace leadscore::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kDayUs = 86'400'000'000.0;

Schema ActivityColumns() {
	return Schema{{"id", ValueType::Int},
	              {"url", ValueType::Text},
	              {"duration_s", ValueType::Int},
	              {"country", ValueType::Text}};
}

RuleSpec Rule(std::int32_t id, std::string name, std::string type, double points, int stage = kNoStage,
              std::string condition = {}, std::int32_t max_count = 0) {
	RuleSpec r;
	r.id = id;
	r.name = std::move(name);
	r.activity_type = std::move(type);
	r.points = points;
	r.stage = stage;
	r.condition = std::move(condition);
	r.max_count = max_count;
	return r;
}

// The example model.
ModelSpec CrmSoftware() {
	ModelSpec m;
	m.id = 1;
	m.name = "crm_software";
	m.half_life_us = 30 * kDayUs;
	m.stages = {"awareness", "consideration", "decision"};
	m.rules = {Rule(1, "pricing_view", "pricing_view", 35, 2),
	           Rule(2, "blog_read", "blog_read", 5, 0, {}, 5),
	           Rule(3, "pricing_page", "page_view", 15, 1, "url LIKE '/pricing%' AND duration_s >= 30"),
	           Rule(4, "unsubscribe", "unsubscribe", -40)};
	return m;
}

// Runs `f`, expects an Error of `kind`, returns "message | detail | hint".
template <typename F>
std::string ErrorOf(F &&f, ErrorKind kind) {
	try {
		f();
	} catch (const Error &e) {
		EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
		return std::string(e.what()) + " | " + e.detail() + " | " + e.hint();
	}
	ADD_FAILURE() << "no error";
	return {};
}

std::string ModelError(const ModelSpec &m, ErrorKind kind) {
	return ErrorOf([&] { ValidateModel(m); }, kind);
}

std::string RuleError(const RuleSpec &r, ErrorKind kind) {
	ModelSpec m = CrmSoftware();
	return ErrorOf([&] { ValidateRule(m, r); }, kind);
}

TEST(ScoringModel, ValidModelPasses) {
	ModelSpec m = CrmSoftware();
	EXPECT_NO_THROW(ValidateModel(m));
	m.half_life_us = 0; // no decay
	m.stages.clear();
	for (RuleSpec &r : m.rules)
		r.stage = kNoStage;
	m.max_score = 100;
	EXPECT_NO_THROW(ValidateModel(m));
}

TEST(ScoringModel, RejectsBadPoints) {
	EXPECT_EQ(RuleError(Rule(9, "x", "t", kNaN), ErrorKind::InvalidValue),
	          "points of rule \"x\" must be a finite number, not NaN |  | ");
	EXPECT_EQ(RuleError(Rule(9, "x", "t", kInf), ErrorKind::InvalidValue),
	          "points of rule \"x\" must be a finite number, not Infinity |  | ");
	EXPECT_EQ(RuleError(Rule(9, "x", "t", -kInf), ErrorKind::InvalidValue),
	          "points of rule \"x\" must be a finite number, not -Infinity |  | ");
	EXPECT_EQ(RuleError(Rule(9, "x", "t", 1e15), ErrorKind::OutOfRange),
	          "points of rule \"x\" are out of range: 1e+15 | Points must lie between -1e+12 and 1e+12. | ");
	ModelSpec m = CrmSoftware();
	EXPECT_NO_THROW(ValidateRule(m, Rule(9, "x", "t", -1e12)));
	EXPECT_NO_THROW(ValidateRule(m, Rule(9, "x", "t", 0)));
}

TEST(ScoringModel, RejectsBadFrequencyWindows) {
	auto window = [](std::int32_t n, std::int64_t within, std::int64_t cooldown, std::int32_t cap = 0) {
		RuleSpec r = Rule(9, "x", "t", 1, kNoStage, {}, cap);
		r.window = FrequencyWindow{n, within, cooldown};
		return r;
	};
	const std::int64_t day = 86'400'000'000;
	ModelSpec m = CrmSoftware();
	EXPECT_NO_THROW(ValidateRule(m, window(2, day, day)));
	EXPECT_NO_THROW(ValidateRule(m, window(1, kMaxWindowUs, kMaxWindowUs)));
	EXPECT_EQ(RuleError(window(0, day, 0), ErrorKind::InvalidValue),
	          "within and cooldown of rule \"x\" need min_count |  | Give min_count => N to score N activities "
	          "within that time.");
	EXPECT_NE(RuleError(window(-1, day, day), ErrorKind::InvalidValue).find("min_count of rule"), std::string::npos);
	for (std::int64_t bad : {std::int64_t{0}, -day, kMaxWindowUs + 1}) {
		EXPECT_NE(RuleError(window(2, bad, day), ErrorKind::InvalidValue).find("within of rule"), std::string::npos);
		EXPECT_NE(RuleError(window(2, day, bad), ErrorKind::InvalidValue).find("cooldown of rule"), std::string::npos);
	}
	EXPECT_NE(RuleError(window(2, day, day, 3), ErrorKind::InvalidValue).find("both max_count and min_count"),
	          std::string::npos);
}

TEST(ScoringModel, RejectsBadRuleFields) {
	EXPECT_EQ(RuleError(Rule(9, "", "t", 1), ErrorKind::InvalidValue), "rule name must not be empty |  | ");
	// An empty type is a rule of every type.
	EXPECT_NO_THROW(ValidateRule(CrmSoftware(), Rule(9, "x", "", 1)));
	EXPECT_EQ(RuleError(Rule(9, "x", "t", 1, kNoStage, {}, -1), ErrorKind::InvalidValue),
	          "max_count of rule \"x\" must not be negative: -1 |  | Use NULL or 0 for no cap.");
	EXPECT_NE(RuleError(Rule(9, "x", "t", 1, kNoStage, {}, kMaxCountLimit + 1), ErrorKind::OutOfRange)
	              .find("max_count of rule \"x\" is out of range: 1001"),
	          std::string::npos);
	EXPECT_EQ(RuleError(Rule(9, "x", "t", 1, 3), ErrorKind::InvalidValue),
	          "stage index 3 of rule \"x\" is out of range | The stages of model \"crm_software\" are "
	          "\"awareness\", \"consideration\", \"decision\". | ");
	EXPECT_EQ(RuleError(Rule(9, "x", "t", 1, -2), ErrorKind::InvalidValue).substr(0, 20), "stage index -2 of ru");
}

TEST(ScoringModel, RejectsDuplicateRuleName) {
	// add_rule: the new rule is not in the model yet.
	EXPECT_EQ(RuleError(Rule(9, "blog_read", "t", 1), ErrorKind::DuplicateObject),
	          "rule \"blog_read\" already exists in model \"crm_software\" |  | ");
	// A stored model with two rules of one name.
	ModelSpec m = CrmSoftware();
	m.rules.push_back(Rule(9, "unsubscribe", "email_unsubscribe", -40));
	EXPECT_EQ(ModelError(m, ErrorKind::DuplicateObject),
	          "rule \"unsubscribe\" already exists in model \"crm_software\" |  | ");
	m.rules.back().name = "unsubscribe_2";
	m.rules.back().id = 4;
	EXPECT_EQ(ModelError(m, ErrorKind::DuplicateObject), "rule id 4 appears twice in model \"crm_software\" |  | ");
}

TEST(ScoringModel, RejectsBadCondition) {
	std::string e = RuleError(Rule(9, "x", "page_view", 1, kNoStage, "url LIKE '/pricing%' AND (duration_s >= 30"),
	                          ErrorKind::Syntax);
	EXPECT_EQ(e.substr(0, 24), "syntax error at position") << e;
	RuleError(Rule(9, "x", "page_view", 1, kNoStage, "url ~ '('"), ErrorKind::InvalidRegex);
}

TEST(ScoringModel, RejectsBadHalfLife) {
	ModelSpec m = CrmSoftware();
	m.half_life_us = -kDayUs;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "half-life of model \"crm_software\" must not be negative |  | Use NULL or 0 for no decay.");
	m.half_life_us = kNaN;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "half-life of model \"crm_software\" must be finite, not NaN |  | Use NULL or 0 for no decay.");
	m.half_life_us = kInf;
	ModelError(m, ErrorKind::InvalidValue);
	m.half_life_us = 1e6; // one second
	EXPECT_EQ(ModelError(m, ErrorKind::OutOfRange),
	          "half-life of model \"crm_software\" must be at least 1 minute | The half-life given is 1 s. | ");
	m.half_life_us = kMinHalfLifeUs;
	EXPECT_NO_THROW(ValidateModel(m));
}

TEST(ScoringModel, RejectsBadThresholds) {
	ModelSpec m = CrmSoftware();
	m.mql_threshold = kNaN;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "mql_threshold of model \"crm_software\" must be a finite number, not NaN |  | ");
	m = CrmSoftware();
	m.sql_threshold = kNaN;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "sql_threshold of model \"crm_software\" must be a finite number, not NaN |  | ");
	m = CrmSoftware();
	m.sql_threshold = kInf;
	ModelError(m, ErrorKind::InvalidValue);
	m = CrmSoftware();
	m.sql_threshold = 40;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "sql_threshold 40 is below mql_threshold 50 of model \"crm_software\" |  | ");
	m = CrmSoftware();
	m.mql_threshold = 0;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue).substr(0, 60),
	          "mql_threshold of model \"crm_software\" must be positive, not ");
	m = CrmSoftware();
	m.sql_threshold = 50; // equal is fine: every MQL is an SQL
	EXPECT_NO_THROW(ValidateModel(m));
}

TEST(ScoringModel, RejectsBadMaxScore) {
	ModelSpec m = CrmSoftware();
	m.max_score = 80;
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "max_score 80 is below sql_threshold 100 of model \"crm_software\" | No lead could ever reach SQL. | ");
	m.max_score = kInf;
	ModelError(m, ErrorKind::InvalidValue);
	m.max_score = 100;
	EXPECT_NO_THROW(ValidateModel(m));
}

TEST(ScoringModel, RejectsBadStages) {
	ModelSpec m = CrmSoftware();
	m.stages = {"awareness", "", "decision"};
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue),
	          "stage names of model \"crm_software\" must not be empty |  | ");
	m.stages = {"awareness", "decision", "decision"};
	EXPECT_EQ(ModelError(m, ErrorKind::DuplicateObject),
	          "stage \"decision\" appears twice in model \"crm_software\" |  | ");
	m = CrmSoftware();
	m.stage_min_points = 0;
	ModelError(m, ErrorKind::InvalidValue);
	m.stage_min_points = kNaN;
	ModelError(m, ErrorKind::InvalidValue);
	m = CrmSoftware();
	m.name.clear();
	EXPECT_EQ(ModelError(m, ErrorKind::InvalidValue), "model name must not be empty |  | ");
}

TEST(ScoringModel, FindStage) {
	ModelSpec m = CrmSoftware();
	EXPECT_EQ(FindStage(m, "awareness"), 0);
	EXPECT_EQ(FindStage(m, "decision"), 2);
	EXPECT_EQ(ErrorOf([&] { FindStage(m, "Decision"); }, ErrorKind::UndefinedObject),
	          "stage \"Decision\" does not exist in model \"crm_software\" | The stages of model "
	          "\"crm_software\" are \"awareness\", \"consideration\", \"decision\". | ");
	m.stages.clear();
	EXPECT_EQ(ErrorOf([&] { FindStage(m, "x"); }, ErrorKind::UndefinedObject),
	          "stage \"x\" does not exist in model \"crm_software\" | The model has no stages. | ");
}

TEST(ScoringModel, CompileIndexesRulesByType) {
	ModelSpec spec = CrmSoftware();
	// A second rule of the same type: both score (every matching rule does).
	spec.rules.push_back(Rule(5, "pricing_page_de", "page_view", 20, kNoStage, "country = 'DE'"));
	CompiledModel m = CompiledModel::Compile(spec, ActivityColumns());

	IndexSpan pv = m.RulesFor("page_view");
	ASSERT_EQ(pv.size(), 2u);
	EXPECT_EQ(m.rule(pv.begin()[0]).spec.name, "pricing_page");
	EXPECT_EQ(m.rule(pv.begin()[1]).spec.name, "pricing_page_de");
	EXPECT_EQ(m.RulesFor("blog_read").size(), 1u);
	EXPECT_TRUE(m.RulesFor("careers_view").empty());
	EXPECT_TRUE(m.RulesFor("").empty());
	EXPECT_TRUE(m.RulesFor("Page_View").empty()); // types match exactly

	EXPECT_EQ(m.capped_rules(), std::vector<std::uint32_t>{1});
	EXPECT_EQ(m.rule(1).cap, 0);
	EXPECT_EQ(m.rule(0).cap, -1);
	EXPECT_EQ(m.columns_used(), (std::vector<std::size_t>{1, 2, 3}));
	EXPECT_EQ(m.stage_count(), 3u);
	EXPECT_TRUE(m.decay().decays());
	EXPECT_EQ(m.rule(2).condition_key, "url LIKE '/pricing%' AND duration_s >= 30");
}

TEST(ScoringModel, MatchesEvaluatesTheCondition) {
	CompiledModel m = CompiledModel::Compile(CrmSoftware(), ActivityColumns());
	Value row[4] = {Value::Int(1), Value::Text("/pricing/enterprise"), Value::Int(45), Value::Null()};
	EXPECT_TRUE(m.Matches(2, row));
	row[2] = Value::Int(10);
	EXPECT_FALSE(m.Matches(2, row));
	row[2] = Value::Null(); // unknown: not matched
	EXPECT_FALSE(m.Matches(2, row));
	EXPECT_TRUE(m.Matches(0, row)); // no condition
}

TEST(ScoringModel, CompileNamesTheRuleOfAnUnknownColumn) {
	ModelSpec spec = CrmSoftware();
	spec.rules[2].condition = "url LIKE '/pricing%' AND durration_s >= 30";
	std::string e = ErrorOf([&] { CompiledModel::Compile(spec, ActivityColumns()); }, ErrorKind::UndefinedColumn);
	EXPECT_NE(e.find("column \"durration_s\" does not exist"), std::string::npos) << e;
	EXPECT_NE(e.find("The condition belongs to rule \"pricing_page\" of model \"crm_software\"."), std::string::npos)
	    << e;
	// The compiler's hint (the table's columns) survives.
	EXPECT_NE(e.find("duration_s"), std::string::npos) << e;

	spec = CrmSoftware();
	spec.rules[2].condition = "url >= 30";
	e = ErrorOf([&] { CompiledModel::Compile(spec, ActivityColumns()); }, ErrorKind::TypeMismatch);
	EXPECT_NE(e.find("rule \"pricing_page\""), std::string::npos) << e;

	// Compile validates too.
	spec = CrmSoftware();
	spec.rules[0].points = kNaN;
	ErrorOf([&] { CompiledModel::Compile(spec, ActivityColumns()); }, ErrorKind::InvalidValue);
}

TEST(TypeIndex, AddAndFind) {
	TypeIndex index;
	EXPECT_EQ(index.Find("x"), TypeIndex::kNotFound);
	std::vector<std::string> names;
	for (int k = 0; k < 1000; k++)
		names.push_back("activity_type_number_" + std::to_string(k));
	for (std::size_t k = 0; k < names.size(); k++)
		EXPECT_EQ(index.Add(names[k]), k);
	EXPECT_EQ(index.Add(names[17]), 17u); // already there
	EXPECT_EQ(index.size(), 1000u);
	for (std::size_t k = 0; k < names.size(); k++)
		EXPECT_EQ(index.Find(names[k]), k);
	EXPECT_EQ(index.Find("activity_type_number_1000"), TypeIndex::kNotFound);
	EXPECT_EQ(index.Find(""), TypeIndex::kNotFound);
	EXPECT_EQ(index.Add(""), 1000u); // the empty string is a name like any other
	EXPECT_EQ(index.Find(""), 1000u);
}

} // namespace
} // namespace leadscore::core
