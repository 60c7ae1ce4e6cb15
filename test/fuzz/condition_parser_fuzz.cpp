// libFuzzer target for the condition language: parse, normalize, compile,
// evaluate arbitrary bytes.  See test/fuzz/README.md for how to run it.
//
// A core::Error is a correct answer to bad input.  Anything else is a bug:
// a crash, a sanitizer report, another exception, or one of the properties
// below failing (reported with abort()):
//   * the normalized text parses, and normalizes to itself;
//   * the normalized condition compiles exactly when the original does
//     (same error message), and evaluates to the same result on every row;
//   * NOT (condition) evaluates to the negation.
#include "core/condition/condition.hpp"
#include "core/base/error.hpp"
#include "fuzz_rows.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace leadscore::core;
using namespace leadscore::core::fuzz;

namespace {

Tri Negated(Tri t) {
	return t == Tri::Unknown ? t : (t == Tri::True ? Tri::False : Tri::True);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
	const std::string_view text(reinterpret_cast<const char *>(data), size);
	ConditionLimits limits;
	limits.max_length = 4096;
	limits.max_depth = 40;
	limits.max_nodes = 500;
	limits.max_regex_memory = 256 << 10;

	std::unique_ptr<Node> tree;
	try {
		tree = ParseCondition(text, limits);
	} catch (const Error &) {
		return 0;
	}

	// Normalizing adds blanks and quotes, so the text may grow past the
	// length limit; depth and node count never grow.
	const std::string normalized = Normalize(*tree);
	ConditionLimits relaxed = limits;
	relaxed.max_length = std::numeric_limits<std::size_t>::max();
	std::unique_ptr<Node> again;
	try {
		again = ParseCondition(normalized, relaxed);
	} catch (const Error &e) {
		Fail("the normalized text does not parse", normalized, e.what());
	}
	if (Normalize(*again) != normalized)
		Fail("Normalize is not a fixed point", normalized, Normalize(*again));

	std::string error1, error2;
	std::unique_ptr<CompiledCondition> c1 = TryCompile<CompiledCondition>(*tree, limits, &error1);
	std::unique_ptr<CompiledCondition> c2 = TryCompile<CompiledCondition>(*again, limits, &error2);
	if (!c1 || !c2) {
		if (c1 || c2 || error1 != error2)
			Fail("the normalized text compiles differently", error1, error2);
		return 0;
	}

	auto negated = std::make_unique<Node>();
	negated->kind = NodeKind::Not;
	negated->children.push_back(std::move(again));
	std::string error3;
	std::unique_ptr<CompiledCondition> c3 = TryCompile<CompiledCondition>(*negated, limits, &error3);
	if (!c3)
		Fail("NOT (condition) does not compile", normalized, error3);

	const Schema &schema = FuzzSchema();
	Rng rng{Hash(text)};
	std::vector<Value> row(schema.size());
	for (int r = 0; r < 8; r++) {
		for (std::size_t k = 0; k < schema.size(); k++)
			row[k] = MakeValue(schema[k].type, rng, text);
		// Sometimes a short row: missing columns read as NULL.
		const std::size_t n = r == 7 ? rng.Below(schema.size()) : schema.size();
		const Tri t1 = c1->Evaluate(row.data(), n);
		const Tri t2 = c2->Evaluate(row.data(), n);
		if (t1 != t2)
			Fail("the normalized condition evaluates differently", text, normalized);
		if (c3->Evaluate(row.data(), n) != Negated(t1))
			Fail("NOT (condition) is not the negation", text, normalized);
	}
	return 0;
}
