// What the fuzz targets share: a schema with one column of every type, a
// generator seeded by the input (a crash reproduces from its input alone),
// rows of values built from it and from pieces of the input, compiling
// against that schema, and how a failed property is reported.
#pragma once

#include "core/base/error.hpp"
#include "core/condition/condition.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace leadscore::core::fuzz {

[[noreturn]] inline void Fail(const char *what, std::string_view a, std::string_view b = {}) {
	std::fprintf(stderr, "PROPERTY FAILED: %s\n  [%.*s]\n  [%.*s]\n", what, static_cast<int>(a.size()), a.data(),
	             static_cast<int>(b.size()), b.data());
	std::abort();
}

// One column of every type; the corpus names them.
inline const Schema &FuzzSchema() {
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

inline std::uint64_t Hash(std::string_view s) {
	std::uint64_t h = 1469598103934665603ULL;
	for (char c : s)
		h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
	return h;
}

inline const std::string_view kTexts[] = {"",    "abc",  "/pricing/x", "true", "off", "150", " 1e3 ", "-0", "NaN",
                                   "2024-01-01", "2024-01-01 10:00:00+02", "ü", "\xff", "%", "_", "\\"};

inline Value MakeInt(Rng &rng) {
	const std::int64_t ints[] = {0, 1, -1, 30, 200, (std::int64_t{1} << 53) + 1,
	                             std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
	return Value::Int(ints[rng.Below(8)]);
}

inline Value MakeFloat(Rng &rng) {
	const double floats[] = {0.0, -0.0, 0.5, 1.5, 5e7, 1e308, std::nan(""), HUGE_VAL, -HUGE_VAL, 9007199254740992.0};
	return Value::Float(floats[rng.Below(10)]);
}

inline Value MakeText(Rng &rng, std::string_view input) {
	// Pieces of the input itself hit its own string literals.
	if (!input.empty() && rng.Below(2) == 0) {
		const std::size_t start = rng.Below(input.size());
		return Value::Text(input.substr(start, rng.Below(input.size() - start + 1)));
	}
	return Value::Text(kTexts[rng.Below(sizeof kTexts / sizeof kTexts[0])]);
}

inline Value MakeValue(ValueType type, Rng &rng, std::string_view input) {
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

// Compiles `node` against FuzzSchema() as a Compiled (CompiledCondition or
// CompiledExpression), or returns nullptr and the error message.
template <typename Compiled>
std::unique_ptr<Compiled> TryCompile(const Node &node, const ConditionLimits &limits, std::string *error) {
	try {
		return std::make_unique<Compiled>(Compiled::Compile(node, FuzzSchema(), limits));
	} catch (const Error &e) {
		*error = e.what();
		return nullptr;
	}
}

} // namespace leadscore::core::fuzz
