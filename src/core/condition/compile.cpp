// CompiledCondition::Compile: resolves columns, checks types and lays the
// tree out as a flat program (condition_program.hpp).
//
// Type rules.  A comparison needs operands of one family: numbers (integer
// and float mix freely), text, boolean or timestamp.  A string literal is
// "unknown-typed" as in PostgreSQL: next to a typed column it is read as
// that column's type when the condition is compiled ('200' against an
// integer column is 200; '2024-01-01' against a timestamp column is a
// timestamp), and a string that does not read as one is an error then, not
// on every row later.  NULL compares with anything and the result is
// unknown.  LIKE, ILIKE and regular expressions apply to text only.  A
// column of type Any (a jsonb attribute) is checked per row instead: what
// cannot be compared there is unknown, never an error.
#include "core/base/error.hpp"
#include "core/condition/condition.hpp"
#include "core/condition/lexer.hpp"
#include "core/condition/program.hpp"
#include "core/condition/regex.hpp"

#include <algorithm>

namespace leadscore::core {

namespace {

// What the compiler knows of an operand's type.
enum class StaticType : std::uint8_t { Null, Bool, Number, Text, Timestamp, Any, UnknownString };

StaticType FromValueType(ValueType t) {
	switch (t) {
	case ValueType::Bool:
		return StaticType::Bool;
	case ValueType::Int:
	case ValueType::Float:
		return StaticType::Number;
	case ValueType::Text:
		return StaticType::Text;
	case ValueType::Timestamp:
		return StaticType::Timestamp;
	case ValueType::Null:  // a column that is always NULL compares with anything
	case ValueType::Any:
		return StaticType::Any;
	}
	return StaticType::Any;
}

StaticType FromLiteral(LiteralKind k) {
	switch (k) {
	case LiteralKind::Null:
		return StaticType::Null;
	case LiteralKind::Bool:
		return StaticType::Bool;
	case LiteralKind::Int:
	case LiteralKind::Float:
		return StaticType::Number;
	case LiteralKind::String:
		return StaticType::UnknownString;
	}
	return StaticType::Null;
}

const char *LikeOperatorText(const Node &n) {
	if (n.kind == NodeKind::Like) {
		if (n.case_insensitive)
			return n.negated ? "NOT ILIKE" : "ILIKE";
		return n.negated ? "NOT LIKE" : "LIKE";
	}
	if (n.case_insensitive)
		return n.negated ? "!~*" : "~*";
	return n.negated ? "!~" : "~";
}

std::string AtPosition(std::size_t position) {
	return "The error is at position " + std::to_string(position) + " of the condition.";
}

[[noreturn]] void ThrowMalformed() {
	throw Error(ErrorKind::Internal, "malformed condition tree");
}

constexpr const char *kTimestampHint =
    "Write timestamps as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS[.ffffff]]', optionally followed by Z or an "
    "offset such as +02:00; without one they are UTC.";

class Compiler {
public:
	Compiler(const Schema &schema, const ConditionLimits &limits, CompiledCondition::Impl *impl)
	    : schema_(schema), limits_(limits), impl_(*impl) {
	}

	std::uint32_t CompileBool(const Node &n, std::size_t depth) {
		// The parser's depth limit bounds its trees at about three nodes per
		// level; this bound protects the stack from trees built by hand.
		if (depth > 3 * limits_.max_depth + 8)
			throw Error(ErrorKind::TooComplex, "condition nests too deeply",
			            "Parentheses and NOT may nest at most " + std::to_string(limits_.max_depth) +
			                " levels deep.");
		Instruction in;
		switch (n.kind) {
		case NodeKind::And:
		case NodeKind::Or:
			return CompileChain(n, depth);
		case NodeKind::Not:
			in.op = OpCode::Not;
			in.a = CompileBool(Child(n, 0), depth + 1);
			break;
		case NodeKind::Compare:
			in.op = OpCode::Compare;
			in.compare = n.op;
			in.a = AddOperand(Child(n, 0));
			in.b = AddOperand(Child(n, 1));
			CheckComparable(Child(n, 0), in.a, Child(n, 1), in.b, true);
			break;
		case NodeKind::In:
			CompileIn(n, &in);
			break;
		case NodeKind::Like:
		case NodeKind::Regex:
			CompileMatch(n, &in);
			break;
		case NodeKind::IsNull:
			in.op = OpCode::IsNull;
			in.negated = n.negated;
			in.a = AddOperand(Child(n, 0));
			break;
		case NodeKind::Column:
		case NodeKind::Literal:
			in.op = OpCode::Truth;
			in.a = AddOperand(n);
			CheckBoolean(n);
			break;
		case NodeKind::Arith:  // numeric expressions only (expression.hpp)
		case NodeKind::Negate:
		case NodeKind::Call:
			ThrowMalformed();
		}
		return Emit(in);
	}

private:
	static const Node &Child(const Node &n, std::size_t k) {
		if (k >= n.children.size() || !n.children[k])
			ThrowMalformed();
		return *n.children[k];
	}

	std::uint32_t Emit(const Instruction &in) {
		impl_.code.push_back(in);
		return static_cast<std::uint32_t>(impl_.code.size() - 1);
	}

	// a AND (b AND c) runs as one three-way AND: shallower and no slower.
	void Flatten(const Node &n, NodeKind kind, std::size_t depth, std::vector<std::uint32_t> *out) {
		for (const auto &child : n.children) {
			if (!child)
				ThrowMalformed();
			if (child->kind == kind)
				Flatten(*child, kind, depth + 1, out);
			else
				out->push_back(CompileBool(*child, depth + 1));
		}
	}

	std::uint32_t CompileChain(const Node &n, std::size_t depth) {
		if (n.children.empty())
			ThrowMalformed();
		std::vector<std::uint32_t> children;
		Flatten(n, n.kind, depth, &children);
		Instruction in;
		in.op = n.kind == NodeKind::And ? OpCode::And : OpCode::Or;
		in.first = static_cast<std::uint32_t>(impl_.child_list.size());
		in.count = static_cast<std::uint32_t>(children.size());
		impl_.child_list.insert(impl_.child_list.end(), children.begin(), children.end());
		return Emit(in);
	}

	std::size_t ResolveColumn(const Node &n) {
		for (std::size_t k = 0; k < schema_.size(); k++) {
			if (schema_[k].name == n.name) {
				impl_.columns_used.push_back(k);
				return k;
			}
		}
		ThrowUndefinedColumn(n, schema_, "condition");
	}

	std::string_view Keep(std::string s) {
		impl_.strings.push_back(std::move(s));
		return impl_.strings.back();
	}

	std::uint32_t AddOperand(const Node &n) {
		Operand op;
		if (n.kind == NodeKind::Column) {
			op.column = ResolveColumn(n);
		} else if (n.kind == NodeKind::Literal) {
			const Literal &lit = n.literal;
			switch (lit.kind) {
			case LiteralKind::Null:
				break;
			case LiteralKind::Bool:
				op.constant = Value::Bool(lit.b);
				break;
			case LiteralKind::Int:
				op.constant = Value::Int(lit.i);
				break;
			case LiteralKind::Float:
				op.constant = Value::Float(lit.f);
				break;
			case LiteralKind::String:
				op.constant = Value::Text(Keep(lit.s));
				ReadAhead(lit.s, &op);
				break;
			}
		} else {
			ThrowMalformed();
		}
		impl_.operands.push_back(op);
		return static_cast<std::uint32_t>(impl_.operands.size() - 1);
	}

	static void ReadAhead(const std::string &s, Operand *op) {
		Value number;
		if (ParseNumberText(s, &number))
			op->as_number = number;
		bool b;
		if (ParseBoolText(s, &b))
			op->as_bool = Value::Bool(b);
		std::int64_t ts;
		if (ParseTimestampLiteral(s, &ts))
			op->as_timestamp = Value::Timestamp(ts);
	}

	StaticType TypeOf(const Node &n) const {
		if (n.kind == NodeKind::Column) {
			for (const Column &c : schema_)
				if (c.name == n.name)
					return FromValueType(c.type);
			return StaticType::Any;
		}
		return FromLiteral(n.literal.kind);
	}

	// "text column \"country\"", "a number", ... for messages.
	std::string Describe(const Node &n) const {
		if (n.kind == NodeKind::Column) {
			for (const Column &c : schema_)
				if (c.name == n.name)
					return std::string(ValueTypeName(c.type)) + " column \"" + n.name + "\"";
		}
		switch (TypeOf(n)) {
		case StaticType::Number:
			return "a number";
		case StaticType::Bool:
			return "a boolean";
		case StaticType::UnknownString:
			return "a string";
		default:
			return "NULL";
		}
	}

	// The name PostgreSQL would give the operand's type, for "operator does
	// not exist" messages.
	std::string TypeName(const Node &n) const {
		if (n.kind == NodeKind::Column) {
			for (const Column &c : schema_)
				if (c.name == n.name)
					return ValueTypeName(c.type);
		}
		switch (n.literal.kind) {
		case LiteralKind::Bool:
			return "boolean";
		case LiteralKind::Int:
			return "integer";
		case LiteralKind::Float:
			return "float";
		default:
			return "text";
		}
	}

	// Reads string literal `s` as `type`, or throws naming the literal.
	// With `replace`, the operand's constant becomes the value read, so
	// evaluation compares numbers with numbers without parsing.
	void CoerceString(const Node &s, std::uint32_t operand, StaticType type, bool replace) {
		Operand &op = impl_.operands[operand];
		Value v;
		const char *what = "";
		switch (type) {
		case StaticType::Number:
			v = op.as_number;
			what = "number";
			break;
		case StaticType::Bool:
			v = op.as_bool;
			what = "boolean";
			break;
		case StaticType::Timestamp:
			v = op.as_timestamp;
			what = "timestamp";
			break;
		default:
			return;  // text, Any, NULL: nothing to read
		}
		if (v.is_null())
			throw Error(ErrorKind::TypeMismatch,
			            std::string("invalid ") + what + " literal " + QuoteString(Abbreviate(s.literal.s)),
			            AtPosition(s.position), type == StaticType::Timestamp ? kTimestampHint : "");
		if (replace)
			op.constant = v;
	}

	// A string literal next to a typed operand is read as that type.  The
	// right operand always belongs to this comparison alone and may be
	// rewritten to the value read; the left one only with `replace_left` (an
	// IN operand is shared by all its items).
	void CheckComparable(const Node &l, std::uint32_t lo, const Node &r, std::uint32_t ro, bool replace_left) {
		const StaticType tl = TypeOf(l), tr = TypeOf(r);
		if (tl == StaticType::Null || tr == StaticType::Null || tl == StaticType::Any || tr == StaticType::Any)
			return;
		if (tl == StaticType::UnknownString) {
			CoerceString(l, lo, tr, replace_left);
			return;
		}
		if (tr == StaticType::UnknownString) {
			CoerceString(r, ro, tl, true);
			return;
		}
		if (tl != tr)
			throw Error(ErrorKind::TypeMismatch, "cannot compare " + Describe(l) + " with " + Describe(r),
			            AtPosition(r.position));
	}

	void CheckBoolean(const Node &n) const {
		const StaticType t = TypeOf(n);
		if (t == StaticType::Bool || t == StaticType::Any || t == StaticType::Null)
			return;
		if (n.kind == NodeKind::Column)
			throw Error(ErrorKind::TypeMismatch,
			            "column \"" + n.name + "\" is of type " + TypeName(n) + ", not boolean",
			            AtPosition(n.position),
			            "A column alone is a condition only if it is boolean; compare it with a value instead.");
		throw Error(ErrorKind::TypeMismatch, "a condition must be boolean, not " + Describe(n),
		            AtPosition(n.position));
	}

	void CompileIn(const Node &n, Instruction *in) {
		if (n.children.size() < 2)
			ThrowMalformed();
		in->op = OpCode::In;
		in->negated = n.negated;
		const Node &operand = Child(n, 0);
		in->a = AddOperand(operand);
		in->first = static_cast<std::uint32_t>(impl_.operands.size());
		in->count = static_cast<std::uint32_t>(n.children.size() - 1);
		bool all_text = TypeOf(operand) == StaticType::Text;
		for (std::size_t k = 1; k < n.children.size(); k++) {
			const Node &item = Child(n, k);
			if (item.kind != NodeKind::Literal)
				ThrowMalformed();
			const std::uint32_t io = AddOperand(item);
			CheckComparable(operand, in->a, item, io, false);
			if (item.literal.kind == LiteralKind::Null)
				in->has_null = true;
			else if (item.literal.kind != LiteralKind::String)
				all_text = false;
		}
		// A text column against a list of strings: binary search instead of
		// a scan, for the long lists (country codes, domains) rules use.
		if (all_text) {
			std::vector<std::string_view> set;
			for (std::uint32_t k = in->first; k < in->first + in->count; k++)
				if (impl_.operands[k].constant.type == ValueType::Text)
					set.push_back(impl_.operands[k].constant.text);
			std::sort(set.begin(), set.end());
			impl_.text_sets.push_back(std::move(set));
			in->extra = static_cast<std::uint32_t>(impl_.text_sets.size());
		}
	}

	void CompileMatch(const Node &n, Instruction *in) {
		const Node &operand = Child(n, 0);
		const Node &pattern = Child(n, 1);
		if (pattern.kind != NodeKind::Literal || pattern.literal.kind != LiteralKind::String)
			ThrowMalformed();
		const StaticType t = TypeOf(operand);
		in->a = AddOperand(operand);  // resolves the column first: a missing column is the better message
		if (t != StaticType::Text && t != StaticType::Any && t != StaticType::UnknownString &&
		    t != StaticType::Null)
			throw Error(ErrorKind::TypeMismatch,
			            std::string("operator does not exist: ") + TypeName(operand) + " " + LikeOperatorText(n) +
			                " text",
			            AtPosition(n.position), "LIKE, ILIKE and regular expressions apply to text only.");
		in->negated = n.negated;
		if (n.kind == NodeKind::Like) {
			in->op = OpCode::Like;
			LikePattern like;
			if (!LikePattern::Compile(pattern.literal.s, n.escape, n.case_insensitive, &like))
				throw Error(ErrorKind::InvalidValue, "LIKE pattern must not end with escape character",
				            AtPosition(pattern.position));
			impl_.likes.push_back(std::move(like));
			in->extra = static_cast<std::uint32_t>(impl_.likes.size() - 1);
			return;
		}
		in->op = OpCode::Regex;
		std::string error;
		std::unique_ptr<RE2> re =
		    CompileConditionRegex(pattern.literal.s, n.case_insensitive, limits_.max_regex_memory, &error);
		if (!re)
			throw Error(ErrorKind::InvalidRegex,
			            "invalid regular expression at position " + std::to_string(pattern.position) + ": " + error);
		impl_.regexes.push_back(std::move(re));
		in->extra = static_cast<std::uint32_t>(impl_.regexes.size() - 1);
	}

	const Schema &schema_;
	const ConditionLimits &limits_;
	CompiledCondition::Impl &impl_;
};

} // namespace

CompiledCondition CompiledCondition::Compile(const Node &node, const Schema &schema, const ConditionLimits &limits) {
	auto impl = std::make_unique<Impl>();
	Compiler compiler(schema, limits, impl.get());
	impl->root = compiler.CompileBool(node, 0);
	std::vector<std::size_t> &used = impl->columns_used;
	std::sort(used.begin(), used.end());
	used.erase(std::unique(used.begin(), used.end()), used.end());
	return CompiledCondition(std::move(impl));
}

CompiledCondition::CompiledCondition(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
}
CompiledCondition::CompiledCondition(CompiledCondition &&) noexcept = default;
CompiledCondition &CompiledCondition::operator=(CompiledCondition &&) noexcept = default;
CompiledCondition::~CompiledCondition() = default;

const std::vector<std::size_t> &CompiledCondition::columns_used() const noexcept {
	return impl_->columns_used;
}

} // namespace leadscore::core
