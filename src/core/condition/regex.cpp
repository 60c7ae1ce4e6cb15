// CompileConditionRegex: RE2 with the options that make it behave like
// PostgreSQL's `~` where the two can agree (see condition_regex.hpp).
#include "core/condition/regex.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace leadscore::core {

std::unique_ptr<RE2> CompileConditionRegex(std::string_view pattern, bool case_insensitive,
                                           std::size_t max_memory, std::string *error) {
	RE2::Options options;
	// RE2 would otherwise write every bad pattern to stderr, i.e. into the
	// server log.
	options.set_log_errors(false);
	options.set_max_mem(static_cast<std::int64_t>(
	    std::min<std::size_t>(max_memory, static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max()))));
	options.set_case_sensitive(!case_insensitive);
	options.set_dot_nl(true);
	// Conditions only ask whether a pattern matches.
	options.set_never_capture(true);
	auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
	if (!re->ok()) {
		*error = re->error();
		return nullptr;
	}
	return re;
}

} // namespace leadscore::core
