// Frequency windows (README, "Frequency windows"): a rule that scores when a
// lead's matching activities come close together ("two visits within a
// week"), not for each one.
//
// A window rule with min_count N, within W and cooldown C scores at the time
// t of a matching activity when the lead's matching activities in (t − W, t]
// number at least N, and it has not scored in (t − C, t).  Each scoring is
// worth the rule's points and decays from its own time, like an activity.
//
// The scorings are a function of the set of matching times alone: ties in
// time count together (the window is closed at its end), and the order rows
// arrive, change or disappear in does not matter.  They are not a sum over
// rows, though: a late row can start or move a later scoring, and a deleted
// one can take one away, so the engine recomputes a lead's window rules from
// its matching history whenever a row of theirs changes
// (scoring_recompute.hpp; the ingest batch marks the lead, ingest_batch.hpp).
#pragma once

#include <cstdint>
#include <vector>

namespace leadscore::core {

// Longest within and cooldown: beyond ten years a window is a typo.
constexpr std::int64_t kMaxWindowUs = INT64_C(10) * 366 * 86400 * 1000000;

struct FrequencyWindow {
	std::int32_t min_count = 0; // 0: not a window rule
	std::int64_t within_us = 0;
	std::int64_t cooldown_us = 0;
};

// The times at which the rule scores, ascending, for the matching activity
// times `times` (sorted ascending; equal times allowed).  `out` is cleared
// first; its memory is reused.
void FrequencyScorings(const FrequencyWindow &window, const std::vector<std::int64_t> &times,
                       std::vector<std::int64_t> *out);

} // namespace leadscore::core
