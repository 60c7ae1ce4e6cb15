// Names of value types, and the text readings a comparison applies when a
// text value meets a number or a boolean.
#include "core/base/value.hpp"

#include <charconv>
#include <system_error>

namespace leadscore::core {

const char *ValueTypeName(ValueType type) noexcept {
	switch (type) {
	case ValueType::Null:
		return "null";
	case ValueType::Bool:
		return "boolean";
	case ValueType::Int:
		return "integer";
	case ValueType::Float:
		return "float";
	case ValueType::Text:
		return "text";
	case ValueType::Timestamp:
		return "timestamp";
	case ValueType::Any:
		return "any";
	}
	return "unknown";
}

namespace {

bool IsBlank(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
	while (!s.empty() && IsBlank(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && IsBlank(s.back()))
		s.remove_suffix(1);
	return s;
}

bool AllDigits(std::string_view s) {
	if (s.empty())
		return false;
	for (char c : s)
		if (c < '0' || c > '9')
			return false;
	return true;
}

char Lower(char c) {
	return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `s` is a non-empty prefix of `word`, ignoring case, and at least
// `min` characters long.
bool IsPrefixOf(std::string_view s, std::string_view word, std::size_t min) {
	if (s.size() < min || s.size() > word.size())
		return false;
	for (std::size_t k = 0; k < s.size(); k++)
		if (Lower(s[k]) != word[k])
			return false;
	return true;
}

} // namespace

bool ParseNumberText(std::string_view text, Value *out) noexcept {
	std::string_view s = Trim(text);
	// std::from_chars takes '-' but not '+'; "+-1" stays invalid.
	if (!s.empty() && s.front() == '+') {
		s.remove_prefix(1);
		if (!s.empty() && s.front() == '-')
			return false;
	}
	if (s.empty())
		return false;
	const char *first = s.data();
	const char *last = s.data() + s.size();

	std::string_view digits = s.front() == '-' ? s.substr(1) : s;
	if (AllDigits(digits)) {
		std::int64_t i = 0;
		auto [end, ec] = std::from_chars(first, last, i);
		if (ec == std::errc() && end == last) {
			*out = Value::Int(i);
			return true;
		}
		// Too big for int64: read it as a float below, as PostgreSQL reads
		// a too-long integer as numeric.
	}
	double f = 0;
	auto [end, ec] = std::from_chars(first, last, f, std::chars_format::general);
	if (ec != std::errc() || end != last)
		return false;
	*out = Value::Float(f);
	return true;
}

bool ParseBoolText(std::string_view text, bool *out) noexcept {
	std::string_view s = Trim(text);
	if (s.empty())
		return false;
	// "o" alone is ambiguous between "on" and "off", hence the minimum of 2.
	if (IsPrefixOf(s, "true", 1) || IsPrefixOf(s, "yes", 1) || IsPrefixOf(s, "on", 2) || s == "1") {
		*out = true;
		return true;
	}
	if (IsPrefixOf(s, "false", 1) || IsPrefixOf(s, "no", 1) || IsPrefixOf(s, "off", 2) || s == "0") {
		*out = false;
		return true;
	}
	return false;
}

} // namespace leadscore::core
