// The compiled form of a condition, shared by the compiler
// (condition_compile.cpp) and the evaluator (condition_eval.cpp).
//
// The tree becomes a flat vector of instructions that refer to their
// children, operands, patterns and regexes by index: evaluation walks it with
// a switch, allocates nothing, and every string it compares against lives in
// the Impl (whose address is stable: CompiledCondition moves its pointer).
#pragma once

#include "core/condition/condition.hpp"
#include "core/condition/like_match.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

enum class OpCode : std::uint8_t {
	And,     // children: child_list[first, first + count)
	Or,      // likewise
	Not,     // child: instruction a
	Compare, // compare operands a and b with `compare`
	In,      // operand a against operands[first, first + count)
	Like,    // operand a against likes[extra]
	Regex,   // operand a against regexes[extra]
	IsNull,  // operand a
	Truth,   // operand a as a boolean (a bare column or TRUE / FALSE / NULL)
};

constexpr std::size_t kConstant = static_cast<std::size_t>(-1);

// A column of the row or a constant.
struct Operand {
	std::size_t column = kConstant;
	Value constant;  // when column == kConstant; text points into Impl::strings
	// A string constant read ahead as the types an Any column's value may
	// have, so that evaluation does not parse it per row; Null where the
	// string is no such value.
	Value as_number, as_bool, as_timestamp;
};

struct Instruction {
	OpCode op = OpCode::Truth;
	CompareOp compare = CompareOp::Eq;
	bool negated = false;
	bool has_null = false;  // In: the list holds a NULL
	std::uint32_t a = 0, b = 0;
	std::uint32_t first = 0, count = 0;
	// Like: pattern index; Regex: regex index; In: 1 + index of a sorted
	// text set to search instead of the list, or 0 for none.
	std::uint32_t extra = 0;
};

// Error(UndefinedColumn) for `column`, which the `source` ("condition",
// "expression") names but `schema` lacks; the hint lists a short schema.
[[noreturn]] void ThrowUndefinedColumn(const Node &column, const Schema &schema, const char *source);

struct CompiledCondition::Impl {
	std::vector<Instruction> code;
	std::uint32_t root = 0;
	std::vector<std::uint32_t> child_list;
	std::vector<Operand> operands;
	std::deque<std::string> strings;  // a deque: growing it moves no string
	std::vector<LikePattern> likes;
	std::vector<std::unique_ptr<RE2>> regexes;
	std::vector<std::vector<std::string_view>> text_sets;
	std::vector<std::size_t> columns_used;

	Tri Eval(std::uint32_t index, const Value *row, std::size_t n_columns) const noexcept;
};

} // namespace leadscore::core
