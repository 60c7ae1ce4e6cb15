// CompiledCondition::Evaluate: SQL's three-valued logic over one row.
//
// Runs per inserted CRM row, so it allocates nothing and never throws: a
// value that cannot be compared (a jsonb string that is no number, say)
// makes the predicate unknown, as a NULL would.
//
// Semantics worth knowing:
//  * integers and floats compare exactly, also past 2^53;
//  * NaN equals NaN and sorts above every other number (PostgreSQL's rule);
//  * text compares byte by byte, i.e. in the C collation; PostgreSQL would
//    use the column's collation for < and >;
//  * a text value meeting a number, boolean or timestamp is read as one (for
//    Any columns); if it does not read, the predicate is unknown.
#include "core/condition/program.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {

namespace {

Tri FromBool(bool b) {
	return b ? Tri::True : Tri::False;
}

Tri Negate(Tri t) {
	return t == Tri::Unknown ? Tri::Unknown : FromBool(t == Tri::False);
}

template <typename T>
int Order(T a, T b) {
	return a < b ? -1 : (b < a ? 1 : 0);
}

bool IsNumber(ValueType t) {
	return t == ValueType::Int || t == ValueType::Float;
}

int CompareFloats(double a, double b) {
	if (std::isnan(a))
		return std::isnan(b) ? 0 : 1;
	if (std::isnan(b))
		return -1;
	return Order(a, b);
}

// Exact: converting the integer to double would round it past 2^53.
int CompareIntFloat(std::int64_t i, double d) {
	if (std::isnan(d))
		return -1;
	constexpr double kTwo63 = 9223372036854775808.0;
	if (d >= kTwo63)
		return -1;
	if (d < -kTwo63)
		return 1;
	// Now d's integer part fits in int64 exactly.
	const double whole = std::trunc(d);
	const auto w = static_cast<std::int64_t>(whole);
	if (i != w)
		return Order(i, w);
	return Order(0.0, d - whole);
}

int CompareNumbers(const Value &a, const Value &b) {
	if (a.type == ValueType::Int && b.type == ValueType::Int)
		return Order(a.i, b.i);
	if (a.type == ValueType::Float && b.type == ValueType::Float)
		return CompareFloats(a.f, b.f);
	if (a.type == ValueType::Int)
		return CompareIntFloat(a.i, b.f);
	return -CompareIntFloat(b.i, a.f);
}

// Reads text as `type` (number, boolean or timestamp).
bool ReadTextAs(std::string_view text, ValueType type, Value *out) {
	if (IsNumber(type))
		return ParseNumberText(text, out);
	if (type == ValueType::Bool) {
		bool b;
		if (!ParseBoolText(text, &b))
			return false;
		*out = Value::Bool(b);
		return true;
	}
	if (type == ValueType::Timestamp) {
		std::int64_t ts;
		if (!ParseTimestampLiteral(text, &ts))
			return false;
		*out = Value::Timestamp(ts);
		return true;
	}
	return false;
}

// Orders two non-null values into *cmp, or returns false if they cannot be
// compared.
bool CompareValues(const Value &a, const Value &b, int *cmp) {
	if (IsNumber(a.type) && IsNumber(b.type)) {
		*cmp = CompareNumbers(a, b);
		return true;
	}
	if (a.type == b.type) {
		switch (a.type) {
		case ValueType::Text:
			// char_traits<char>::compare orders as unsigned bytes, like memcmp.
			*cmp = Order(a.text.compare(b.text), 0);
			return true;
		case ValueType::Bool:
			*cmp = Order(a.b, b.b);
			return true;
		case ValueType::Timestamp:
			*cmp = Order(a.ts, b.ts);
			return true;
		default:
			return false;
		}
	}
	Value read;
	if (a.type == ValueType::Text && b.type != ValueType::Text && ReadTextAs(a.text, b.type, &read))
		return CompareValues(read, b, cmp);
	if (b.type == ValueType::Text && a.type != ValueType::Text && ReadTextAs(b.text, a.type, &read))
		return CompareValues(a, read, cmp);
	return false;
}

bool Satisfies(CompareOp op, int cmp) {
	switch (op) {
	case CompareOp::Eq:
		return cmp == 0;
	case CompareOp::Ne:
		return cmp != 0;
	case CompareOp::Lt:
		return cmp < 0;
	case CompareOp::Le:
		return cmp <= 0;
	case CompareOp::Gt:
		return cmp > 0;
	case CompareOp::Ge:
		return cmp >= 0;
	}
	return false;
}

Value Load(const Operand &op, const Value *row, std::size_t n_columns) {
	if (op.column == kConstant)
		return op.constant;
	if (row == nullptr || op.column >= n_columns)
		return Value::Null();
	return row[op.column];
}

// A string constant facing a number, boolean or timestamp: the reading the
// compiler prepared, so the constant is not parsed per row.
Value Prepared(const Operand &op, const Value &v, ValueType other) {
	if (op.column != kConstant || v.type != ValueType::Text)
		return v;
	if (IsNumber(other))
		return op.as_number;
	if (other == ValueType::Bool)
		return op.as_bool;
	if (other == ValueType::Timestamp)
		return op.as_timestamp;
	return v;
}

// Compares operand values x (of a) and y (of b); Unknown if either is NULL
// or they cannot be compared.
Tri CompareOperands(const Operand &a, Value x, const Operand &b, Value y, CompareOp op) {
	if (x.is_null() || y.is_null())
		return Tri::Unknown;
	const ValueType xt = x.type;
	x = Prepared(a, x, y.type);
	y = Prepared(b, y, xt);
	int cmp;
	if (x.is_null() || y.is_null() || !CompareValues(x, y, &cmp))
		return Tri::Unknown;
	return FromBool(Satisfies(op, cmp));
}

} // namespace

Tri CompiledCondition::Impl::Eval(std::uint32_t index, const Value *row, std::size_t n_columns) const noexcept {
	const Instruction &in = code[index];
	switch (in.op) {
	case OpCode::And:
	case OpCode::Or: {
		// AND: one False decides; OR: one True decides; else any Unknown
		// makes the result Unknown.
		const Tri decisive = in.op == OpCode::And ? Tri::False : Tri::True;
		bool unknown = false;
		for (std::uint32_t k = in.first; k < in.first + in.count; k++) {
			const Tri t = Eval(child_list[k], row, n_columns);
			if (t == decisive)
				return decisive;
			unknown = unknown || t == Tri::Unknown;
		}
		return unknown ? Tri::Unknown : Negate(decisive);
	}
	case OpCode::Not:
		return Negate(Eval(in.a, row, n_columns));
	case OpCode::Compare: {
		const Operand &a = operands[in.a], &b = operands[in.b];
		return CompareOperands(a, Load(a, row, n_columns), b, Load(b, row, n_columns), in.compare);
	}
	case OpCode::In: {
		const Operand &a = operands[in.a];
		const Value x = Load(a, row, n_columns);
		if (x.is_null())
			return Tri::Unknown;
		bool found = false, unknown = in.has_null;
		if (in.extra > 0 && x.type == ValueType::Text) {
			const std::vector<std::string_view> &set = text_sets[in.extra - 1];
			found = std::binary_search(set.begin(), set.end(), x.text);
		} else {
			for (std::uint32_t k = in.first; k < in.first + in.count && !found; k++) {
				const Tri t = CompareOperands(a, x, operands[k], operands[k].constant, CompareOp::Eq);
				found = t == Tri::True;
				unknown = unknown || t == Tri::Unknown;
			}
		}
		if (found)
			return FromBool(!in.negated);
		return unknown ? Tri::Unknown : FromBool(in.negated);
	}
	case OpCode::Like:
	case OpCode::Regex: {
		const Value x = Load(operands[in.a], row, n_columns);
		if (x.type != ValueType::Text)
			return Tri::Unknown;
		const bool match = in.op == OpCode::Like
		                       ? likes[in.extra].Matches(x.text)
		                       : RE2::PartialMatch(re2::StringPiece(x.text.data(), x.text.size()), *regexes[in.extra]);
		return FromBool(match != in.negated);
	}
	case OpCode::IsNull:
		return FromBool(Load(operands[in.a], row, n_columns).is_null() != in.negated);
	case OpCode::Truth: {
		const Value x = Load(operands[in.a], row, n_columns);
		bool b;
		if (x.type == ValueType::Bool)
			return FromBool(x.b);
		if (x.type == ValueType::Text && ParseBoolText(x.text, &b))
			return FromBool(b);
		return Tri::Unknown;
	}
	}
	return Tri::Unknown;
}

Tri CompiledCondition::Evaluate(const Value *row, std::size_t n_columns) const noexcept {
	if (!impl_ || impl_->code.empty())
		return Tri::Unknown;
	return impl_->Eval(impl_->root, row, n_columns);
}

} // namespace leadscore::core
