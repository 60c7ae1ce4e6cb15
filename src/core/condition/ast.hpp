// The syntax tree of a condition.  Plain data: the parser builds it, the
// normalizer prints it, the compiler turns it into an evaluable form.
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
};

enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

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
	bool negated = false;
	bool case_insensitive = false;
	std::string escape = "\\";  // LIKE escape character; empty: none
	std::string name;           // Column
	Literal literal;            // Literal
	std::vector<std::unique_ptr<Node>> children;
};

} // namespace leadscore::core
