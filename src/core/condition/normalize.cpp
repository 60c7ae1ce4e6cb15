// Normalize: the canonical text of a condition or a numeric expression.
//
// Rules shows this text back to users and compares it to spot duplicate
// rules, so it must be stable: normalizing the parse of a normalized text
// gives the same text again.  Hence literals print in a spelling that reads
// back as the same kind (a float always has a '.' or an exponent), and
// parentheses appear only where precedence needs them.
#include "core/condition/condition.hpp"
#include "core/condition/lexer.hpp"

#include <charconv>

namespace leadscore::core {

namespace {

// The shortest text that reads back as the same double, kept a float:
// 100.0 prints "100.0", not "100", which would read back as an integer.
std::string FormatFloat(double f) {
	char buf[64];
	auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
	std::string s(buf, ec == std::errc() ? end : buf);
	if (s.find_first_of(".en") == std::string::npos)  // 'n': inf, nan
		s += ".0";
	return s;
}

std::string FormatLiteral(const Literal &lit) {
	switch (lit.kind) {
	case LiteralKind::Null:
		return "NULL";
	case LiteralKind::Bool:
		return lit.b ? "TRUE" : "FALSE";
	case LiteralKind::Int:
		return std::to_string(lit.i);
	case LiteralKind::Float:
		return FormatFloat(lit.f);
	case LiteralKind::String:
		return QuoteString(lit.s);
	}
	return "NULL";
}

const char *CompareOpText(CompareOp op) {
	switch (op) {
	case CompareOp::Eq:
		return "=";
	case CompareOp::Ne:
		return "<>";
	case CompareOp::Lt:
		return "<";
	case CompareOp::Le:
		return "<=";
	case CompareOp::Gt:
		return ">";
	case CompareOp::Ge:
		return ">=";
	}
	return "=";
}

const char *ArithOpText(ArithOp op) {
	switch (op) {
	case ArithOp::Add:
		return "+";
	case ArithOp::Sub:
		return "-";
	case ArithOp::Mul:
		return "*";
	case ArithOp::Div:
		return "/";
	}
	return "+";
}

int Precedence(ArithOp op) {
	return op == ArithOp::Add || op == ArithOp::Sub ? 1 : 2;
}

const char *FunctionName(Function f) {
	switch (f) {
	case Function::Least:
		return "least";
	case Function::Greatest:
		return "greatest";
	case Function::Abs:
		return "abs";
	case Function::Coalesce:
		return "coalesce";
	}
	return "least";
}

class Printer {
public:
	std::string out;

	void Print(const Node &n) {
		switch (n.kind) {
		case NodeKind::And:
		case NodeKind::Or:
			PrintChain(n);
			break;
		case NodeKind::Not:
			// NOT binds looser than a predicate, so `NOT a IN (1)` would do;
			// readers take it for `(NOT a) IN (1)`, so predicates keep theirs.
			out += "NOT ";
			PrintChild(n, 0, [](NodeKind k) {
				return k != NodeKind::Column && k != NodeKind::Literal && k != NodeKind::Not;
			});
			break;
		case NodeKind::Compare:
			PrintOperand(n, 0);
			out += ' ';
			out += CompareOpText(n.op);
			out += ' ';
			PrintOperand(n, 1);
			break;
		case NodeKind::In:
			PrintIn(n);
			break;
		case NodeKind::Like:
			PrintOperand(n, 0);
			out += n.negated ? " NOT " : " ";
			out += n.case_insensitive ? "ILIKE " : "LIKE ";
			PrintOperand(n, 1);
			if (n.escape != "\\")
				out += " ESCAPE " + QuoteString(n.escape);
			break;
		case NodeKind::Regex:
			PrintOperand(n, 0);
			out += n.negated ? " !~" : " ~";
			out += n.case_insensitive ? "* " : " ";
			PrintOperand(n, 1);
			break;
		case NodeKind::IsNull:
			PrintOperand(n, 0);
			out += n.negated ? " IS NOT NULL" : " IS NULL";
			break;
		case NodeKind::Column:
			out += QuoteIdentifier(n.name);
			break;
		case NodeKind::Literal:
			out += FormatLiteral(n.literal);
			break;
		case NodeKind::Arith:
			PrintArith(n);
			break;
		case NodeKind::Negate:
			// "--x" would read as an SQL comment to anyone pasting it, so a
			// minus of a minus is "- -x" (not "-(-x)", whose parentheses
			// would make the text nest deeper than the tree, past the
			// depth limit); and "-2" reads as a literal, not this node:
			// "-(0)" must not become "0".
			out += '-';
			if (n.children[0]->kind == NodeKind::Negate)
				out += ' ';
			PrintChild(n, 0, [](NodeKind c) {
				return c != NodeKind::Column && c != NodeKind::Call && c != NodeKind::Negate;
			});
			break;
		case NodeKind::Call:
			out += FunctionName(n.function);
			out += '(';
			for (std::size_t k = 0; k < n.children.size(); k++) {
				if (k > 0)
					out += ", ";
				PrintChild(n, k, [](NodeKind) { return false; });
			}
			out += ')';
			break;
		}
	}

private:
	// Chains flatten: an AND inside an AND prints without parentheses, an OR
	// inside an AND needs them.  AND binds tighter, so nothing inside an OR
	// needs them.
	void PrintChain(const Node &n) {
		const char *separator = n.kind == NodeKind::And ? " AND " : " OR ";
		for (std::size_t k = 0; k < n.children.size(); k++) {
			if (k > 0)
				out += separator;
			if (n.kind == NodeKind::And)
				PrintChild(n, k, [](NodeKind c) { return c == NodeKind::Or; });
			else
				PrintChild(n, k, [](NodeKind) { return false; });
		}
	}

	template <typename NeedsParentheses>
	void PrintChild(const Node &n, std::size_t k, NeedsParentheses needs_parentheses) {
		if (k >= n.children.size() || !n.children[k]) {
			out += "NULL";  // a malformed tree; the parser never builds one
			return;
		}
		const Node &child = *n.children[k];
		const bool parenthesize = needs_parentheses(child.kind);
		if (parenthesize)
			out += '(';
		Print(child);
		if (parenthesize)
			out += ')';
	}

	// Operands are columns or literals; anything else is parenthesized so
	// the text still reads back.
	void PrintOperand(const Node &n, std::size_t k) {
		PrintChild(n, k, [](NodeKind c) { return c != NodeKind::Column && c != NodeKind::Literal; });
	}

	// The operands of + - * / keep the tree's shape: the right one is
	// parenthesized at equal precedence too, since floating-point a - (b - c)
	// is not (a - b) + c.
	void PrintArith(const Node &n) {
		const int precedence = Precedence(n.arith);
		PrintChild(n, 0, [&](NodeKind) { return IsArith(n, 0) && Precedence(n.children[0]->arith) < precedence; });
		out += ' ';
		out += ArithOpText(n.arith);
		out += ' ';
		PrintChild(n, 1, [&](NodeKind) { return IsArith(n, 1) && Precedence(n.children[1]->arith) <= precedence; });
	}

	static bool IsArith(const Node &n, std::size_t k) {
		return k < n.children.size() && n.children[k] && n.children[k]->kind == NodeKind::Arith;
	}

	void PrintIn(const Node &n) {
		PrintOperand(n, 0);
		out += n.negated ? " NOT IN (" : " IN (";
		for (std::size_t k = 1; k < n.children.size(); k++) {
			if (k > 1)
				out += ", ";
			PrintOperand(n, k);
		}
		out += ')';
	}
};

} // namespace

std::string Normalize(const Node &node) {
	Printer printer;
	printer.Print(node);
	return printer.out;
}

} // namespace leadscore::core
