// ParseCondition: the tree each construct gives, and every error message
// with its exact text and position.
#include "core/condition/condition.hpp"
#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace leadscore::core;

namespace {

struct Failure {
	ErrorKind kind;
	std::string message;
	std::string detail;
	std::string hint;
};

Failure ParseFailure(std::string_view text, const ConditionLimits &limits = {}) {
	try {
		ParseCondition(text, limits);
	} catch (const Error &e) {
		return {e.kind(), e.what(), e.detail(), e.hint()};
	}
	ADD_FAILURE() << "parsed without error: " << text;
	return {ErrorKind::Internal, "", "", ""};
}

std::string SyntaxError(std::string_view text) {
	Failure f = ParseFailure(text);
	EXPECT_EQ(f.kind, ErrorKind::Syntax) << f.message;
	return f.message;
}

const Node &Child(const Node &n, std::size_t k) {
	return *n.children.at(k);
}

} // namespace

TEST(ConditionParser, Comparison) {
	auto n = ParseCondition("duration_s >= 30");
	EXPECT_EQ(n->kind, NodeKind::Compare);
	EXPECT_EQ(n->op, CompareOp::Ge);
	EXPECT_EQ(n->position, 12u);
	ASSERT_EQ(n->children.size(), 2u);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Column);
	EXPECT_EQ(Child(*n, 0).name, "duration_s");
	EXPECT_EQ(Child(*n, 0).position, 1u);
	EXPECT_EQ(Child(*n, 1).kind, NodeKind::Literal);
	EXPECT_EQ(Child(*n, 1).literal.kind, LiteralKind::Int);
	EXPECT_EQ(Child(*n, 1).literal.i, 30);
	EXPECT_EQ(Child(*n, 1).position, 15u);
}

TEST(ConditionParser, AllComparisonOperators) {
	const std::pair<const char *, CompareOp> cases[] = {
	    {"a = 1", CompareOp::Eq}, {"a <> 1", CompareOp::Ne}, {"a != 1", CompareOp::Ne}, {"a < 1", CompareOp::Lt},
	    {"a <= 1", CompareOp::Le}, {"a > 1", CompareOp::Gt}, {"a >= 1", CompareOp::Ge},
	};
	for (const auto &[text, op] : cases) {
		auto n = ParseCondition(text);
		EXPECT_EQ(n->kind, NodeKind::Compare) << text;
		EXPECT_EQ(n->op, op) << text;
	}
}

TEST(ConditionParser, Literals) {
	auto lit = [](const std::string &text) { return Child(*ParseCondition("a = " + text), 1).literal; };
	EXPECT_EQ(lit("'x'").kind, LiteralKind::String);
	EXPECT_EQ(lit("'it''s'").s, "it's");
	EXPECT_EQ(lit("TRUE").kind, LiteralKind::Bool);
	EXPECT_TRUE(lit("true").b);
	EXPECT_FALSE(lit("False").b);
	EXPECT_EQ(lit("null").kind, LiteralKind::Null);
	EXPECT_EQ(lit("-5").i, -5);
	EXPECT_EQ(lit("- 5").i, -5);
	EXPECT_EQ(lit("1.5").kind, LiteralKind::Float);
	EXPECT_DOUBLE_EQ(lit("1.5").f, 1.5);
	EXPECT_DOUBLE_EQ(lit(".5").f, 0.5);
	EXPECT_DOUBLE_EQ(lit("50e6").f, 50e6);
	EXPECT_DOUBLE_EQ(lit("-2.5e-3").f, -2.5e-3);
	EXPECT_EQ(lit("9223372036854775807").i, std::numeric_limits<std::int64_t>::max());
	EXPECT_EQ(lit("-9223372036854775808").kind, LiteralKind::Int);
	EXPECT_EQ(lit("-9223372036854775808").i, std::numeric_limits<std::int64_t>::min());
	// Past int64: a float, as PostgreSQL reads it as numeric.
	EXPECT_EQ(lit("9223372036854775808").kind, LiteralKind::Float);
	EXPECT_DOUBLE_EQ(lit("9223372036854775808").f, 9223372036854775808.0);
	EXPECT_EQ(lit("-9223372036854775809").kind, LiteralKind::Float);
	EXPECT_EQ(lit("000000000000000000000000042").i, 42);
}

TEST(ConditionParser, NumberOutOfRange) {
	Failure f = ParseFailure("a = 1e400");
	EXPECT_EQ(f.kind, ErrorKind::OutOfRange);
	EXPECT_EQ(f.message, "number out of range at position 5: 1e400");
	EXPECT_EQ(ParseFailure("a = -1e-400").message, "number out of range at position 5: -1e-400");
	EXPECT_EQ(ParseFailure("a = " + std::string(400, '9')).kind, ErrorKind::OutOfRange);
}

TEST(ConditionParser, PrecedenceOrAndNot) {
	// a OR b AND NOT c  ==  a OR (b AND (NOT c))
	auto n = ParseCondition("a OR b AND NOT c");
	ASSERT_EQ(n->kind, NodeKind::Or);
	ASSERT_EQ(n->children.size(), 2u);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Column);
	const Node &and_node = Child(*n, 1);
	ASSERT_EQ(and_node.kind, NodeKind::And);
	EXPECT_EQ(Child(and_node, 1).kind, NodeKind::Not);
	EXPECT_EQ(Child(Child(and_node, 1), 0).name, "c");
}

TEST(ConditionParser, ChainsAreFlat) {
	auto n = ParseCondition("a AND b AND c AND d");
	EXPECT_EQ(n->kind, NodeKind::And);
	EXPECT_EQ(n->children.size(), 4u);
	auto o = ParseCondition("a OR b OR c");
	EXPECT_EQ(o->children.size(), 3u);
}

TEST(ConditionParser, NotBindsLooserThanPredicates) {
	auto n = ParseCondition("NOT a = 1");
	ASSERT_EQ(n->kind, NodeKind::Not);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Compare);
	auto nn = ParseCondition("NOT NOT a");
	EXPECT_EQ(Child(*nn, 0).kind, NodeKind::Not);
}

TEST(ConditionParser, Parentheses) {
	auto n = ParseCondition("(a OR b) AND c");
	ASSERT_EQ(n->kind, NodeKind::And);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Or);
	auto m = ParseCondition("((((a))))");
	EXPECT_EQ(m->kind, NodeKind::Column);
}

TEST(ConditionParser, In) {
	auto n = ParseCondition("country IN ('XX', 'YY', NULL, -1, 2.5, TRUE)");
	ASSERT_EQ(n->kind, NodeKind::In);
	EXPECT_FALSE(n->negated);
	ASSERT_EQ(n->children.size(), 7u);
	EXPECT_EQ(Child(*n, 1).literal.s, "XX");
	EXPECT_EQ(Child(*n, 3).literal.kind, LiteralKind::Null);
	EXPECT_EQ(Child(*n, 4).literal.i, -1);
	auto m = ParseCondition("country not in ('XX')");
	EXPECT_TRUE(m->negated);
	EXPECT_EQ(m->position, 9u);  // the NOT
}

TEST(ConditionParser, Like) {
	auto n = ParseCondition("url LIKE '/pricing%'");
	ASSERT_EQ(n->kind, NodeKind::Like);
	EXPECT_FALSE(n->negated);
	EXPECT_FALSE(n->case_insensitive);
	EXPECT_EQ(n->escape, "\\");
	EXPECT_EQ(Child(*n, 1).literal.s, "/pricing%");
	auto m = ParseCondition("email NOT ILIKE '%!_x' ESCAPE '!'");
	EXPECT_TRUE(m->negated);
	EXPECT_TRUE(m->case_insensitive);
	EXPECT_EQ(m->escape, "!");
	EXPECT_EQ(ParseCondition("a LIKE 'x' ESCAPE ''")->escape, "");
	EXPECT_EQ(ParseCondition("a LIKE 'x' ESCAPE '§'")->escape, "§");
}

TEST(ConditionParser, Regex) {
	const struct {
		const char *text;
		bool negated, ci;
	} cases[] = {{"a ~ 'x'", false, false}, {"a ~* 'x'", false, true}, {"a !~ 'x'", true, false},
	             {"a !~* 'x'", true, true}};
	for (const auto &c : cases) {
		auto n = ParseCondition(c.text);
		EXPECT_EQ(n->kind, NodeKind::Regex) << c.text;
		EXPECT_EQ(n->negated, c.negated) << c.text;
		EXPECT_EQ(n->case_insensitive, c.ci) << c.text;
	}
}

TEST(ConditionParser, IsNull) {
	auto n = ParseCondition("title IS NULL");
	EXPECT_EQ(n->kind, NodeKind::IsNull);
	EXPECT_FALSE(n->negated);
	EXPECT_TRUE(ParseCondition("title is not null")->negated);
}

TEST(ConditionParser, BarePredicates) {
	auto n = ParseCondition("is_customer AND NOT opted_out");
	ASSERT_EQ(n->kind, NodeKind::And);
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Column);
	EXPECT_EQ(ParseCondition("TRUE")->literal.kind, LiteralKind::Bool);
	EXPECT_EQ(ParseCondition("NULL")->literal.kind, LiteralKind::Null);
	EXPECT_EQ(ParseCondition("\"Is Customer\"")->name, "Is Customer");
}

TEST(ConditionParser, LiteralsOnTheLeft) {
	auto n = ParseCondition("30 <= duration_s");
	EXPECT_EQ(Child(*n, 0).kind, NodeKind::Literal);
	EXPECT_EQ(ParseCondition("'x' LIKE 'x%'")->kind, NodeKind::Like);
	EXPECT_EQ(ParseCondition("1 IN (1, 2)")->kind, NodeKind::In);
}

TEST(ConditionParser, DesignExamples) {
	for (const char *text : {"url LIKE '/pricing%' AND duration_s >= 30",
	                         "job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))",
	                         "employees >= 200 OR annual_revenue > 50e6",
	                         "email ILIKE '%@competitor.com' OR title IS NULL"})
		EXPECT_NO_THROW(ParseCondition(text)) << text;
}

TEST(ConditionParser, SyntaxErrors) {
	EXPECT_EQ(SyntaxError(""), "syntax error at position 1: expected a condition");
	EXPECT_EQ(SyntaxError("   \n "), "syntax error at position 1: expected a condition");
	EXPECT_EQ(SyntaxError("(url = 'x' AND y"), "syntax error at position 17: expected ')'");
	EXPECT_EQ(SyntaxError("(a = 1"), "syntax error at position 7: expected ')'");
	EXPECT_EQ(SyntaxError("a = 1)"), "syntax error at position 6: unexpected ')'");
	EXPECT_EQ(SyntaxError("a = 1 b = 2"), "syntax error at position 7: expected end of condition");
	EXPECT_EQ(SyntaxError("a ="), "syntax error at position 4: expected an operand");
	EXPECT_EQ(SyntaxError("a = )"), "syntax error at position 5: expected an operand");
	EXPECT_EQ(SyntaxError("a AND"), "syntax error at position 6: expected an operand");
	EXPECT_EQ(SyntaxError("AND b"), "syntax error at position 1: expected an operand");
	EXPECT_EQ(SyntaxError("a == 1"), "syntax error at position 4: expected an operand");
	EXPECT_EQ(SyntaxError("()"), "syntax error at position 2: expected an operand");
	EXPECT_EQ(SyntaxError("NOT"), "syntax error at position 4: expected an operand");
	EXPECT_EQ(SyntaxError("a = -'x'"), "syntax error at position 6: expected a number after '-'");
	EXPECT_EQ(SyntaxError("url '/pricing'"), "syntax error at position 5: expected a comparison operator");
	EXPECT_EQ(SyntaxError("5"), "syntax error at position 2: expected a comparison operator");
	EXPECT_EQ(SyntaxError("'abc' AND b"), "syntax error at position 7: expected a comparison operator");
	EXPECT_EQ(SyntaxError("a BETWEEN 1 AND 2"), "syntax error at position 3: expected a comparison operator");
	EXPECT_EQ(SyntaxError("f(x)"), "syntax error at position 2: expected a comparison operator");
	EXPECT_EQ(SyntaxError("a NOT = 1"), "syntax error at position 7: expected IN, LIKE or ILIKE");
	EXPECT_EQ(SyntaxError("a IN 'x'"), "syntax error at position 6: expected '('");
	EXPECT_EQ(SyntaxError("a IN ()"), "syntax error at position 7: expected a literal");
	EXPECT_EQ(SyntaxError("a IN (b)"), "syntax error at position 7: expected a literal");
	EXPECT_EQ(SyntaxError("a IN (1 2)"), "syntax error at position 9: expected ',' or ')'");
	EXPECT_EQ(SyntaxError("a IN (1,"), "syntax error at position 9: expected a literal");
	EXPECT_EQ(SyntaxError("a LIKE b"), "syntax error at position 8: expected a string literal");
	EXPECT_EQ(SyntaxError("a LIKE 5"), "syntax error at position 8: expected a string literal");
	EXPECT_EQ(SyntaxError("a LIKE 'x' ESCAPE 1"), "syntax error at position 19: expected a string literal");
	EXPECT_EQ(SyntaxError("a ~ b"), "syntax error at position 5: expected a string literal");
	EXPECT_EQ(SyntaxError("a IS 5"), "syntax error at position 6: expected NULL");
	EXPECT_EQ(SyntaxError("a IS NOT TRUE"), "syntax error at position 10: expected NULL");
	EXPECT_EQ(SyntaxError("ü = 'x' AND"), "syntax error at position 12: expected an operand");
}

TEST(ConditionParser, InvalidEscapeString) {
	Failure f = ParseFailure("a LIKE 'x' ESCAPE 'ab'");
	EXPECT_EQ(f.kind, ErrorKind::Syntax);
	EXPECT_EQ(f.message, "syntax error at position 19: invalid escape string");
	EXPECT_EQ(f.hint, "The escape string must be empty or one character.");
}

TEST(ConditionParser, LikePatternEndingWithEscape) {
	Failure f = ParseFailure("a LIKE 'abc\\'");
	EXPECT_EQ(f.kind, ErrorKind::InvalidValue);
	EXPECT_EQ(f.message, "LIKE pattern must not end with escape character");
	EXPECT_EQ(f.detail, "The pattern at position 8 ends with \"\\\".");
	EXPECT_EQ(ParseFailure("a LIKE 'abc!' ESCAPE '!'").message, "LIKE pattern must not end with escape character");
	// An escaped escape at the end is fine, and so is anything without one.
	EXPECT_NO_THROW(ParseCondition("a LIKE 'abc\\\\'"));
	EXPECT_NO_THROW(ParseCondition("a LIKE 'abc\\' ESCAPE ''"));
	EXPECT_NO_THROW(ParseCondition("a LIKE 'abc\\' ESCAPE '!'"));
}

TEST(ConditionParser, InvalidRegex) {
	Failure f = ParseFailure("title ~* '(chief|head'");
	EXPECT_EQ(f.kind, ErrorKind::InvalidRegex);
	EXPECT_EQ(f.message, "invalid regular expression at position 10: missing ): (chief|head");
	// RE2 has no backreferences or lookaround.
	EXPECT_EQ(ParseFailure("a ~ '(a)\\1'").kind, ErrorKind::InvalidRegex);
	EXPECT_EQ(ParseFailure("a ~ 'x(?=y)'").kind, ErrorKind::InvalidRegex);
	// A pattern too big for the memory limit.
	ConditionLimits small;
	small.max_regex_memory = 64 << 10;
	EXPECT_EQ(ParseFailure("a ~ '((a{100}){100}){100}'", small).kind, ErrorKind::InvalidRegex);
}

TEST(ConditionParser, TooLong) {
	const std::string text = "a = '" + std::string(1 << 20, 'x') + "'";
	Failure f = ParseFailure(text);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "condition is too long");
	EXPECT_EQ(f.detail, "The condition has 1048582 bytes; the limit is 65536.");
	ConditionLimits limits;
	limits.max_length = 5;
	EXPECT_NO_THROW(ParseCondition("a = 1", limits));
	EXPECT_EQ(ParseFailure("a = 10", limits).message, "condition is too long");
}

TEST(ConditionParser, DeepNestingFailsWithoutOverflowingTheStack) {
	const std::string parens(100000, '(');
	const std::string text = parens + "a" + std::string(100000, ')');
	// The default length limit stops this before the parser sees it...
	EXPECT_EQ(ParseFailure(text).message, "condition is too long");
	// ...so lift it to reach the depth check.
	ConditionLimits limits;
	limits.max_length = 1 << 20;
	Failure f = ParseFailure(text, limits);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "condition nests too deeply");
	EXPECT_EQ(f.detail, "Parentheses and NOT may nest at most 200 levels deep; position 201 is deeper.");
	// Unbalanced too: the limit comes first.
	EXPECT_EQ(ParseFailure(parens, limits).message, "condition nests too deeply");

	std::string nots;
	for (int k = 0; k < 30000; k++)
		nots += "NOT ";
	EXPECT_EQ(ParseFailure(nots + "a", limits).message, "condition nests too deeply");
}

TEST(ConditionParser, NestingUpToTheLimitParses) {
	const std::string ok = std::string(200, '(') + "a = 1" + std::string(200, ')');
	EXPECT_NO_THROW(ParseCondition(ok));
	const std::string deep = "(" + ok + ")";
	EXPECT_EQ(ParseFailure(deep).message, "condition nests too deeply");
	std::string nots;
	for (int k = 0; k < 200; k++)
		nots += "NOT ";
	EXPECT_NO_THROW(ParseCondition(nots + "a"));
	EXPECT_EQ(ParseFailure("NOT " + nots + "a").message, "condition nests too deeply");
}

TEST(ConditionParser, TooManyNodes) {
	std::string text = "a IN (";
	for (int k = 0; k < 10000; k++)
		text += std::to_string(k) + ", ";
	text += "0)";
	Failure f = ParseFailure(text);
	EXPECT_EQ(f.kind, ErrorKind::TooComplex);
	EXPECT_EQ(f.message, "condition is too complex");
	EXPECT_EQ(f.detail, "A condition may have at most 10000 operators, operands and list items.");

	ConditionLimits limits;
	limits.max_nodes = 3;
	EXPECT_NO_THROW(ParseCondition("a = 1", limits));
	EXPECT_EQ(ParseFailure("a = 1 AND b", limits).message, "condition is too complex");
}

TEST(ConditionParser, LongAndChainParses) {
	std::string text = "a = 0";
	for (int k = 1; k < 3000; k++)
		text += " AND a = " + std::to_string(k);
	auto n = ParseCondition(text);
	EXPECT_EQ(n->children.size(), 3000u);
}
