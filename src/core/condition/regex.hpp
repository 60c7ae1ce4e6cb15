// How conditions compile `~` and `~*` patterns: through RE2, once when a
// condition is parsed (to reject a bad pattern when the rule is added) and
// once when it is compiled (to keep the RE2 object for evaluation).
//
// RE2 runs in time linear in the text and refuses what it cannot do in
// linear time, so no pattern, however hostile, can hang a backend.  Its
// syntax is close to PostgreSQL's (Perl-like) but not equal:
//   * no backreferences (\1) and no lookahead/lookbehind ((?=, (?!, (?<=);
//   * no PostgreSQL-specific word bounds \m, \M, \y, \Y, [[:<:]], [[:>:]]
//     (use \b), no \Z (use \z), and no embedded options other than
//     (?i), (?m), (?s), (?U);
//   * no ***: director or ARE/BRE/ERE mode switches;
//   * as in PostgreSQL, `.` matches a newline and ^ / $ anchor at the
//     ends of the text (RE2's dot_nl is set to match);
//   * repetition counts are limited to 1000 and each pattern to
//     ConditionLimits::max_regex_memory.
// A match is a search, as with PostgreSQL's `~`: 'head' matches
// 'Head of Sales' under `~*`; anchor with ^ and $ to match the whole text.
#pragma once

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace leadscore::core {

// The compiled pattern, or nullptr with RE2's message in *error.
std::unique_ptr<RE2> CompileConditionRegex(std::string_view pattern, bool case_insensitive,
                                           std::size_t max_memory, std::string *error);

} // namespace leadscore::core
