// ParseExpression: recursive descent over the lexer's tokens, grammar in
// expression.hpp.
//
// Two bounds keep every later recursion (normalizer, compiler, evaluator,
// the tree's destructor) safe: the parser's own recursion is checked before
// each '(', call and unary minus, and the height of every node it builds is
// checked too, because `1 + 1 + ... + 1` builds a deep tree without
// recursing.
#include "core/base/error.hpp"
#include "core/condition/expression.hpp"
#include "core/condition/lexer.hpp"

#include <algorithm>

namespace leadscore::core {

namespace {

struct FunctionSpelling {
	std::string_view name;
	Function function;
};

constexpr FunctionSpelling kFunctions[] = {
    {"least", Function::Least},
    {"greatest", Function::Greatest},
    {"abs", Function::Abs},
    {"coalesce", Function::Coalesce},
};

// A subtree and its height (a leaf has height 1).
struct Parsed {
	std::unique_ptr<Node> node;
	std::size_t height = 1;
};

class ExpressionParser {
public:
	ExpressionParser(std::string_view text, const ConditionLimits &limits)
	    : lexer_(text, true), limits_(limits) {
	}

	std::unique_ptr<Node> ParseAll() {
		Advance();
		if (tok_.kind == TokenKind::End)
			ThrowSyntaxError(1, "expected an expression");
		Parsed result = ParseSum(0);
		if (tok_.kind == TokenKind::RParen)
			ThrowSyntaxError(tok_.position, "unexpected ')'");
		if (tok_.kind != TokenKind::End)
			ThrowSyntaxError(tok_.position, "expected an arithmetic operator or end of expression");
		return std::move(result.node);
	}

private:
	void Advance() {
		tok_ = lexer_.Next();
	}

	std::unique_ptr<Node> NewNode(NodeKind kind, std::size_t position) {
		if (++nodes_ > limits_.max_nodes)
			throw Error(ErrorKind::TooComplex, "expression is too complex",
			            "An expression may have at most " + std::to_string(limits_.max_nodes) +
			                " operators, operands and function calls.");
		auto node = std::make_unique<Node>();
		node->kind = kind;
		node->position = position;
		return node;
	}

	void CheckDepth(std::size_t depth, std::size_t position) const {
		if (depth > limits_.max_depth)
			throw Error(ErrorKind::TooComplex, "expression nests too deeply",
			            "Operators, parentheses and function calls may nest at most " +
			                std::to_string(limits_.max_depth) + " levels deep; position " +
			                std::to_string(position) + " is deeper.");
	}

	Parsed Binary(ArithOp op, std::size_t position, Parsed left, Parsed right) {
		Parsed out{NewNode(NodeKind::Arith, position), std::max(left.height, right.height) + 1};
		CheckDepth(out.height, position);
		out.node->arith = op;
		out.node->children.push_back(std::move(left.node));
		out.node->children.push_back(std::move(right.node));
		return out;
	}

	Parsed ParseSum(std::size_t depth) {
		Parsed left = ParseTerm(depth);
		while (tok_.kind == TokenKind::Plus || tok_.kind == TokenKind::Minus) {
			const ArithOp op = tok_.kind == TokenKind::Plus ? ArithOp::Add : ArithOp::Sub;
			const std::size_t position = tok_.position;
			Advance();
			Parsed right = ParseTerm(depth);
			left = Binary(op, position, std::move(left), std::move(right));
		}
		return left;
	}

	Parsed ParseTerm(std::size_t depth) {
		Parsed left = ParseUnary(depth);
		while (tok_.kind == TokenKind::Star || tok_.kind == TokenKind::Slash) {
			const ArithOp op = tok_.kind == TokenKind::Star ? ArithOp::Mul : ArithOp::Div;
			const std::size_t position = tok_.position;
			Advance();
			Parsed right = ParseUnary(depth);
			left = Binary(op, position, std::move(left), std::move(right));
		}
		return left;
	}

	// A minus right before a number is part of the literal, as in
	// conditions, so that -9223372036854775808 is an integer.
	Parsed ParseUnary(std::size_t depth) {
		if (tok_.kind != TokenKind::Minus)
			return ParsePrimary(depth);
		const std::size_t position = tok_.position;
		Advance();
		if (tok_.kind == TokenKind::Number) {
			Parsed out{NewNode(NodeKind::Literal, position)};
			out.node->literal = NumberLiteral(tok_, true, position);
			Advance();
			return out;
		}
		CheckDepth(depth + 1, position);
		Parsed operand = ParseUnary(depth + 1);
		Parsed out{NewNode(NodeKind::Negate, position), operand.height + 1};
		CheckDepth(out.height, position);
		out.node->children.push_back(std::move(operand.node));
		return out;
	}

	Parsed ParsePrimary(std::size_t depth) {
		switch (tok_.kind) {
		case TokenKind::Number:
		case TokenKind::Null: {
			Parsed out{NewNode(NodeKind::Literal, tok_.position)};
			if (tok_.kind == TokenKind::Number)
				out.node->literal = NumberLiteral(tok_, false, tok_.position);
			Advance();
			return out;
		}
		case TokenKind::LParen: {
			CheckDepth(depth + 1, tok_.position);
			Advance();
			Parsed inner = ParseSum(depth + 1);
			if (tok_.kind != TokenKind::RParen)
				ThrowSyntaxError(tok_.position, "expected ')'");
			Advance();
			return inner;
		}
		case TokenKind::Identifier:
			return ParseColumnOrCall(depth);
		case TokenKind::String:
			ThrowSyntaxError(tok_.position, "expected a number, not a string");
		case TokenKind::True:
		case TokenKind::False:
			ThrowSyntaxError(tok_.position, "expected a number, not a boolean");
		default:
			ThrowSyntaxError(tok_.position, "expected an operand");
		}
	}

	Parsed ParseColumnOrCall(std::size_t depth) {
		const std::size_t position = tok_.position;
		std::string name = std::move(tok_.text);
		Advance();
		if (tok_.kind != TokenKind::LParen) {
			Parsed out{NewNode(NodeKind::Column, position)};
			out.node->name = std::move(name);
			return out;
		}
		const FunctionSpelling *spelling = nullptr;
		for (const FunctionSpelling &f : kFunctions)
			if (f.name == name)
				spelling = &f;
		if (spelling == nullptr)
			ThrowSyntaxError(position, "unknown function \"" + Abbreviate(name) +
			                               "\"; expected least, greatest, abs or coalesce");
		CheckDepth(depth + 1, position);
		Parsed out{NewNode(NodeKind::Call, position)};
		out.node->function = spelling->function;
		Advance();
		for (;;) {
			Parsed argument = ParseSum(depth + 1);
			out.height = std::max(out.height, argument.height + 1);
			out.node->children.push_back(std::move(argument.node));
			if (tok_.kind == TokenKind::RParen)
				break;
			if (tok_.kind != TokenKind::Comma)
				ThrowSyntaxError(tok_.position, "expected ',' or ')'");
			if (spelling->function == Function::Abs)
				ThrowSyntaxError(tok_.position, "expected ')': abs takes one argument");
			Advance();
		}
		Advance();
		CheckDepth(out.height, position);
		return out;
	}

	Lexer lexer_;
	const ConditionLimits &limits_;
	Token tok_;
	std::size_t nodes_ = 0;
};

} // namespace

std::unique_ptr<Node> ParseExpression(std::string_view text, const ConditionLimits &limits) {
	ThrowIfTooLong(text, limits.max_length, "expression");
	ExpressionParser parser(text, limits);
	return parser.ParseAll();
}

} // namespace leadscore::core
