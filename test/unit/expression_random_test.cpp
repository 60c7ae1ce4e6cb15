// Random expressions against an independent reference: the generator
// writes each one fully parenthesized and computes its value as it goes;
// the compiled expression must agree, and so must the compiled normalized
// text, whose parentheses only precedence keeps (which checks the printer
// and the parser's precedence against each other).
#include "core/condition/expression.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace leadscore::core;

namespace {

const Schema &RandomSchema() {
	static const Schema schema = {{"i", ValueType::Int}, {"f", ValueType::Float}, {"a", ValueType::Any}};
	return schema;
}

using Row = std::vector<Value>;
using Reference = std::function<ExpressionResult(const Row &)>;

struct Generated {
	std::string text;
	Reference eval;
};

bool IsError(const ExpressionResult &r) {
	return r.status == ExpressionStatus::DivisionByZero || r.status == ExpressionStatus::NonFinite;
}

ExpressionResult Checked(double v) {
	if (std::isnan(v) || std::isinf(v))
		return {ExpressionStatus::NonFinite, 0};
	return {ExpressionStatus::Finite, v};
}

class Generator {
public:
	explicit Generator(unsigned seed) : rng_(seed) {
	}

	Generated Expression(int depth) {
		const int choice = depth <= 0 ? Pick(3) : Pick(10);
		switch (choice) {
		case 0:
			return Number();
		case 1:
			return Column();
		case 2:
			return Pick(4) == 0 ? Generated{"NULL", [](const Row &) { return ExpressionResult{}; }} : Number();
		case 3:
		case 4:
		case 5:
			return Binary(depth);
		case 6:
			return Negate(depth);
		case 7:
			return Abs(depth);
		case 8:
			return Extreme(depth);
		default:
			return Coalesce(depth);
		}
	}

private:
	int Pick(int n) {
		return std::uniform_int_distribution<int>(0, n - 1)(rng_);
	}

	Generated Number() {
		static const char *const kNumbers[] = {"0", "1", "2", "3", "7", "1000", "0.5", "2.5", "1e308", "1e-300", "0.0"};
		const std::string text = kNumbers[Pick(11)];
		const double v = std::stod(text);
		return {text, [v](const Row &) { return ExpressionResult{ExpressionStatus::Finite, v}; }};
	}

	Generated Column() {
		const std::size_t k = static_cast<std::size_t>(Pick(3));
		return {RandomSchema()[k].name, [k](const Row &row) {
			        const Value &v = row[k];
			        if (v.type == ValueType::Int)
				        return Checked(static_cast<double>(v.i));
			        if (v.type == ValueType::Float)
				        return Checked(v.f);
			        return ExpressionResult{};
		        }};
	}

	Generated Binary(int depth) {
		static const char kOps[] = "+-*/";
		const char op = kOps[Pick(4)];
		Generated l = Expression(depth - 1), r = Expression(depth - 1);
		Reference le = l.eval, re = r.eval;
		return {"(" + l.text + " " + op + " " + r.text + ")", [=](const Row &row) {
			        const ExpressionResult x = le(row);
			        if (IsError(x))
				        return x;
			        const ExpressionResult y = re(row);
			        if (IsError(y))
				        return y;
			        if (x.status == ExpressionStatus::Null || y.status == ExpressionStatus::Null)
				        return ExpressionResult{};
			        if (op == '/' && y.value == 0)
				        return ExpressionResult{ExpressionStatus::DivisionByZero, 0};
			        return Checked(op == '+'   ? x.value + y.value
			                       : op == '-' ? x.value - y.value
			                       : op == '*' ? x.value * y.value
			                                   : x.value / y.value);
		        }};
	}

	Generated Negate(int depth) {
		Generated x = Expression(depth - 1);
		Reference e = x.eval;
		return {"(-" + x.text + ")", [=](const Row &row) {
			        ExpressionResult r = e(row);
			        if (r.status == ExpressionStatus::Finite)
				        r.value = -r.value;
			        return r;
		        }};
	}

	Generated Abs(int depth) {
		Generated x = Expression(depth - 1);
		Reference e = x.eval;
		return {"ABS(" + x.text + ")", [=](const Row &row) {
			        ExpressionResult r = e(row);
			        if (r.status == ExpressionStatus::Finite)
				        r.value = std::fabs(r.value);
			        return r;
		        }};
	}

	std::vector<Generated> Arguments(int depth) {
		std::vector<Generated> args;
		const int n = 1 + Pick(3);
		for (int k = 0; k < n; k++)
			args.push_back(Expression(depth - 1));
		return args;
	}

	static std::string Call(const char *name, const std::vector<Generated> &args) {
		std::string text = std::string(name) + "(";
		for (std::size_t k = 0; k < args.size(); k++)
			text += (k > 0 ? ", " : "") + args[k].text;
		return text + ")";
	}

	Generated Extreme(int depth) {
		const bool least = Pick(2) == 0;
		std::vector<Generated> args = Arguments(depth);
		std::vector<Reference> refs;
		for (const Generated &g : args)
			refs.push_back(g.eval);
		return {Call(least ? "least" : "Greatest", args), [=](const Row &row) {
			        ExpressionResult best{};
			        for (const Reference &ref : refs) {
				        const ExpressionResult x = ref(row);
				        if (IsError(x))
					        return x;
				        if (x.status == ExpressionStatus::Null)
					        continue;
				        if (best.status == ExpressionStatus::Null ||
				            (least ? x.value < best.value : x.value > best.value))
					        best = x;
			        }
			        return best;
		        }};
	}

	Generated Coalesce(int depth) {
		std::vector<Generated> args = Arguments(depth);
		std::vector<Reference> refs;
		for (const Generated &g : args)
			refs.push_back(g.eval);
		return {Call("COALESCE", args), [=](const Row &row) {
			        for (const Reference &ref : refs) {
				        const ExpressionResult x = ref(row);
				        if (x.status != ExpressionStatus::Null)
					        return x;
			        }
			        return ExpressionResult{};
		        }};
	}

	std::mt19937 rng_;
};

std::vector<Row> Rows() {
	const double inf = std::numeric_limits<double>::infinity();
	return {
	    {Value::Null(), Value::Null(), Value::Null()},
	    {Value::Int(3), Value::Float(0.5), Value::Int(-2)},
	    {Value::Int(0), Value::Float(-0.0), Value::Float(1e308)},
	    {Value::Int(-7), Value::Float(inf), Value::Text("12")},
	    {Value::Int(INT64_MAX), Value::Float(std::nan("")), Value::Bool(true)},
	};
}

void ExpectSame(const ExpressionResult &got, const ExpressionResult &want, const std::string &what) {
	EXPECT_EQ(got.status, want.status) << what;
	if (got.finite() && want.finite()) {
		EXPECT_EQ(got.value, want.value) << what;
	}
}

} // namespace

TEST(ExpressionRandom, AgreesWithReferenceAndNormalForm) {
	Generator gen(20261206);
	const std::vector<Row> rows = Rows();
	for (int n = 0; n < 3000; n++) {
		const Generated g = gen.Expression(5);
		const auto node = ParseExpression(g.text);
		const std::string normal = Normalize(*node);
		const auto renode = ParseExpression(normal);
		ASSERT_EQ(Normalize(*renode), normal) << g.text;
		const auto compiled = CompiledExpression::Compile(*node, RandomSchema());
		const auto recompiled = CompiledExpression::Compile(*renode, RandomSchema());
		for (std::size_t r = 0; r < rows.size(); r++) {
			const ExpressionResult want = g.eval(rows[r]);
			ExpectSame(compiled.Evaluate(rows[r].data(), rows[r].size()), want, g.text + " row " + std::to_string(r));
			ExpectSame(recompiled.Evaluate(rows[r].data(), rows[r].size()), want, normal + " row " + std::to_string(r));
		}
		if (HasFailure())
			return;
	}
}
