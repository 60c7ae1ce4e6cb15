// A float8 in a message as PostgreSQL prints it: shortest round-trip
// digits, and NaN / Infinity spelled as float8out spells them.
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace leadscore::core {

inline std::string Float8Text(double x) {
	if (std::isnan(x))
		return "NaN";
	if (std::isinf(x))
		return x > 0 ? "Infinity" : "-Infinity";
	char buf[32];
	auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
	return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

} // namespace leadscore::core
