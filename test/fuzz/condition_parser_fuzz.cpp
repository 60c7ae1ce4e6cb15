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

namespace {

[[noreturn]] void Fail(const char *what, std::string_view a, std::string_view b = {}) {
	std::fprintf(stderr, "PROPERTY FAILED: %s\n  [%.*s]\n  [%.*s]\n", what, static_cast<int>(a.size()), a.data(),
	             static_cast<int>(b.size()), b.data());
	std::abort();
}

// One column of every type; the corpus names them.
const Schema &FuzzSchema() {
	static const Schema *schema = new Schema{
	    {"b", ValueType::Bool},      {"i", ValueType::Int},       {"f", ValueType::Float},
	    {"t", ValueType::Text},      {"ts", ValueType::Timestamp}, {"a", ValueType::Any},
	    {"a2", ValueType::Any},      {"t2", ValueType::Text},
	};
	return *schema;
}

// A small deterministic generator seeded by the input, so a crash
// reproduces from its input alone.
struct Rng {
	std::uint64_t state;
	std::uint64_t Next() {
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		return state >> 33;
	}
	std::size_t Below(std::size_t n) {
		return static_cast<std::size_t>(Next() % n);
	}
};

std::uint64_t Hash(std::string_view s) {
	std::uint64_t h = 1469598103934665603ULL;
	for (char c : s)
		h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
	return h;
}

const std::string_view kTexts[] = {"",    "abc",  "/pricing/x", "true", "off", "150", " 1e3 ", "-0", "NaN",
                                   "2024-01-01", "2024-01-01 10:00:00+02", "ü", "\xff", "%", "_", "\\"};

Value MakeInt(Rng &rng) {
	const std::int64_t ints[] = {0, 1, -1, 30, 200, (std::int64_t{1} << 53) + 1,
	                             std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
	return Value::Int(ints[rng.Below(8)]);
}

Value MakeFloat(Rng &rng) {
	const double floats[] = {0.0, -0.0, 0.5, 1.5, 5e7, 1e308, std::nan(""), HUGE_VAL, -HUGE_VAL, 9007199254740992.0};
	return Value::Float(floats[rng.Below(10)]);
}

Value MakeText(Rng &rng, std::string_view input) {
	// Pieces of the input itself hit its own string literals.
	if (!input.empty() && rng.Below(2) == 0) {
		const std::size_t start = rng.Below(input.size());
		return Value::Text(input.substr(start, rng.Below(input.size() - start + 1)));
	}
	return Value::Text(kTexts[rng.Below(sizeof kTexts / sizeof kTexts[0])]);
}

Value MakeValue(ValueType type, Rng &rng, std::string_view input) {
	if (rng.Below(5) == 0)
		return Value::Null();
	if (type == ValueType::Any)
		type = static_cast<ValueType>(1 + rng.Below(5));  // Bool .. Timestamp
	switch (type) {
	case ValueType::Bool:
		return Value::Bool(rng.Below(2) == 1);
	case ValueType::Int:
		return MakeInt(rng);
	case ValueType::Float:
		return MakeFloat(rng);
	case ValueType::Text:
		return MakeText(rng, input);
	case ValueType::Timestamp: {
		const std::int64_t ts[] = {0, 1704067200000000, -62135596800000000, std::numeric_limits<std::int64_t>::max()};
		return Value::Timestamp(ts[rng.Below(4)]);
	}
	default:
		return Value::Null();
	}
}

Tri Negated(Tri t) {
	return t == Tri::Unknown ? t : (t == Tri::True ? Tri::False : Tri::True);
}

// Compiles, or returns nullptr and the error message.
std::unique_ptr<CompiledCondition> TryCompile(const Node &node, const ConditionLimits &limits, std::string *error) {
	try {
		return std::make_unique<CompiledCondition>(CompiledCondition::Compile(node, FuzzSchema(), limits));
	} catch (const Error &e) {
		*error = e.what();
		return nullptr;
	}
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
	std::unique_ptr<CompiledCondition> c1 = TryCompile(*tree, limits, &error1);
	std::unique_ptr<CompiledCondition> c2 = TryCompile(*again, limits, &error2);
	if (!c1 || !c2) {
		if (c1 || c2 || error1 != error2)
			Fail("the normalized text compiles differently", error1, error2);
		return 0;
	}

	auto negated = std::make_unique<Node>();
	negated->kind = NodeKind::Not;
	negated->children.push_back(std::move(again));
	std::string error3;
	std::unique_ptr<CompiledCondition> c3 = TryCompile(*negated, limits, &error3);
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
