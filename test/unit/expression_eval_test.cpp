// CompiledExpression: column resolution and type checks with their
// messages, and evaluation: precedence, NULLs, division by zero, non-finite
// values, jsonb (Any) columns.
#include "core/condition/expression.hpp"
#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace leadscore::core;

namespace {

const Schema &TestSchema() {
	static const Schema schema = {
	    {"amount", ValueType::Int},        // 0
	    {"ratio", ValueType::Float},       // 1
	    {"attr", ValueType::Any},          // 2
	    {"url", ValueType::Text},          // 3
	    {"is_customer", ValueType::Bool},  // 4
	    {"created_at", ValueType::Timestamp},  // 5
	    {"seats", ValueType::Int},         // 6
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

ExpressionResult Eval(std::string_view text, const Row &row = Row()) {
	auto node = ParseExpression(text);
	auto e = CompiledExpression::Compile(*node, TestSchema());
	return e.Evaluate(row.values.data(), row.values.size());
}

// The finite value, or NaN (which no EXPECT_EQ matches) with a failure.
double Number(std::string_view text, const Row &row = Row()) {
	const ExpressionResult r = Eval(text, row);
	if (!r.finite()) {
		ADD_FAILURE() << text << ": status " << static_cast<int>(r.status);
		return std::nan("");
	}
	return r.value;
}

ExpressionStatus Status(std::string_view text, const Row &row = Row()) {
	return Eval(text, row).status;
}

Error CompileError(std::string_view text) {
	auto node = ParseExpression(text);
	try {
		CompiledExpression::Compile(*node, TestSchema());
	} catch (const Error &e) {
		return e;
	}
	ADD_FAILURE() << "compiled without error: " << text;
	return Error(ErrorKind::Internal, "");
}

constexpr auto kNull = ExpressionStatus::Null;
constexpr auto kDivZero = ExpressionStatus::DivisionByZero;
constexpr auto kNonFinite = ExpressionStatus::NonFinite;

} // namespace

TEST(ExpressionCompile, UnknownColumn) {
	Error e = CompileError("least(amount, missing)");
	EXPECT_EQ(e.kind(), ErrorKind::UndefinedColumn);
	EXPECT_STREQ(e.what(), "column \"missing\" does not exist");
	EXPECT_EQ(e.detail(), "The expression names it at position 15.");
	EXPECT_EQ(e.hint(), "Available columns: amount, ratio, attr, url, is_customer, created_at, seats.");
}

TEST(ExpressionCompile, NonNumericColumns) {
	Error e = CompileError("amount + url");
	EXPECT_EQ(e.kind(), ErrorKind::TypeMismatch);
	EXPECT_STREQ(e.what(), "column \"url\" is of type text, not a number");
	EXPECT_EQ(e.detail(), "The expression names it at position 10.");
	EXPECT_STREQ(CompileError("-is_customer").what(), "column \"is_customer\" is of type boolean, not a number");
	EXPECT_STREQ(CompileError("coalesce(created_at, 0)").what(),
	             "column \"created_at\" is of type timestamp, not a number");
}

TEST(ExpressionCompile, ColumnsUsed) {
	auto node = ParseExpression("least(seats, amount / seats, attr)");
	auto e = CompiledExpression::Compile(*node, TestSchema());
	EXPECT_EQ(e.columns_used(), (std::vector<std::size_t>{0, 2, 6}));
	auto constant = CompiledExpression::Compile(*ParseExpression("2 * 3"), TestSchema());
	EXPECT_TRUE(constant.columns_used().empty());
}

TEST(ExpressionCompile, RejectsConditionTrees) {
	auto node = ParseCondition("amount > 5");
	try {
		CompiledExpression::Compile(*node, TestSchema());
		ADD_FAILURE() << "a condition compiled as an expression";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::TypeMismatch);
	}
}

TEST(ExpressionCompile, DepthOfHandBuiltTree) {
	// Deeper than the limit, as the parser would never build it.
	auto root = ParseExpression("x");
	for (int k = 0; k < 20; k++) {
		auto negate = std::make_unique<Node>();
		negate->kind = NodeKind::Negate;
		negate->children.push_back(std::move(root));
		root = std::move(negate);
	}
	ConditionLimits limits;
	limits.max_depth = 10;
	try {
		CompiledExpression::Compile(*root, Schema{{"x", ValueType::Int}}, limits);
		ADD_FAILURE() << "compiled";
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::TooComplex);
	}
}

TEST(ExpressionEval, Precedence) {
	EXPECT_EQ(Number("1 + 2 * 3"), 7);
	EXPECT_EQ(Number("(1 + 2) * 3"), 9);
	EXPECT_EQ(Number("-2 * 3"), -6);
	EXPECT_EQ(Number("-(2 * 3) + 1"), -5);
	EXPECT_EQ(Number("10 - 4 - 3"), 3);
	EXPECT_EQ(Number("12 / 3 / 2"), 2);
	EXPECT_EQ(Number("2 * 3 / 4"), 1.5);
	EXPECT_EQ(Number("- - 4"), 4);
}

TEST(ExpressionEval, IntegerAndFloatColumns) {
	Row row;
	row.Set(0, Value::Int(7)).Set(1, Value::Float(0.25)).Set(6, Value::Int(2));
	// Integer columns divide as numbers, not as SQL's integers.
	EXPECT_EQ(Number("amount / seats", row), 3.5);
	EXPECT_EQ(Number("amount * ratio", row), 1.75);
	EXPECT_EQ(Number("amount + ratio - seats", row), 5.25);
	EXPECT_EQ(Number("coalesce(seats, 1) * 2.5", row), 5);
	EXPECT_EQ(Number("-abs(ratio - 1)", row), -0.75);
}

TEST(ExpressionEval, LeastOfAmount) {
	for (auto [amount, points] : std::vector<std::pair<std::int64_t, double>>{
	         {0, 0}, {999, 0.999}, {1500, 1.5}, {50000, 50}, {50001, 50}, {10000000, 50}, {-2000, -2}}) {
		Row row;
		row.Set(0, Value::Int(amount));
		EXPECT_EQ(Number("least(amount / 1000, 50)", row), points) << amount;
	}
	EXPECT_EQ(Status("least(amount / 1000, 50)"), ExpressionStatus::Finite);  // NULL amount: least ignores it
	EXPECT_EQ(Number("least(amount / 1000, 50)"), 50);
}

TEST(ExpressionEval, NullRules) {
	// Any NULL operand of + - * / and abs gives NULL.
	EXPECT_EQ(Status("amount + 1"), kNull);
	EXPECT_EQ(Status("1 - amount"), kNull);
	EXPECT_EQ(Status("amount * 0"), kNull);
	EXPECT_EQ(Status("amount / 2"), kNull);
	EXPECT_EQ(Status("NULL / 0"), kNull);  // a strict operator is not called on NULL
	EXPECT_EQ(Status("-amount"), kNull);
	EXPECT_EQ(Status("abs(amount)"), kNull);
	EXPECT_EQ(Status("NULL"), kNull);
	// least and greatest skip NULLs, NULL only if all are.
	EXPECT_EQ(Number("least(NULL, 3, amount, 2)"), 2);
	EXPECT_EQ(Number("greatest(amount, -1, NULL, -5)"), -1);
	EXPECT_EQ(Status("least(NULL, amount)"), kNull);
	EXPECT_EQ(Status("greatest(amount)"), kNull);
	// coalesce: the first non-NULL, NULL if none.
	EXPECT_EQ(Number("coalesce(amount, ratio, 4, 5)"), 4);
	EXPECT_EQ(Number("coalesce(amount, ratio, 4, 5)", Row().Set(1, Value::Float(0.5))), 0.5);
	EXPECT_EQ(Status("coalesce(amount, NULL)"), kNull);
	// A row shorter than the schema reads NULL past its end, and no row at all too.
	const Value one = Value::Int(1);
	auto e = CompiledExpression::Compile(*ParseExpression("coalesce(seats, -1)"), TestSchema());
	EXPECT_EQ(e.Evaluate(&one, 1).value, -1);
	EXPECT_EQ(e.Evaluate(nullptr, 0).value, -1);
}

TEST(ExpressionEval, DivisionByZero) {
	EXPECT_EQ(Status("1 / 0"), kDivZero);
	EXPECT_EQ(Status("1 / 0.0"), kDivZero);
	EXPECT_EQ(Status("1 / -0.0"), kDivZero);
	EXPECT_EQ(Status("amount / seats", Row().Set(0, Value::Int(5)).Set(6, Value::Int(0))), kDivZero);
	// Like an SQL error, nothing rescues it...
	EXPECT_EQ(Status("coalesce(1 / 0, 1)"), kDivZero);
	EXPECT_EQ(Status("least(1 / 0, NULL, 1)"), kDivZero);
	EXPECT_EQ(Status("amount + 1 / 0"), kDivZero);
	// ...but coalesce stops at its first non-NULL argument, as SQL's does.
	EXPECT_EQ(Number("coalesce(1, 1 / 0)"), 1);
	EXPECT_EQ(Number("0 / 5"), 0);
}

TEST(ExpressionEval, NonFinite) {
	const double inf = std::numeric_limits<double>::infinity();
	// Overflow of an intermediate, even when a later step would bring it back.
	EXPECT_EQ(Status("1e308 * 10"), kNonFinite);
	EXPECT_EQ(Status("1e308 + 1e308 - 1e308"), kNonFinite);
	EXPECT_EQ(Status("least(1e308 * 10, 5)"), kNonFinite);
	EXPECT_EQ(Status("1e-300 / 1e300 * 0"), ExpressionStatus::Finite);  // underflow is zero, not an error
	EXPECT_EQ(Status("1 / 1e-300"), ExpressionStatus::Finite);
	EXPECT_EQ(Status("1 / 1e-310"), kNonFinite);
	// A column holding NaN or infinity.
	EXPECT_EQ(Status("ratio", Row().Set(1, Value::Float(std::nan("")))), kNonFinite);
	EXPECT_EQ(Status("least(ratio, 1)", Row().Set(1, Value::Float(inf))), kNonFinite);
	EXPECT_EQ(Status("coalesce(ratio, 1)", Row().Set(1, Value::Float(-inf))), kNonFinite);
	EXPECT_EQ(Status("attr * 0", Row().Set(2, Value::Float(inf))), kNonFinite);
	// A non-finite result carries no value.
	EXPECT_EQ(Eval("1e308 * 10").value, 0);
}

TEST(ExpressionEval, LargeIntegers) {
	Row row;
	row.Set(0, Value::Int(std::numeric_limits<std::int64_t>::max()));
	EXPECT_EQ(Number("amount * 2", row), 2 * 9223372036854775808.0);
	EXPECT_EQ(Number("-9223372036854775808 - 1"), -9223372036854775808.0);
}

TEST(ExpressionEval, AnyColumns) {
	// A jsonb value is a number when it is one, else NULL, row by row.
	EXPECT_EQ(Number("attr * 2", Row().Set(2, Value::Int(21))), 42);
	EXPECT_EQ(Number("attr * 2", Row().Set(2, Value::Float(0.25))), 0.5);
	EXPECT_EQ(Status("attr * 2", Row().Set(2, Value::Text("21"))), kNull);
	EXPECT_EQ(Status("attr * 2", Row().Set(2, Value::Bool(true))), kNull);
	EXPECT_EQ(Status("attr * 2", Row().Set(2, Value::Timestamp(0))), kNull);
	EXPECT_EQ(Number("coalesce(attr, 3)", Row().Set(2, Value::Text("x"))), 3);
	EXPECT_EQ(Number("greatest(attr, 1)", Row().Set(2, Value::Text("x"))), 1);
	// An Any schema, as JsonSchema builds, takes whatever the expression names.
	auto e = CompiledExpression::Compile(*ParseExpression("least(\"deal.amount\", 10)"),
	                                     Schema{{"deal.amount", ValueType::Any}});
	const Value v = Value::Int(4);
	EXPECT_EQ(e.Evaluate(&v, 1).value, 4);
}

TEST(ExpressionEval, MovedExpressionStillEvaluates) {
	auto e = CompiledExpression::Compile(*ParseExpression("amount * 2"), TestSchema());
	CompiledExpression moved = std::move(e);
	Row row;
	row.Set(0, Value::Int(3));
	EXPECT_EQ(moved.Evaluate(row.values.data(), row.values.size()).value, 6);
}

TEST(ExpressionEval, DeepestAllowedTree) {
	// Evaluation recurses once per level: the default limit is safe.
	std::string text = "x";
	for (int k = 0; k < 199; k++)
		text = "abs(" + text + ")";
	auto e = CompiledExpression::Compile(*ParseExpression(text), Schema{{"x", ValueType::Int}});
	const Value v = Value::Int(-3);
	EXPECT_EQ(e.Evaluate(&v, 1).value, 3);
	std::string chain = "1";
	for (int k = 0; k < 199; k++)
		chain += " + 1";
	EXPECT_EQ(Number(chain), 200);
}
