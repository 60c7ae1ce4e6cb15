// CompiledExpression::Evaluate: the value of an expression on one row.
//
// Runs per inserted CRM row, so it allocates nothing and never throws.  The
// recursion is bounded by the compiler's depth check.  A division by zero or
// a non-finite value ends the evaluation where it arises: like an error in
// SQL, no coalesce or least rescues it.
#include "core/condition/expression_program.hpp"

#include <cmath>

namespace leadscore::core {

namespace {

ExpressionResult Finite(double v) {
	if (!std::isfinite(v))
		return {ExpressionStatus::NonFinite, 0};
	return {ExpressionStatus::Finite, v};
}

ExpressionResult Null() {
	return {ExpressionStatus::Null, 0};
}

// A column's value as a number: integers and floats are; anything else (a
// jsonb string or boolean, SQL NULL) is NULL.
ExpressionResult Read(const Value *row, std::size_t n_columns, std::size_t column) {
	if (row == nullptr || column >= n_columns)
		return Null();
	const Value &v = row[column];
	if (v.type == ValueType::Int)
		return Finite(static_cast<double>(v.i));
	if (v.type == ValueType::Float)
		return Finite(v.f);
	return Null();
}

ExpressionResult Arith(ExprOp op, double x, double y) {
	switch (op) {
	case ExprOp::Add:
		return Finite(x + y);
	case ExprOp::Sub:
		return Finite(x - y);
	case ExprOp::Mul:
		return Finite(x * y);
	default:
		if (y == 0)
			return {ExpressionStatus::DivisionByZero, 0};
		return Finite(x / y);
	}
}

} // namespace

ExpressionResult CompiledExpression::Impl::Eval(std::uint32_t index, const Value *row,
                                                std::size_t n_columns) const noexcept {
	const ExprInstruction &in = code[index];
	switch (in.op) {
	case ExprOp::Constant:
		return in.is_null ? Null() : Finite(in.constant);
	case ExprOp::Column:
		return Read(row, n_columns, in.column);
	case ExprOp::Add:
	case ExprOp::Sub:
	case ExprOp::Mul:
	case ExprOp::Div: {
		// An error inside the right operand ends the evaluation even when
		// the left is NULL, as SQL evaluates both; NULL / 0 itself is NULL,
		// as a strict operator is not called on a NULL.
		const ExpressionResult x = Eval(in.a, row, n_columns);
		if (x.status != ExpressionStatus::Finite && x.status != ExpressionStatus::Null)
			return x;
		const ExpressionResult y = Eval(in.b, row, n_columns);
		if (y.status != ExpressionStatus::Finite)
			return y;
		if (x.status == ExpressionStatus::Null)
			return x;
		return Arith(in.op, x.value, y.value);
	}
	case ExprOp::Negate:
	case ExprOp::Abs: {
		const ExpressionResult x = Eval(in.a, row, n_columns);
		if (!x.finite())
			return x;
		return Finite(in.op == ExprOp::Negate ? -x.value : std::fabs(x.value));
	}
	case ExprOp::Least:
	case ExprOp::Greatest: {
		ExpressionResult best = Null();
		for (std::uint32_t k = in.first; k < in.first + in.count; k++) {
			const ExpressionResult x = Eval(args[k], row, n_columns);
			if (x.status == ExpressionStatus::Null)
				continue;
			if (!x.finite())
				return x;
			if (!best.finite() || (in.op == ExprOp::Least ? x.value < best.value : x.value > best.value))
				best = x;
		}
		return best;
	}
	case ExprOp::Coalesce:
		for (std::uint32_t k = in.first; k < in.first + in.count; k++) {
			const ExpressionResult x = Eval(args[k], row, n_columns);
			if (x.status != ExpressionStatus::Null)
				return x;
		}
		return Null();
	}
	return Null();
}

ExpressionResult CompiledExpression::Evaluate(const Value *row, std::size_t n_columns) const noexcept {
	if (!impl_ || impl_->code.empty())
		return Null();
	return impl_->Eval(impl_->root, row, n_columns);
}

} // namespace leadscore::core
