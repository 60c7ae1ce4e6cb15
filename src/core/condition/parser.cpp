// ParseCondition: recursive descent over the lexer's tokens.
//
//   condition := or END
//   or        := and { OR and }
//   and       := not { AND not }
//   not       := NOT not | predicate
//   predicate := '(' or ')'
//              | operand ( cmp operand
//                        | [NOT] IN '(' literal { ',' literal } ')'
//                        | [NOT] (LIKE | ILIKE) string [ESCAPE string]
//                        | (~ | ~* | !~ | !~*) string
//                        | IS [NOT] NULL
//                        | nothing: a boolean column, TRUE, FALSE or NULL )
//   operand   := identifier | string | ['-'] number | TRUE | FALSE | NULL
//
// Every recursion passes through `not` or `predicate`, which check the
// depth limit *before* recursing: 100,000 opening parentheses end in an
// error, not in a stack overflow.  The same limit bounds the depth of the
// tree, so its recursive destructor is safe too.
#include "core/base/error.hpp"
#include "core/condition/condition.hpp"
#include "core/condition/lexer.hpp"
#include "core/condition/like_match.hpp"
#include "core/condition/regex.hpp"

namespace leadscore::core {

namespace {

bool IsComparison(TokenKind k) {
	return k == TokenKind::Eq || k == TokenKind::Ne || k == TokenKind::Lt || k == TokenKind::Le ||
	       k == TokenKind::Gt || k == TokenKind::Ge;
}

CompareOp ToCompareOp(TokenKind k) {
	switch (k) {
	case TokenKind::Ne:
		return CompareOp::Ne;
	case TokenKind::Lt:
		return CompareOp::Lt;
	case TokenKind::Le:
		return CompareOp::Le;
	case TokenKind::Gt:
		return CompareOp::Gt;
	case TokenKind::Ge:
		return CompareOp::Ge;
	default:
		return CompareOp::Eq;
	}
}

bool IsRegexOperator(TokenKind k) {
	return k == TokenKind::Match || k == TokenKind::IMatch || k == TokenKind::NotMatch ||
	       k == TokenKind::NotIMatch;
}

bool StartsLiteral(TokenKind k) {
	return k == TokenKind::String || k == TokenKind::Number || k == TokenKind::Minus ||
	       k == TokenKind::True || k == TokenKind::False || k == TokenKind::Null;
}

bool StartsOperand(TokenKind k) {
	return StartsLiteral(k) || k == TokenKind::Identifier;
}

class Parser {
public:
	Parser(std::string_view text, const ConditionLimits &limits) : lexer_(text), limits_(limits) {
	}

	std::unique_ptr<Node> ParseAll() {
		Advance();
		if (tok_.kind == TokenKind::End)
			ThrowSyntaxError(1, "expected a condition");
		std::unique_ptr<Node> node = ParseOr(0);
		if (tok_.kind == TokenKind::RParen)
			ThrowSyntaxError(tok_.position, "unexpected ')'");
		if (tok_.kind != TokenKind::End)
			ThrowSyntaxError(tok_.position, "expected end of condition");
		return node;
	}

private:
	void Advance() {
		tok_ = lexer_.Next();
	}

	void Expect(TokenKind kind, const char *what) {
		if (tok_.kind != kind)
			ThrowSyntaxError(tok_.position, what);
		Advance();
	}

	std::unique_ptr<Node> NewNode(NodeKind kind, std::size_t position) {
		if (++nodes_ > limits_.max_nodes)
			throw Error(ErrorKind::TooComplex, "condition is too complex",
			            "A condition may have at most " + std::to_string(limits_.max_nodes) +
			                " operators, operands and list items.");
		auto node = std::make_unique<Node>();
		node->kind = kind;
		node->position = position;
		return node;
	}

	// Called with the depth a recursion is about to enter.
	void CheckDepth(std::size_t depth, std::size_t position) const {
		if (depth > limits_.max_depth)
			throw Error(ErrorKind::TooComplex, "condition nests too deeply",
			            "Parentheses and NOT may nest at most " + std::to_string(limits_.max_depth) +
			                " levels deep; position " + std::to_string(position) + " is deeper.");
	}

	// AND and OR share this: a chain of one item is just the item.
	template <typename ParseItem>
	std::unique_ptr<Node> ParseChain(TokenKind op, NodeKind kind, ParseItem parse_item) {
		std::unique_ptr<Node> first = parse_item();
		if (tok_.kind != op)
			return first;
		std::unique_ptr<Node> chain = NewNode(kind, tok_.position);
		chain->children.push_back(std::move(first));
		while (tok_.kind == op) {
			Advance();
			chain->children.push_back(parse_item());
		}
		return chain;
	}

	std::unique_ptr<Node> ParseOr(std::size_t depth) {
		return ParseChain(TokenKind::Or, NodeKind::Or, [&] { return ParseAnd(depth); });
	}

	std::unique_ptr<Node> ParseAnd(std::size_t depth) {
		return ParseChain(TokenKind::And, NodeKind::And, [&] { return ParseNot(depth); });
	}

	std::unique_ptr<Node> ParseNot(std::size_t depth) {
		if (tok_.kind != TokenKind::Not)
			return ParsePredicate(depth);
		CheckDepth(depth + 1, tok_.position);
		std::unique_ptr<Node> node = NewNode(NodeKind::Not, tok_.position);
		Advance();
		node->children.push_back(ParseNot(depth + 1));
		return node;
	}

	std::unique_ptr<Node> ParsePredicate(std::size_t depth) {
		if (tok_.kind == TokenKind::LParen) {
			CheckDepth(depth + 1, tok_.position);
			Advance();
			std::unique_ptr<Node> inner = ParseOr(depth + 1);
			Expect(TokenKind::RParen, "expected ')'");
			return inner;
		}
		std::unique_ptr<Node> left = ParseOperand();
		const std::size_t position = tok_.position;
		const TokenKind op = tok_.kind;
		if (IsComparison(op)) {
			std::unique_ptr<Node> node = NewNode(NodeKind::Compare, position);
			node->op = ToCompareOp(op);
			Advance();
			node->children.push_back(std::move(left));
			node->children.push_back(ParseOperand());
			return node;
		}
		if (op == TokenKind::Not) {
			Advance();
			if (tok_.kind == TokenKind::In)
				return ParseIn(std::move(left), true, position);
			if (tok_.kind == TokenKind::Like || tok_.kind == TokenKind::Ilike)
				return ParseLike(std::move(left), true, position);
			ThrowSyntaxError(tok_.position, "expected IN, LIKE or ILIKE");
		}
		if (op == TokenKind::In)
			return ParseIn(std::move(left), false, position);
		if (op == TokenKind::Like || op == TokenKind::Ilike)
			return ParseLike(std::move(left), false, position);
		if (IsRegexOperator(op))
			return ParseRegex(std::move(left));
		if (op == TokenKind::Is)
			return ParseIsNull(std::move(left));

		// No operator: the operand is the predicate.  Only a column (a
		// boolean one, which the compiler checks) or TRUE / FALSE / NULL can
		// stand alone; `url '/x'` is a missing operator, not the end.
		const bool can_stand_alone = left->kind == NodeKind::Column ||
		                             left->literal.kind == LiteralKind::Bool ||
		                             left->literal.kind == LiteralKind::Null;
		if (!can_stand_alone || StartsOperand(op) || op == TokenKind::LParen)
			ThrowSyntaxError(position, "expected a comparison operator");
		return left;
	}

	std::unique_ptr<Node> ParseOperand() {
		if (tok_.kind == TokenKind::Identifier) {
			std::unique_ptr<Node> node = NewNode(NodeKind::Column, tok_.position);
			node->name = std::move(tok_.text);
			Advance();
			return node;
		}
		if (!StartsLiteral(tok_.kind))
			ThrowSyntaxError(tok_.position, "expected an operand");
		return ParseLiteral();
	}

	std::unique_ptr<Node> ParseLiteral() {
		std::unique_ptr<Node> node = NewNode(NodeKind::Literal, tok_.position);
		Literal &lit = node->literal;
		switch (tok_.kind) {
		case TokenKind::String:
			lit.kind = LiteralKind::String;
			lit.s = std::move(tok_.text);
			break;
		case TokenKind::True:
		case TokenKind::False:
			lit.kind = LiteralKind::Bool;
			lit.b = tok_.kind == TokenKind::True;
			break;
		case TokenKind::Null:
			lit.kind = LiteralKind::Null;
			break;
		case TokenKind::Minus:
			Advance();
			if (tok_.kind != TokenKind::Number)
				ThrowSyntaxError(tok_.position, "expected a number after '-'");
			lit = NumberLiteral(tok_, true, node->position);
			break;
		default:
			lit = NumberLiteral(tok_, false, node->position);
			break;
		}
		Advance();
		return node;
	}

	std::unique_ptr<Node> ParseStringLiteral() {
		if (tok_.kind != TokenKind::String)
			ThrowSyntaxError(tok_.position, "expected a string literal");
		return ParseLiteral();
	}

	std::unique_ptr<Node> ParseIn(std::unique_ptr<Node> left, bool negated, std::size_t position) {
		std::unique_ptr<Node> node = NewNode(NodeKind::In, position);
		node->negated = negated;
		node->children.push_back(std::move(left));
		Advance();
		Expect(TokenKind::LParen, "expected '('");
		for (;;) {
			if (!StartsLiteral(tok_.kind))
				ThrowSyntaxError(tok_.position, "expected a literal");
			node->children.push_back(ParseLiteral());
			if (tok_.kind == TokenKind::RParen)
				break;
			if (tok_.kind != TokenKind::Comma)
				ThrowSyntaxError(tok_.position, "expected ',' or ')'");
			Advance();
		}
		Advance();
		return node;
	}

	std::unique_ptr<Node> ParseLike(std::unique_ptr<Node> left, bool negated, std::size_t position) {
		std::unique_ptr<Node> node = NewNode(NodeKind::Like, position);
		node->negated = negated;
		node->case_insensitive = tok_.kind == TokenKind::Ilike;
		node->children.push_back(std::move(left));
		Advance();
		node->children.push_back(ParseStringLiteral());
		if (tok_.kind == TokenKind::Escape) {
			Advance();
			const std::size_t escape_position = tok_.position;
			if (tok_.kind != TokenKind::String)
				ThrowSyntaxError(tok_.position, "expected a string literal");
			if (CountCharacters(tok_.text) > 1)
				throw Error(ErrorKind::Syntax,
				            "syntax error at position " + std::to_string(escape_position) +
				                ": invalid escape string",
				            "", "The escape string must be empty or one character.");
			node->escape = std::move(tok_.text);
			Advance();
		}
		const Node &pattern = *node->children[1];
		LikePattern check;
		if (!LikePattern::Compile(pattern.literal.s, node->escape, node->case_insensitive, &check))
			throw Error(ErrorKind::InvalidValue, "LIKE pattern must not end with escape character",
			            "The pattern at position " + std::to_string(pattern.position) + " ends with \"" +
			                node->escape + "\".",
			            "Double the escape character to match it literally.");
		return node;
	}

	std::unique_ptr<Node> ParseRegex(std::unique_ptr<Node> left) {
		std::unique_ptr<Node> node = NewNode(NodeKind::Regex, tok_.position);
		node->negated = tok_.kind == TokenKind::NotMatch || tok_.kind == TokenKind::NotIMatch;
		node->case_insensitive = tok_.kind == TokenKind::IMatch || tok_.kind == TokenKind::NotIMatch;
		node->children.push_back(std::move(left));
		Advance();
		node->children.push_back(ParseStringLiteral());
		// Compiled here only to reject a bad pattern when the rule is added.
		const Node &pattern = *node->children[1];
		std::string error;
		if (!CompileConditionRegex(pattern.literal.s, node->case_insensitive, limits_.max_regex_memory, &error))
			throw Error(ErrorKind::InvalidRegex,
			            "invalid regular expression at position " + std::to_string(pattern.position) + ": " + error);
		return node;
	}

	std::unique_ptr<Node> ParseIsNull(std::unique_ptr<Node> left) {
		std::unique_ptr<Node> node = NewNode(NodeKind::IsNull, tok_.position);
		node->children.push_back(std::move(left));
		Advance();
		if (tok_.kind == TokenKind::Not) {
			node->negated = true;
			Advance();
		}
		Expect(TokenKind::Null, "expected NULL");
		return node;
	}

	Lexer lexer_;
	const ConditionLimits &limits_;
	Token tok_;
	std::size_t nodes_ = 0;
};

} // namespace

std::unique_ptr<Node> ParseCondition(std::string_view text, const ConditionLimits &limits) {
	ThrowIfTooLong(text, limits.max_length, "condition");
	Parser parser(text, limits);
	return parser.ParseAll();
}

} // namespace leadscore::core
