// CompiledCondition: column resolution, type checks and their messages,
// and evaluation under SQL's three-valued logic.
#include "core/condition/condition.hpp"
#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace leadscore::core;

namespace {

constexpr Tri T = Tri::True, F = Tri::False, U = Tri::Unknown;

// An activity row with columns of every type.
const Schema &TestSchema() {
	static const Schema schema = {
	    {"url", ValueType::Text},          // 0
	    {"duration_s", ValueType::Int},    // 1
	    {"score", ValueType::Float},       // 2
	    {"is_customer", ValueType::Bool},  // 3
	    {"created_at", ValueType::Timestamp},  // 4
	    {"attr", ValueType::Any},          // 5
	    {"country", ValueType::Text},      // 6
	    {"opted_out", ValueType::Bool},    // 7
	    {"Mixed Case", ValueType::Int},    // 8
	    {"other", ValueType::Any},         // 9
	};
	return schema;
}

struct Row {
	std::vector<Value> values = std::vector<Value>(TestSchema().size());

	Row &Set(std::size_t k, Value v) {
		values[k] = v;
		return *this;
	}
};

Tri Eval(std::string_view text, const Row &row = Row()) {
	auto node = ParseCondition(text);
	auto c = CompiledCondition::Compile(*node, TestSchema());
	return c.Evaluate(row.values.data(), row.values.size());
}

Row WithUrl(std::string_view url) {
	return Row().Set(0, Value::Text(url));
}
Row WithInt(std::int64_t i) {
	return Row().Set(1, Value::Int(i));
}
Row WithFloat(double f) {
	return Row().Set(2, Value::Float(f));
}
Row WithAttr(Value v) {
	return Row().Set(5, v);
}

struct Failure {
	ErrorKind kind;
	std::string message, detail, hint;
};

Failure CompileFailure(std::string_view text, const Schema &schema = TestSchema()) {
	try {
		auto node = ParseCondition(text);
		CompiledCondition::Compile(*node, schema);
	} catch (const Error &e) {
		return {e.kind(), e.what(), e.detail(), e.hint()};
	}
	ADD_FAILURE() << "compiled without error: " << text;
	return {ErrorKind::Internal, "", "", ""};
}

std::int64_t Ts(std::string_view text) {
	std::int64_t micros = 0;
	EXPECT_TRUE(ParseTimestampLiteral(text, &micros)) << text;
	return micros;
}

} // namespace

TEST(ConditionEval, DesignExamples) {
	const Schema schema = {{"url", ValueType::Text},        {"duration_s", ValueType::Int},
	                       {"job_title", ValueType::Text},  {"country", ValueType::Text},
	                       {"employees", ValueType::Int},   {"annual_revenue", ValueType::Float},
	                       {"email", ValueType::Text},      {"title", ValueType::Text}};
	auto run = [&](const char *text, std::vector<Value> row) {
		auto c = CompiledCondition::Compile(*ParseCondition(text), schema);
		return c.Evaluate(row.data(), row.size());
	};
	std::vector<Value> row(schema.size());
	row[0] = Value::Text("/pricing/enterprise");
	row[1] = Value::Int(45);
	const char *pricing = "url LIKE '/pricing%' AND duration_s >= 30";
	EXPECT_EQ(run(pricing, row), T);
	row[1] = Value::Int(10);
	EXPECT_EQ(run(pricing, row), F);
	row[1] = Value::Null();
	EXPECT_EQ(run(pricing, row), U);
	row[0] = Value::Text("/blog");
	EXPECT_EQ(run(pricing, row), F);  // False AND Unknown

	const char *exec = "job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))";
	row[2] = Value::Text("Head of Marketing");
	row[3] = Value::Text("NL");
	EXPECT_EQ(run(exec, row), T);
	row[3] = Value::Text("XX");
	EXPECT_EQ(run(exec, row), F);
	row[2] = Value::Text("Intern");
	row[3] = Value::Text("NL");
	EXPECT_EQ(run(exec, row), F);

	const char *big = "employees >= 200 OR annual_revenue > 50e6";
	row[4] = Value::Int(50);
	row[5] = Value::Float(60e6);
	EXPECT_EQ(run(big, row), T);
	row[5] = Value::Null();
	EXPECT_EQ(run(big, row), U);
	row[4] = Value::Int(200);
	EXPECT_EQ(run(big, row), T);  // True OR Unknown

	const char *competitor = "email ILIKE '%@competitor.com' OR title IS NULL";
	row[6] = Value::Text("Jane@Competitor.COM");
	row[7] = Value::Text("CEO");
	EXPECT_EQ(run(competitor, row), T);
	row[6] = Value::Text("jane@customer.com");
	EXPECT_EQ(run(competitor, row), F);
	row[7] = Value::Null();
	EXPECT_EQ(run(competitor, row), T);
}

TEST(ConditionEval, ComparisonsOfEachType) {
	EXPECT_EQ(Eval("url = '/x'", WithUrl("/x")), T);
	EXPECT_EQ(Eval("url <> '/x'", WithUrl("/x")), F);
	EXPECT_EQ(Eval("url < '/y'", WithUrl("/x")), T);
	EXPECT_EQ(Eval("duration_s > 30", WithInt(31)), T);
	EXPECT_EQ(Eval("duration_s >= 30", WithInt(30)), T);
	EXPECT_EQ(Eval("duration_s < 30", WithInt(30)), F);
	EXPECT_EQ(Eval("duration_s <= 30", WithInt(30)), T);
	EXPECT_EQ(Eval("duration_s != 30", WithInt(30)), F);
	EXPECT_EQ(Eval("score = 1.5", WithFloat(1.5)), T);
	EXPECT_EQ(Eval("is_customer = TRUE", Row().Set(3, Value::Bool(true))), T);
	EXPECT_EQ(Eval("is_customer > FALSE", Row().Set(3, Value::Bool(true))), T);
	EXPECT_EQ(Eval("created_at >= '2024-01-01'", Row().Set(4, Value::Timestamp(Ts("2024-06-01")))), T);
	EXPECT_EQ(Eval("created_at < '2024-01-01T00:00:00Z'", Row().Set(4, Value::Timestamp(Ts("2024-06-01")))), F);
	// Literal on the left, and constant comparisons.
	EXPECT_EQ(Eval("30 < duration_s", WithInt(31)), T);
	EXPECT_EQ(Eval("1 = 1"), T);
	EXPECT_EQ(Eval("'a' < 'b'"), T);
}

TEST(ConditionEval, ColumnAgainstColumn) {
	Row r = Row().Set(1, Value::Int(3)).Set(2, Value::Float(2.5)).Set(0, Value::Text("a")).Set(6, Value::Text("b"));
	EXPECT_EQ(Eval("duration_s > score", r), T);
	EXPECT_EQ(Eval("url < country", r), T);
	EXPECT_EQ(Eval("is_customer = opted_out", r), U);
	EXPECT_EQ(Eval("\"Mixed Case\" = duration_s", r.Set(8, Value::Int(3))), T);
}

TEST(ConditionEval, TextComparesBytewise) {
	// C collation: upper case sorts before lower case, bytes as unsigned.
	EXPECT_EQ(Eval("url < 'a'", WithUrl("Z")), T);
	EXPECT_EQ(Eval("url > 'z'", WithUrl("é")), T);
	EXPECT_EQ(Eval("url < 'ab'", WithUrl("a")), T);
	EXPECT_EQ(Eval("url = ''", WithUrl("")), T);
}

TEST(ConditionEval, NullTruthTables) {
	EXPECT_EQ(Eval("url = '/x'"), U);
	EXPECT_EQ(Eval("url <> '/x'"), U);
	EXPECT_EQ(Eval("duration_s = NULL", WithInt(1)), U);
	EXPECT_EQ(Eval("NULL = NULL"), U);
	EXPECT_EQ(Eval("NULL"), U);
	EXPECT_EQ(Eval("NOT NULL"), U);

	const std::pair<const char *, Tri> tri[] = {{"TRUE", T}, {"FALSE", F}, {"NULL", U}};
	for (const auto &[a, ta] : tri) {
		for (const auto &[b, tb] : tri) {
			Tri expect_and = (ta == F || tb == F) ? F : (ta == U || tb == U) ? U : T;
			Tri expect_or = (ta == T || tb == T) ? T : (ta == U || tb == U) ? U : F;
			EXPECT_EQ(Eval(std::string(a) + " AND " + b), expect_and) << a << " AND " << b;
			EXPECT_EQ(Eval(std::string(a) + " OR " + b), expect_or) << a << " OR " << b;
		}
		EXPECT_EQ(Eval(std::string("NOT ") + a), ta == U ? U : ta == T ? F : T);
	}
}

TEST(ConditionEval, IsNull) {
	EXPECT_EQ(Eval("url IS NULL"), T);
	EXPECT_EQ(Eval("url IS NOT NULL"), F);
	EXPECT_EQ(Eval("url IS NULL", WithUrl("")), F);
	EXPECT_EQ(Eval("attr IS NOT NULL", WithAttr(Value::Int(0))), T);
	EXPECT_EQ(Eval("NULL IS NULL"), T);
	EXPECT_EQ(Eval("5 IS NULL"), F);
	EXPECT_EQ(Eval("is_customer IS NULL AND opted_out IS NULL"), T);
}

TEST(ConditionEval, In) {
	EXPECT_EQ(Eval("country IN ('XX', 'YY')", Row().Set(6, Value::Text("YY"))), T);
	EXPECT_EQ(Eval("country IN ('XX', 'YY')", Row().Set(6, Value::Text("ZZ"))), F);
	EXPECT_EQ(Eval("country NOT IN ('XX', 'YY')", Row().Set(6, Value::Text("ZZ"))), T);
	EXPECT_EQ(Eval("country IN ('XX', 'YY')"), U);
	// A NULL in the list: found is True, not found is Unknown.
	EXPECT_EQ(Eval("country IN ('XX', NULL)", Row().Set(6, Value::Text("XX"))), T);
	EXPECT_EQ(Eval("country IN ('XX', NULL)", Row().Set(6, Value::Text("ZZ"))), U);
	EXPECT_EQ(Eval("country NOT IN ('XX', NULL)", Row().Set(6, Value::Text("ZZ"))), U);
	EXPECT_EQ(Eval("country NOT IN ('XX', NULL)", Row().Set(6, Value::Text("XX"))), F);
	EXPECT_EQ(Eval("duration_s IN (1, 2.5, NULL)", WithInt(1)), T);
	EXPECT_EQ(Eval("duration_s IN (1, 2.5)", WithInt(2)), F);
	EXPECT_EQ(Eval("score IN (1, 2.5)", WithFloat(2.5)), T);
	EXPECT_EQ(Eval("duration_s IN (1, '7')", WithInt(7)), T);
	EXPECT_EQ(Eval("1 IN (1)"), T);
}

TEST(ConditionEval, LongInListOfStrings) {
	std::string text = "country IN (";
	for (int k = 0; k < 2000; k++)
		text += (k ? ", '" : "'") + std::to_string(k * 7) + "'";
	text += ")";
	EXPECT_EQ(Eval(text, Row().Set(6, Value::Text("700"))), T);
	EXPECT_EQ(Eval(text, Row().Set(6, Value::Text("701"))), F);
	EXPECT_EQ(Eval(text, Row().Set(6, Value::Text("13993"))), T);
}

TEST(ConditionEval, Like) {
	EXPECT_EQ(Eval("url LIKE '/pricing%'", WithUrl("/pricing")), T);
	EXPECT_EQ(Eval("url LIKE '/pricing%'", WithUrl("/Pricing")), F);
	EXPECT_EQ(Eval("url ILIKE '/pricing%'", WithUrl("/PRICING/x")), T);
	EXPECT_EQ(Eval("url NOT LIKE '/pricing%'", WithUrl("/blog")), T);
	EXPECT_EQ(Eval("url NOT ILIKE '/pricing%'", WithUrl("/PRICING")), F);
	EXPECT_EQ(Eval("url LIKE '%'"), U);
	EXPECT_EQ(Eval("url LIKE '100\\%'", WithUrl("100%")), T);
	EXPECT_EQ(Eval("url LIKE '100\\%'", WithUrl("1000")), F);
	EXPECT_EQ(Eval("url LIKE '100!%' ESCAPE '!'", WithUrl("100%")), T);
	EXPECT_EQ(Eval("url LIKE 'a\\b' ESCAPE ''", WithUrl("a\\b")), T);
	EXPECT_EQ(Eval("url LIKE '_'", WithUrl("ü")), T);
	EXPECT_EQ(Eval("attr LIKE '1%'", WithAttr(Value::Text("12"))), T);
	EXPECT_EQ(Eval("attr LIKE '1%'", WithAttr(Value::Int(12))), U);  // no text: unknown
	EXPECT_EQ(Eval("'abc' LIKE 'a_c'"), T);
}

TEST(ConditionEval, Regex) {
	Row head = Row().Set(0, Value::Text("Head of Sales"));
	EXPECT_EQ(Eval("url ~ 'Head'", head), T);
	EXPECT_EQ(Eval("url ~ 'head'", head), F);
	EXPECT_EQ(Eval("url ~* 'head'", head), T);
	EXPECT_EQ(Eval("url !~ 'head'", head), T);
	EXPECT_EQ(Eval("url !~* 'head'", head), F);
	EXPECT_EQ(Eval("url ~ '^Sales'", head), F);  // a search, anchored only by ^
	EXPECT_EQ(Eval("url ~ 'Sales$'", head), T);
	EXPECT_EQ(Eval("url ~ 'a.b'", WithUrl("a\nb")), T);  // . matches newline, as in PostgreSQL
	EXPECT_EQ(Eval("url ~ 'x'"), U);
	EXPECT_EQ(Eval("url ~* 'ÜBER'", WithUrl("über")), T);
	EXPECT_EQ(Eval("attr ~ '^[0-9]+$'", WithAttr(Value::Text("123"))), T);
	EXPECT_EQ(Eval("attr ~ '^[0-9]+$'", WithAttr(Value::Int(123))), U);
}

TEST(ConditionEval, HostileRegexFinishesQuickly) {
	const std::string as(30000, 'a');
	const auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(Eval("url ~ '(a*)*b'", WithUrl(as)), F);
	EXPECT_EQ(Eval("url ~ '^(a|aa)+$'", WithUrl(as + "b")), F);
	EXPECT_EQ(Eval("url LIKE '%a%a%a%a%a%a%a%a%b'", WithUrl(as)), F);
	// Generous: a backtracking engine would take longer than the universe.
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(ConditionEval, BareBooleans) {
	Row r = Row().Set(3, Value::Bool(true)).Set(7, Value::Bool(false));
	EXPECT_EQ(Eval("is_customer AND NOT opted_out", r), T);
	EXPECT_EQ(Eval("is_customer AND opted_out", r), F);
	EXPECT_EQ(Eval("is_customer AND opted_out"), U);
	EXPECT_EQ(Eval("TRUE"), T);
	EXPECT_EQ(Eval("FALSE"), F);
	EXPECT_EQ(Eval("attr", WithAttr(Value::Bool(true))), T);
	EXPECT_EQ(Eval("attr", WithAttr(Value::Text("yes"))), T);
	EXPECT_EQ(Eval("attr", WithAttr(Value::Text("off"))), F);
	EXPECT_EQ(Eval("attr", WithAttr(Value::Text("maybe"))), U);
	EXPECT_EQ(Eval("attr", WithAttr(Value::Int(1))), U);
}

TEST(ConditionEval, IntegersAndFloatsCompareExactly) {
	// 2^53 + 1 is not a double; converting it would make these equal.
	const std::int64_t big = (std::int64_t{1} << 53) + 1;
	EXPECT_EQ(Eval("duration_s > 9007199254740992.0", WithInt(big)), T);
	EXPECT_EQ(Eval("duration_s = 9007199254740992.0", WithInt(big)), F);
	EXPECT_EQ(Eval("duration_s = 9007199254740992.0", WithInt(big - 1)), T);
	EXPECT_EQ(Eval("score < 9007199254740993", WithFloat(9007199254740992.0)), T);
	const std::int64_t max = std::numeric_limits<std::int64_t>::max();
	EXPECT_EQ(Eval("duration_s < 9223372036854775808", WithInt(max)), T);  // a float literal
	EXPECT_EQ(Eval("duration_s = 9223372036854775807", WithInt(max)), T);
	EXPECT_EQ(Eval("duration_s > -9223372036854775809", WithInt(std::numeric_limits<std::int64_t>::min())), F);
	EXPECT_EQ(Eval("duration_s >= -9223372036854775808", WithInt(std::numeric_limits<std::int64_t>::min())), T);
	EXPECT_EQ(Eval("duration_s < 2.5", WithInt(2)), T);
	EXPECT_EQ(Eval("duration_s > -2.5", WithInt(-2)), T);
	EXPECT_EQ(Eval("duration_s < -2.5", WithInt(-3)), T);
	EXPECT_EQ(Eval("duration_s = 2.0", WithInt(2)), T);
	EXPECT_EQ(Eval("score = 2", WithFloat(2.0)), T);
	EXPECT_EQ(Eval("score = 0", WithFloat(-0.0)), T);
	EXPECT_EQ(Eval("score > 1e308", WithFloat(HUGE_VAL)), T);
	EXPECT_EQ(Eval("duration_s < score", Row().Set(1, Value::Int(max)).Set(2, Value::Float(HUGE_VAL))), T);
}

TEST(ConditionEval, NaNFollowsPostgreSQL) {
	const double nan = std::nan("");
	EXPECT_EQ(Eval("score > 1e308", WithFloat(nan)), T);
	EXPECT_EQ(Eval("score = score", WithFloat(nan)), T);
	EXPECT_EQ(Eval("score > duration_s", Row().Set(2, Value::Float(nan)).Set(1, Value::Int(5))), T);
	EXPECT_EQ(Eval("duration_s < score", Row().Set(2, Value::Float(nan)).Set(1, Value::Int(5))), T);
	EXPECT_EQ(Eval("score = 'NaN'", WithFloat(nan)), T);
	EXPECT_EQ(Eval("score > 'Infinity'", WithFloat(nan)), T);
}

TEST(ConditionEval, StringLiteralsReadAsTheColumnsType) {
	EXPECT_EQ(Eval("duration_s >= '30'", WithInt(30)), T);
	EXPECT_EQ(Eval("duration_s > ' 2.5 '", WithInt(3)), T);
	EXPECT_EQ(Eval("is_customer = 'yes'", Row().Set(3, Value::Bool(true))), T);
	EXPECT_EQ(Eval("is_customer = 'f'", Row().Set(3, Value::Bool(true))), F);
	EXPECT_EQ(Eval("'30' <= duration_s", WithInt(30)), T);
	EXPECT_EQ(Eval("'5' = 5"), T);
	EXPECT_EQ(Eval("'5' IN (4, 5)"), T);
}

TEST(ConditionEval, TimestampLiterals) {
	Row r = Row().Set(4, Value::Timestamp(Ts("2024-03-01 12:00:00Z")));
	EXPECT_EQ(Eval("created_at = '2024-03-01 14:00:00+02:00'", r), T);
	EXPECT_EQ(Eval("created_at = '2024-03-01T12:00:00.000001'", r), F);
	EXPECT_EQ(Eval("created_at > '2024-02-29'", r), T);
	EXPECT_EQ(Eval("created_at IN ('2024-03-01 12:00', '2020-01-01')", r), T);
}

TEST(ConditionEval, AnyColumnsCoerceAtRunTime) {
	// Text meets a number: read as a number, or unknown.
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Text("150"))), T);
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Text(" 1e3 "))), T);
	EXPECT_EQ(Eval("attr = 100", WithAttr(Value::Text("100.0"))), T);
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Text("lots"))), U);
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Text(""))), U);
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Int(150))), T);
	EXPECT_EQ(Eval("attr > 100", WithAttr(Value::Float(99.5))), F);
	// A number meets a string literal.
	EXPECT_EQ(Eval("attr = '150'", WithAttr(Value::Int(150))), T);
	EXPECT_EQ(Eval("attr < '1e3'", WithAttr(Value::Float(150))), T);
	EXPECT_EQ(Eval("attr = 'abc'", WithAttr(Value::Int(150))), U);
	EXPECT_EQ(Eval("attr = 'abc'", WithAttr(Value::Text("abc"))), T);
	// Booleans.
	EXPECT_EQ(Eval("attr = TRUE", WithAttr(Value::Text("true"))), T);
	EXPECT_EQ(Eval("attr = TRUE", WithAttr(Value::Text("false"))), F);
	EXPECT_EQ(Eval("attr = TRUE", WithAttr(Value::Text("nope"))), U);
	EXPECT_EQ(Eval("attr = 'true'", WithAttr(Value::Bool(true))), T);
	EXPECT_EQ(Eval("attr = 1", WithAttr(Value::Bool(true))), U);
	// Timestamps.
	EXPECT_EQ(Eval("attr > '2024-01-01'", WithAttr(Value::Timestamp(Ts("2024-06-01")))), T);
	EXPECT_EQ(Eval("attr > '2024-01-01'", WithAttr(Value::Text("2024-06-01"))), T);  // text: compared as text
	EXPECT_EQ(Eval("attr = created_at",
	               WithAttr(Value::Text("2024-06-01")).Set(4, Value::Timestamp(Ts("2024-06-01")))),
	          T);
	EXPECT_EQ(Eval("attr = created_at", WithAttr(Value::Text("June")).Set(4, Value::Timestamp(0))), U);
	EXPECT_EQ(Eval("attr = 5", WithAttr(Value::Timestamp(0))), U);
	// Any against Any.
	EXPECT_EQ(Eval("attr = other", WithAttr(Value::Text("7")).Set(9, Value::Int(7))), T);
	EXPECT_EQ(Eval("attr = other", WithAttr(Value::Text("7")).Set(9, Value::Text("7.0"))), F);
	// IN and IS NULL.
	EXPECT_EQ(Eval("attr IN (1, 2, 3)", WithAttr(Value::Text("2"))), T);
	EXPECT_EQ(Eval("attr IN (1, 2, 3)", WithAttr(Value::Text("x"))), U);
	EXPECT_EQ(Eval("attr IN ('a', 'b')", WithAttr(Value::Text("b"))), T);
	EXPECT_EQ(Eval("attr IN ('1', 'b')", WithAttr(Value::Int(1))), T);
	EXPECT_EQ(Eval("attr IS NULL"), T);
}

TEST(ConditionEval, ShortOrMissingRowsReadAsNull) {
	auto node = ParseCondition("other IS NULL AND url IS NULL");
	auto c = CompiledCondition::Compile(*node, TestSchema());
	std::vector<Value> row(1, Value::Text("x"));
	EXPECT_EQ(c.Evaluate(row.data(), row.size()), F);
	EXPECT_EQ(c.Evaluate(row.data(), 0), T);
	EXPECT_EQ(c.Evaluate(nullptr, 0), T);
}

TEST(ConditionEval, ColumnsUsed) {
	auto node = ParseCondition("country = 'x' AND (url LIKE 'a' OR country IS NULL) AND 1 = 1 AND attr");
	auto c = CompiledCondition::Compile(*node, TestSchema());
	EXPECT_EQ(c.columns_used(), (std::vector<std::size_t>{0, 5, 6}));
	auto none = CompiledCondition::Compile(*ParseCondition("TRUE"), TestSchema());
	EXPECT_TRUE(none.columns_used().empty());
}

TEST(ConditionEval, CompiledConditionsMoveAndOutliveTheirTree) {
	CompiledCondition c = [] {
		auto node = ParseCondition("url IN ('a', 'b') AND url LIKE '_' AND url ~ '^[ab]$'");
		return CompiledCondition::Compile(*node, TestSchema());
	}();
	CompiledCondition d = std::move(c);
	Row r = WithUrl("b");
	EXPECT_EQ(d.Evaluate(r.values.data(), r.values.size()), T);
	c = std::move(d);
	EXPECT_EQ(c.Evaluate(r.values.data(), r.values.size()), T);
}

TEST(ConditionCompile, UndefinedColumn) {
	Failure f = CompileFailure("Foo = 1");
	EXPECT_EQ(f.kind, ErrorKind::UndefinedColumn);
	EXPECT_EQ(f.message, "column \"foo\" does not exist");
	EXPECT_EQ(f.detail, "The condition names it at position 1.");
	EXPECT_EQ(f.hint,
	          "Available columns: url, duration_s, score, is_customer, created_at, attr, country, opted_out, "
	          "\"Mixed Case\", other.");
	EXPECT_EQ(CompileFailure("\"URL\" = 'x'").message, "column \"URL\" does not exist");
	EXPECT_EQ(CompileFailure("mixed_case = 1").kind, ErrorKind::UndefinedColumn);

	Schema wide;
	for (int k = 0; k < 21; k++)
		wide.push_back({"c" + std::to_string(k), ValueType::Int});
	EXPECT_EQ(CompileFailure("x = 1", wide).hint, "");
	EXPECT_EQ(CompileFailure("x = 1", Schema()).hint, "");
}

TEST(ConditionCompile, TypeMismatches) {
	const std::pair<const char *, const char *> cases[] = {
	    {"country = 5", "cannot compare text column \"country\" with a number"},
	    {"5 = country", "cannot compare a number with text column \"country\""},
	    {"country IN ('XX', 5)", "cannot compare text column \"country\" with a number"},
	    {"duration_s = TRUE", "cannot compare integer column \"duration_s\" with a boolean"},
	    {"is_customer = 1", "cannot compare boolean column \"is_customer\" with a number"},
	    {"created_at > 5", "cannot compare timestamp column \"created_at\" with a number"},
	    {"url = duration_s", "cannot compare text column \"url\" with integer column \"duration_s\""},
	    {"created_at = url", "cannot compare timestamp column \"created_at\" with text column \"url\""},
	    {"1 = TRUE", "cannot compare a number with a boolean"},
	    {"duration_s ~ '1'", "operator does not exist: integer ~ text"},
	    {"score !~* '1'", "operator does not exist: float !~* text"},
	    {"is_customer LIKE 't%'", "operator does not exist: boolean LIKE text"},
	    {"created_at NOT ILIKE '2024%'", "operator does not exist: timestamp NOT ILIKE text"},
	    {"5 LIKE '5'", "operator does not exist: integer LIKE text"},
	    {"url", "column \"url\" is of type text, not boolean"},
	    {"duration_s AND TRUE", "column \"duration_s\" is of type integer, not boolean"},
	    {"duration_s = 'many'", "invalid number literal 'many'"},
	    {"is_customer = 'maybe'", "invalid boolean literal 'maybe'"},
	    {"created_at > '2023-02-29'", "invalid timestamp literal '2023-02-29'"},
	    {"created_at IN ('2024-01-01', 'yesterday')", "invalid timestamp literal 'yesterday'"},
	    {"'x' IN (1, 2)", "invalid number literal 'x'"},
	};
	for (const auto &[text, message] : cases) {
		Failure f = CompileFailure(text);
		EXPECT_EQ(f.kind, ErrorKind::TypeMismatch) << text;
		EXPECT_EQ(f.message, message) << text;
	}
}

TEST(ConditionCompile, TypeMismatchDetailsAndHints) {
	Failure f = CompileFailure("url = 'a' AND country = 5");
	EXPECT_EQ(f.detail, "The error is at position 25 of the condition.");
	Failure g = CompileFailure("duration_s ~ 'x'");
	EXPECT_EQ(g.detail, "The error is at position 12 of the condition.");
	EXPECT_EQ(g.hint, "LIKE, ILIKE and regular expressions apply to text only.");
	Failure h = CompileFailure("created_at > '2023-02-29'");
	EXPECT_EQ(h.detail, "The error is at position 14 of the condition.");
	EXPECT_NE(h.hint.find("YYYY-MM-DD"), std::string::npos);
}

TEST(ConditionCompile, NullAndAnyCompareWithEverything) {
	for (const char *text : {"country = NULL", "NULL = 5", "created_at = NULL", "is_customer IN (NULL)",
	                         "attr = 5", "attr = 'x'", "attr = TRUE", "attr = created_at", "attr LIKE 'x'",
	                         "attr ~ 'x'", "NULL LIKE 'x'", "NULL ~ 'x'", "attr", "other = attr"})
		EXPECT_NO_THROW(CompiledCondition::Compile(*ParseCondition(text), TestSchema())) << text;
}

TEST(ConditionCompile, HandBuiltTreesAreChecked) {
	Node empty_and;
	empty_and.kind = NodeKind::And;
	try {
		CompiledCondition::Compile(empty_and, TestSchema());
		ADD_FAILURE();
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Internal);
	}
	Node compare;
	compare.kind = NodeKind::Compare;
	EXPECT_THROW(CompiledCondition::Compile(compare, TestSchema()), Error);
}

TEST(ConditionCompile, NestingAtTheParserLimitCompiles) {
	// Each parenthesis level adds an OR and an AND node: the tree is twice as
	// deep as the nesting, and the compiler must accept all of it.
	std::string text;
	for (int k = 0; k < 100; k++)
		text += "b OR (b AND (";
	text += "b" + std::string(200, ')');
	const Schema schema = {{"b", ValueType::Bool}};
	auto c = CompiledCondition::Compile(*ParseCondition(text), schema);
	Value row[] = {Value::Bool(true)};
	EXPECT_EQ(c.Evaluate(row, 1), T);
	row[0] = Value::Bool(false);
	EXPECT_EQ(c.Evaluate(row, 1), F);
	row[0] = Value::Null();
	EXPECT_EQ(c.Evaluate(row, 1), U);

	std::string nots;
	for (int k = 0; k < 100; k++)
		nots += "NOT (b OR ";
	nots += "b" + std::string(100, ')');
	auto d = CompiledCondition::Compile(*ParseCondition(nots), schema);
	row[0] = Value::Bool(true);
	EXPECT_EQ(d.Evaluate(row, 1), F);  // the innermost NOT (b OR b) is False, and so on up
}

TEST(ConditionCompile, DeepHandBuiltTreesAreRefusedNotOverflowed) {
	auto root = std::make_unique<Node>();
	root->kind = NodeKind::Column;
	root->name = "is_customer";
	for (int k = 0; k < 5000; k++) {
		auto parent = std::make_unique<Node>();
		parent->kind = NodeKind::Not;
		parent->children.push_back(std::move(root));
		root = std::move(parent);
	}
	try {
		CompiledCondition::Compile(*root, TestSchema());
		ADD_FAILURE();
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::TooComplex);
		EXPECT_STREQ(e.what(), "condition nests too deeply");
	}
}

TEST(ValueText, ParseNumberText) {
	Value v;
	ASSERT_TRUE(ParseNumberText("42", &v));
	EXPECT_EQ(v.type, ValueType::Int);
	EXPECT_EQ(v.i, 42);
	ASSERT_TRUE(ParseNumberText(" -7\t", &v));
	EXPECT_EQ(v.i, -7);
	ASSERT_TRUE(ParseNumberText("+5", &v));
	EXPECT_EQ(v.i, 5);
	ASSERT_TRUE(ParseNumberText("1.5", &v));
	EXPECT_EQ(v.type, ValueType::Float);
	EXPECT_EQ(v.f, 1.5);
	ASSERT_TRUE(ParseNumberText("1e3", &v));
	EXPECT_EQ(v.f, 1000.0);
	ASSERT_TRUE(ParseNumberText("99999999999999999999", &v));
	EXPECT_EQ(v.type, ValueType::Float);
	ASSERT_TRUE(ParseNumberText("NaN", &v));
	EXPECT_TRUE(std::isnan(v.f));
	ASSERT_TRUE(ParseNumberText("-Infinity", &v));
	EXPECT_EQ(v.f, -HUGE_VAL);
	for (const char *bad : {"", "  ", "abc", "1x", "+-1", "--1", "0x10", "1e400", "1,5", "- 1"}) {
		Value untouched = Value::Int(-99);
		EXPECT_FALSE(ParseNumberText(bad, &untouched)) << bad;
		EXPECT_EQ(untouched.i, -99) << bad;
	}
}

TEST(ValueText, ParseBoolText) {
	for (const char *yes : {"t", "TRUE", " yes ", "Y", "on", "1", "tr"}) {
		bool b = false;
		EXPECT_TRUE(ParseBoolText(yes, &b)) << yes;
		EXPECT_TRUE(b) << yes;
	}
	for (const char *no : {"f", "False", "no", "N", "off", "of", "0"}) {
		bool b = true;
		EXPECT_TRUE(ParseBoolText(no, &b)) << no;
		EXPECT_FALSE(b) << no;
	}
	for (const char *bad : {"", "o", "2", "truex", "yess", "onn"}) {
		bool b;
		EXPECT_FALSE(ParseBoolText(bad, &b)) << bad;
	}
}

TEST(ValueText, TypeNames) {
	EXPECT_STREQ(ValueTypeName(ValueType::Int), "integer");
	EXPECT_STREQ(ValueTypeName(ValueType::Float), "float");
	EXPECT_STREQ(ValueTypeName(ValueType::Text), "text");
	EXPECT_STREQ(ValueTypeName(ValueType::Bool), "boolean");
	EXPECT_STREQ(ValueTypeName(ValueType::Timestamp), "timestamp");
	EXPECT_STREQ(ValueTypeName(ValueType::Any), "any");
	EXPECT_STREQ(ValueTypeName(ValueType::Null), "null");
}
