// Numeric expressions over a row: the points of a rule given as a value
// (`least(amount / 1000, 50)`).  The condition language's columns and
// numbers, extended with + - * /, unary minus and the functions least,
// greatest, abs and coalesce:
//
//   expression := term { ('+' | '-') term }
//   term       := unary { ('*' | '/') unary }
//   unary      := '-' unary | primary
//   primary    := number | NULL | column | '(' expression ')'
//               | function '(' expression { ',' expression } ')'
//
// Arithmetic is in double precision, also on integer columns (7 / 2 is 3.5,
// not SQL's 3).  NULL follows SQL: an operand of + - * / or abs that is NULL
// makes the result NULL; least and greatest skip NULLs and are NULL only when
// every argument is; coalesce takes its first non-NULL argument and evaluates
// no further.  A division by zero or a NaN or infinite value anywhere (a
// column holding one, or an overflow) ends the evaluation: the expression has
// no value, which the caller scores as nothing.
//
// The tree is a condition.hpp Node, so Normalize() and ColumnNames() apply.
#pragma once

#include "core/condition/condition.hpp"

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace leadscore::core {

// Parses `text`, with the errors of ParseCondition: Error(Syntax) "syntax
// error at position N: expected ...", Error(TooComplex) past a limit (depth
// counts operators, parentheses and calls), Error(OutOfRange) for a number
// past double's range.  Strings, booleans, comparisons and AND / OR / NOT are
// syntax errors: an expression is a number.
std::unique_ptr<Node> ParseExpression(std::string_view text, const ConditionLimits &limits = {});

enum class ExpressionStatus : std::uint8_t {
	Finite,          // `value` holds the result
	Null,            // a NULL no coalesce replaced
	DivisionByZero,
	NonFinite,       // NaN or infinity, read from a column or reached by overflow
};

struct ExpressionResult {
	ExpressionStatus status = ExpressionStatus::Null;
	double value = 0;  // 0 unless status is Finite

	bool finite() const noexcept {
		return status == ExpressionStatus::Finite;
	}
};

// An expression bound to a schema, ready to evaluate many rows.
class CompiledExpression {
public:
	// Throws Error(UndefinedColumn) naming the column, Error(TypeMismatch)
	// for a text, boolean or timestamp column.  Integer and float columns
	// are numbers; an Any (jsonb) column is one when its value is a number,
	// else NULL, row by row.
	static CompiledExpression Compile(const Node &node, const Schema &schema, const ConditionLimits &limits = {});

	CompiledExpression(CompiledExpression &&) noexcept;
	CompiledExpression &operator=(CompiledExpression &&) noexcept;
	~CompiledExpression();

	// `row` has one value per schema column, in schema order; columns at or
	// past `n_columns` read as NULL.  Never throws, allocates nothing.
	ExpressionResult Evaluate(const Value *row, std::size_t n_columns) const noexcept;

	// Schema positions this expression reads (sorted, unique).
	const std::vector<std::size_t> &columns_used() const noexcept;

	struct Impl;

private:
	explicit CompiledExpression(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace leadscore::core
