// The syntax tree of a condition or of a numeric expression (expression.hpp).
// Plain data: the parsers build it, the normalizer prints it, the compilers
// turn it into an evaluable form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace leadscore::core {

enum class NodeKind : std::uint8_t {
	And,       // children: 2+ operands
	Or,        // children: 2+ operands
	Not,       // children: 1
	Compare,   // op, children: left, right
	In,        // negated, children: operand, then list items (literals)
	Like,      // negated, case_insensitive, escape, children: operand, pattern
	Regex,     // negated, case_insensitive, children: operand, pattern literal
	IsNull,    // negated, children: operand
	Column,    // name
	Literal,   // literal
	// Only in numeric expressions:
	Arith,     // arith, children: left, right
	Negate,    // children: 1
	Call,      // function, children: 1+ arguments
};

enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

enum class ArithOp : std::uint8_t { Add, Sub, Mul, Div };

enum class Function : std::uint8_t { Least, Greatest, Abs, Coalesce };

enum class LiteralKind : std::uint8_t { Null, Bool, Int, Float, String };

struct Literal {
	LiteralKind kind = LiteralKind::Null;
	bool b = false;
	std::int64_t i = 0;
	double f = 0;
	std::string s;
};

struct Node {
	NodeKind kind;
	std::size_t position = 0;  // 1-based character offset in the source text
	CompareOp op = CompareOp::Eq;
	ArithOp arith = ArithOp::Add;
	Function function = Function::Least;
	bool negated = false;
	bool case_insensitive = false;
	std::string escape = "\\";  // LIKE escape character; empty: none
	std::string name;           // Column
	Literal literal;            // Literal
	std::vector<std::unique_ptr<Node>> children;
};

} // namespace leadscore::core
