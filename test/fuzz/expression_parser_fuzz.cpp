// libFuzzer target for points expressions: parse, normalize, compile,
// evaluate arbitrary bytes.  See test/fuzz/README.md for how to run it.
//
// A core::Error is a correct answer to bad input.  Anything else is a bug:
// a crash, a sanitizer report, another exception, or one of the properties
// below failing (reported with abort()):
//   * the normalized text parses, and normalizes to itself;
//   * the normalized expression compiles exactly when the original does
//     (same error message), and evaluates to the same result on every row;
//   * -(expression) evaluates to the negated value, with the same status.
#include "core/base/error.hpp"
#include "core/condition/expression.hpp"
#include "fuzz_rows.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace leadscore::core;
using namespace leadscore::core::fuzz;

namespace {

bool Same(const ExpressionResult &a, const ExpressionResult &b) {
	return a.status == b.status && std::memcmp(&a.value, &b.value, sizeof a.value) == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	ConditionLimits limits;
	limits.max_length = 4096;
	limits.max_depth = 40;
	limits.max_nodes = 500;

	std::unique_ptr<Node> tree;
	try {
		tree = ParseExpression(text, limits);
	} catch (const Error &) {
		return 0;
	}
	const std::string normalized = Normalize(*tree);
	ConditionLimits relaxed = limits;
	relaxed.max_length = std::numeric_limits<std::size_t>::max();
	// The negation below adds a level.
	relaxed.max_depth = limits.max_depth + 1;
	std::unique_ptr<Node> again;
	try {
		again = ParseExpression(normalized, relaxed);
	} catch (const Error &e) {
		Fail("the normalized text does not parse", normalized, e.what());
	}
	if (Normalize(*again) != normalized)
		Fail("Normalize is not a fixed point", normalized, Normalize(*again));

	std::string error1, error2;
	std::unique_ptr<CompiledExpression> c1 = TryCompile<CompiledExpression>(*tree, limits, &error1);
	std::unique_ptr<CompiledExpression> c2 = TryCompile<CompiledExpression>(*again, limits, &error2);
	if (!c1 || !c2) {
		if (c1 || c2 || error1 != error2)
			Fail("the normalized text compiles differently", error1, error2);
		return 0;
	}
	auto negated = std::make_unique<Node>();
	negated->kind = NodeKind::Negate;
	negated->children.push_back(std::move(again));
	std::string error3;
	std::unique_ptr<CompiledExpression> c3 = TryCompile<CompiledExpression>(*negated, relaxed, &error3);
	if (!c3)
		Fail("-(expression) does not compile", normalized, error3);

	const Schema &schema = FuzzSchema();
	Rng rng{Hash(text)};
	std::vector<Value> row(schema.size());
	for (int r = 0; r < 8; r++) {
		for (std::size_t k = 0; k < schema.size(); k++)
			row[k] = MakeValue(schema[k].type, rng, text);
		const std::size_t n = r == 7 ? rng.Below(schema.size()) : schema.size();
		const ExpressionResult e1 = c1->Evaluate(row.data(), n);
		if (!Same(e1, c2->Evaluate(row.data(), n)))
			Fail("the normalized expression evaluates differently", text, normalized);
		ExpressionResult want = e1;
		want.value = e1.finite() ? -e1.value : e1.value;
		if (!Same(c3->Evaluate(row.data(), n), want))
			Fail("-(expression) is not the negation", text, normalized);
	}
	return 0;
}
