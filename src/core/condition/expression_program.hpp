// The compiled form of a numeric expression, shared by its compiler
// (expression_compile.cpp) and its evaluator (expression_eval.cpp): a flat
// vector of instructions referring to their operands by index, like a
// condition's (program.hpp).
#pragma once

#include "core/condition/expression.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::core {

enum class ExprOp : std::uint8_t {
	Constant,  // `constant`, or NULL when `is_null`
	Column,    // row[column] read as a number
	Add,       // instructions a and b
	Sub,
	Mul,
	Div,
	Negate,    // instruction a
	Abs,       // instruction a
	Least,     // instructions args[first, first + count)
	Greatest,  // likewise
	Coalesce,  // likewise
};

struct ExprInstruction {
	ExprOp op = ExprOp::Constant;
	bool is_null = false;
	double constant = 0;
	std::size_t column = 0;
	std::uint32_t a = 0, b = 0;
	std::uint32_t first = 0, count = 0;
};

struct CompiledExpression::Impl {
	std::vector<ExprInstruction> code;
	std::uint32_t root = 0;
	std::vector<std::uint32_t> args;
	std::vector<std::size_t> columns_used;

	ExpressionResult Eval(std::uint32_t index, const Value *row, std::size_t n_columns) const noexcept;
};

} // namespace leadscore::core
