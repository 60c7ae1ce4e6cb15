// A typed value of one column of a row: what the condition evaluator reads.
// Timestamps are microseconds since 1970-01-01 00:00:00 UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leadscore::core {

enum class ValueType : std::uint8_t {
	Null,
	Bool,
	Int,
	Float,
	Text,
	Timestamp,
	// Only as a column type: the type is known per row, not per column (jsonb
	// attributes).  Comparisons coerce at run time; what cannot be coerced is
	// unknown (SQL NULL), never an error.
	Any,
};

// "boolean", "integer", "float", "text", "timestamp", "any", "null": for
// messages.
const char *ValueTypeName(ValueType type) noexcept;

// A non-owning view of one value; text points into memory the caller keeps
// alive for the duration of the evaluation.
struct Value {
	ValueType type = ValueType::Null;
	union {
		bool b;
		std::int64_t i;
		double f;
		std::int64_t ts;
	};
	std::string_view text;

	Value() : i(0) {
	}
	static Value Null() {
		return Value();
	}
	static Value Bool(bool v) {
		Value x;
		x.type = ValueType::Bool;
		x.b = v;
		return x;
	}
	static Value Int(std::int64_t v) {
		Value x;
		x.type = ValueType::Int;
		x.i = v;
		return x;
	}
	static Value Float(double v) {
		Value x;
		x.type = ValueType::Float;
		x.f = v;
		return x;
	}
	static Value Text(std::string_view v) {
		Value x;
		x.type = ValueType::Text;
		x.text = v;
		return x;
	}
	static Value Timestamp(std::int64_t micros) {
		Value x;
		x.type = ValueType::Timestamp;
		x.ts = micros;
		return x;
	}
	bool is_null() const noexcept {
		return type == ValueType::Null;
	}
};

// Text read as a number, the way a comparison of a text value with a number
// reads it: surrounding blanks, an optional sign, then an integer (Int when it
// fits in int64, else Float) or a decimal, exponent, NaN or Infinity (Float).
// Locale-independent.  Returns false (and leaves *out alone) if it is not one.
bool ParseNumberText(std::string_view text, Value *out) noexcept;

// Text read as a boolean as PostgreSQL's boolin reads it: surrounding blanks,
// any case, true/false, yes/no, on/off, 1/0 and their unique prefixes.
bool ParseBoolText(std::string_view text, bool *out) noexcept;

} // namespace leadscore::core
