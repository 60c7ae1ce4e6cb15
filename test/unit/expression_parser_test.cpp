// ParseExpression: the tree each construct gives, every error with its
// position, the limits, and Normalize's round trip over expressions.
#include "core/condition/expression.hpp"
#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace leadscore::core;

namespace {

struct Failure {
	ErrorKind kind;
	std::string message;
	std::string detail;
};

Failure ParseFailure(std::string_view text, const ConditionLimits &limits = {}) {
	try {
		ParseExpression(text, limits);
	} catch (const Error &e) {
		return {e.kind(), e.what(), e.detail()};
	}
	ADD_FAILURE() << "parsed without error: " << text;
	return {ErrorKind::Internal, "", ""};
}

std::string SyntaxError(std::string_view text) {
	Failure f = ParseFailure(text);
	EXPECT_EQ(f.kind, ErrorKind::Syntax) << f.message;
	return f.message;
}

std::string Norm(std::string_view text) {
	return Normalize(*ParseExpression(text));
}

const Node &Child(const Node &n, std::size_t k) {
	return *n.children.at(k);
}

} // namespace

TEST(ExpressionParser, PrecedenceAndAssociativity) {
	// 1 + 2 * 3: the product binds tighter.
	auto n = ParseExpression("1 + 2 * 3");
	ASSERT_EQ(n->kind, NodeKind::Arith);
	EXPECT_EQ(n->arith, ArithOp::Add);
	EXPECT_EQ(n->position, 3u);
	EXPECT_EQ(Child(*n, 0).literal.i, 1);
	EXPECT_EQ(Child(*n, 1).kind, NodeKind::Arith);
	EXPECT_EQ(Child(*n, 1).arith, ArithOp::Mul);
	EXPECT_EQ(Child(*n, 1).position, 7u);

	// a - b - c is (a - b) - c.
	n = ParseExpression("a - b - c");
	EXPECT_EQ(n->arith, ArithOp::Sub);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Arith);
	EXPECT_EQ(Child(*n, 1).name, "c");

	// a / b * c is (a / b) * c.
	n = ParseExpression("a / b * c");
	EXPECT_EQ(n->arith, ArithOp::Mul);
	EXPECT_EQ(Child(*n, 0).arith, ArithOp::Div);
}

TEST(ExpressionParser, UnaryMinus) {
	// Before a number the minus is part of the literal.
	auto n = ParseExpression("-2 * 3");
	ASSERT_EQ(n->kind, NodeKind::Arith);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Literal);
	EXPECT_EQ(Child(*n, 0).literal.i, -2);
	EXPECT_EQ(Child(*n, 0).position, 1u);

	n = ParseExpression("-9223372036854775808");
	EXPECT_EQ(n->literal.kind, LiteralKind::Int);
	EXPECT_EQ(n->literal.i, INT64_MIN);

	n = ParseExpression("-abs(discount)");
	ASSERT_EQ(n->kind, NodeKind::Negate);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Call);
	EXPECT_EQ(Child(*n, 0).function, Function::Abs);
	EXPECT_EQ(Child(*n, 0).position, 2u);

	n = ParseExpression("- - x");
	ASSERT_EQ(n->kind, NodeKind::Negate);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Negate);
	EXPECT_EQ(Child(Child(*n, 0), 0).name, "x");

	// Unary minus binds tighter than '*': -a * b is (-a) * b.
	n = ParseExpression("-a * b");
	EXPECT_EQ(n->kind, NodeKind::Arith);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Negate);
}

TEST(ExpressionParser, Functions) {
	auto n = ParseExpression("LEAST(amount / 1000, 50)");
	ASSERT_EQ(n->kind, NodeKind::Call);
	EXPECT_EQ(n->function, Function::Least);
	ASSERT_EQ(n->children.size(), 2u);
	EXPECT_EQ(Child(*n, 0).arith, ArithOp::Div);
	EXPECT_EQ(Child(*n, 1).literal.i, 50);

	n = ParseExpression("Coalesce(seats, NULL, 1)");
	EXPECT_EQ(n->function, Function::Coalesce);
	ASSERT_EQ(n->children.size(), 3u);
	EXPECT_EQ(Child(*n, 1).literal.kind, LiteralKind::Null);

	EXPECT_EQ(ParseExpression("greatest(x)")->function, Function::Greatest);
	EXPECT_EQ(ParseExpression("abs(x)")->function, Function::Abs);

	// A function's name without '(' is a column.
	n = ParseExpression("least + 1");
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Column);
	EXPECT_EQ(Child(*n, 0).name, "least");
}

TEST(ExpressionParser, SyntaxErrors) {
	EXPECT_EQ(SyntaxError(""), "syntax error at position 1: expected an expression");
	EXPECT_EQ(SyntaxError("   "), "syntax error at position 1: expected an expression");
	EXPECT_EQ(SyntaxError("1 +"), "syntax error at position 4: expected an operand");
	EXPECT_EQ(SyntaxError("1 2"), "syntax error at position 3: expected an arithmetic operator or end of expression");
	EXPECT_EQ(SyntaxError("(1 + 2"), "syntax error at position 7: expected ')'");
	EXPECT_EQ(SyntaxError("1 + 2)"), "syntax error at position 6: unexpected ')'");
	EXPECT_EQ(SyntaxError("'10' * 2"), "syntax error at position 1: expected a number, not a string");
	EXPECT_EQ(SyntaxError("2 * true"), "syntax error at position 5: expected a number, not a boolean");
	EXPECT_EQ(SyntaxError("amount > 5"),
	          "syntax error at position 8: expected an arithmetic operator or end of expression");
	EXPECT_EQ(SyntaxError("a AND b"), "syntax error at position 3: expected an arithmetic operator or end of expression");
	EXPECT_EQ(SyntaxError("NOT a"), "syntax error at position 1: expected an operand");
	EXPECT_EQ(SyntaxError("sqrt(x)"),
	          "syntax error at position 1: unknown function \"sqrt\"; expected least, greatest, abs or coalesce");
	EXPECT_EQ(SyntaxError("least()"), "syntax error at position 7: expected an operand");
	EXPECT_EQ(SyntaxError("least(1 2)"), "syntax error at position 9: expected ',' or ')'");
	EXPECT_EQ(SyntaxError("abs(1, 2)"), "syntax error at position 6: expected ')': abs takes one argument");
	EXPECT_EQ(SyntaxError("1 ^ 2"), "syntax error at position 3: unexpected '^'");
	EXPECT_EQ(SyntaxError("é * ‘x’"), "syntax error at position 5: unexpected '‘'");
	EXPECT_EQ(SyntaxError("10days"), "syntax error at position 1: invalid number '10days'");
	EXPECT_EQ(SyntaxError("1 +\xff"), "syntax error at position 4: invalid UTF-8 byte sequence");
}

TEST(ExpressionParser, NumberOutOfRange) {
	Failure f = ParseFailure("x * 1e999");
	EXPECT_EQ(f.kind, ErrorKind::OutOfRange);
	EXPECT_EQ(f.message, "number out of range at position 5: 1e999");
	f = ParseFailure("-1e999");
	EXPECT_EQ(f.kind, ErrorKind::OutOfRange);
	EXPECT_EQ(f.message, "number out of range at position 1: -1e999");
	// Integers past int64 become floats, as in conditions.
	EXPECT_EQ(ParseExpression("99999999999999999999")->literal.kind, LiteralKind::Float);
}

TEST(ExpressionParser, ConditionsStillRejectArithmetic) {
	// The lexer makes + * / tokens only for expressions.
	for (const char *text : {"a + 1 > 2", "a * 2 > 1", "a / 2 > 1"}) {
		try {
			ParseCondition(text);
			ADD_FAILURE() << text;
		} catch (const Error &e) {
			EXPECT_EQ(e.kind(), ErrorKind::Syntax);
			EXPECT_EQ(std::string(e.what()), std::string("syntax error at position 3: unexpected '") + text[2] + "'");
		}
	}
}

TEST(ExpressionParser, DepthLimit) {
	ConditionLimits limits;
	limits.max_depth = 10;
	EXPECT_NO_THROW(ParseExpression(std::string(9, '(') + "1" + std::string(9, ')'), limits));
	Failure f = ParseFailure(std::string(11, '(') + "1" + std::string(11, ')'), limits);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "expression nests too deeply");
	EXPECT_EQ(f.detail, "Operators, parentheses and function calls may nest at most 10 levels deep; "
	                    "position 11 is deeper.");
	EXPECT_EQ(ParseFailure(std::string(11, '-') + "x", limits).kind, ErrorKind::TooComplex);
	std::string calls = "1";
	for (int k = 0; k < 11; k++)
		calls = "abs(" + calls + ")";
	EXPECT_EQ(ParseFailure(calls, limits).kind, ErrorKind::TooComplex);

	// A long flat chain builds a deep tree without recursing: its height
	// counts too.
	std::string chain = "1";
	for (int k = 0; k < 10; k++)
		chain += " + 1";
	EXPECT_EQ(ParseFailure(chain, limits).kind, ErrorKind::TooComplex);

	// The default limit holds against a hundred thousand parentheses.
	EXPECT_EQ(ParseFailure(std::string(100000, '(') + "1", ConditionLimits{1 << 20}).kind, ErrorKind::TooComplex);
}

TEST(ExpressionParser, LengthAndNodeLimits) {
	ConditionLimits limits;
	limits.max_length = 16;
	Failure f = ParseFailure("amount / 1000 + 17", limits);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "expression is too long");
	EXPECT_EQ(f.detail, "The expression has 18 bytes; the limit is 16.");

	limits = ConditionLimits{};
	limits.max_nodes = 5;
	EXPECT_NO_THROW(ParseExpression("least(a, b, c, d)", limits));
	f = ParseFailure("least(a, b, c, d, e)", limits);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "expression is too complex");
}

TEST(ExpressionNormalize, CanonicalText) {
	EXPECT_EQ(Norm("least( Amount/1000 ,50 )"), "least(amount / 1000, 50)");
	EXPECT_EQ(Norm("COALESCE(seats, 1) * 2.5"), "coalesce(seats, 1) * 2.5");
	EXPECT_EQ(Norm("-ABS(discount)"), "-abs(discount)");
	EXPECT_EQ(Norm("((1 + 2)) * 3"), "(1 + 2) * 3");
	EXPECT_EQ(Norm("1 + (2 * 3)"), "1 + 2 * 3");
	EXPECT_EQ(Norm("(1 + 2) + 3"), "1 + 2 + 3");
	EXPECT_EQ(Norm("1 + (2 + 3)"), "1 + (2 + 3)");
	EXPECT_EQ(Norm("a - (b - c)"), "a - (b - c)");
	EXPECT_EQ(Norm("a / (b * c)"), "a / (b * c)");
	EXPECT_EQ(Norm("(a * b) / c"), "a * b / c");
	EXPECT_EQ(Norm("-(a + b)"), "-(a + b)");
	EXPECT_EQ(Norm("- - a"), "- -a");
	// Parentheses there would nest the text deeper than the tree: the
	// deepest run of minuses the limit takes still parses normalized.
	ConditionLimits thirty;
	thirty.max_depth = 30;
	std::string text = "a";
	while (true) {
		try {
			ParseExpression("- " + text, thirty);
		} catch (const Error &) {
			break;
		}
		text = "- " + text;
	}
	EXPECT_GT(text.size(), 40u);
	EXPECT_NO_THROW(ParseExpression(Normalize(*ParseExpression(text, thirty)), thirty));
	EXPECT_EQ(Norm("-(-2)"), "-(-2)");
	EXPECT_EQ(Norm("-(0)"), "-(0)");
	EXPECT_EQ(Norm("-(NULL)"), "-(NULL)");
	EXPECT_EQ(Norm("-0"), "0");
	EXPECT_EQ(Norm("1 - -2"), "1 - -2");
	EXPECT_EQ(Norm("100.0 + 1e3 + null"), "100.0 + 1000.0 + NULL");
	EXPECT_EQ(Norm("\"Deal Size\" * 2"), "\"Deal Size\" * 2");
	EXPECT_EQ(Norm("\"and\" + \"least\""), "\"and\" + least");
}

TEST(ExpressionNormalize, RoundTrip) {
	for (const char *text :
	     {"least(amount / 1000, 50)", "coalesce(seats, 1) * 2.5", "-abs(discount)", "1 + 2 * 3", "-2 * 3",
	      "(1 + 2) * 3", "a - (b - c) - (d + e)", "-(-(-x))", "- -2.5", "-0.0 * x", "greatest(a, -b, -(c * d))",
	      "least(1, greatest(2, coalesce(NULL, abs(-3))))", "x / -(y)", "-9223372036854775808 - 1",
	      "99999999999999999999 / 3", "1e-300 * \"Weird \"\"Col\"\"\""}) {
		const std::string once = Norm(text);
		EXPECT_EQ(Norm(once), once) << text;
	}
}

TEST(ExpressionNormalize, ColumnNames) {
	auto n = ParseExpression("least(amount / seats, coalesce(bonus, amount), 5)");
	EXPECT_EQ(ColumnNames(*n), (std::vector<std::string>{"amount", "bonus", "seats"}));
	EXPECT_TRUE(ColumnNames(*ParseExpression("1 + 2")).empty());
}
