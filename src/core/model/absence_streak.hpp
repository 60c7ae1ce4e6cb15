// Silence and streaks: a rule that scores when activities of one type go
// unanswered (docs/design.md §3.9 says how its scorings reach the state).
//
// An activity of the rule's type at time s is *unanswered* when the lead
// has no activity of a response type in (s, s + within].  Walking the sends
// in time order, an answered one resets the streak; the n-th unanswered one
// in a row (n = in_a_row) scores at s_n + within, the moment its window
// closes, and starts a new streak.  Sends at the same time are answered or
// not together, so their order never matters.
//
// The scorings are a function of the two sets of times alone, like a
// frequency window's (frequency_window.hpp); unlike one, they fall due later
// than the rows that cause them: a scoring at c > now is pending until then,
// and a late response inside a closed window takes it back.
#pragma once

#include <cstdint>
#include <vector>

namespace leadscore::core {

struct AbsenceStreak {
	std::int32_t in_a_row = 1;
	std::int64_t within_us = 0;
};

// The times at which the rule scores, ascending, for the send times `sends`
// and the response times `responses` (both sorted ascending; equal times
// allowed).  `out` is cleared first.
void AbsenceScorings(const AbsenceStreak &rule, const std::vector<std::int64_t> &sends,
                     const std::vector<std::int64_t> &responses, std::vector<std::int64_t> *out);

} // namespace leadscore::core
