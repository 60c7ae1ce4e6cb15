// A lead's cap windows (core/model/cap_window.hpp) and its pending silence
// scorings (core/lead/scoring_state.hpp) as the bigint[] stored in
// leadscore.lead_state.caps: per capped rule, in the model's order,
// [beyond, n, t1 .. tn] with times in microseconds since the Unix epoch;
// then, when some scoring is pending, [kPendingMark, (at, stored as the
// bits of a float8, stage) per scoring, their count].  NULL (no array)
// means every window is empty and nothing is pending.
//
// The pending tail rides in the caps column so that every statement that
// reads or writes a state carries it, 0.2's table included; it is found
// from the end: the count, then the mark 3 * count + 1 places before it.
// No cap window element is ever kPendingMark (times lie inside the core's
// range, counts are not negative), so a window never reads as a tail.
#pragma once

#include "core/lead/scoring_state.hpp"
#include "core/model/cap_window.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

constexpr std::int64_t kPendingMark = INT64_MIN;

void EncodeCaps(const std::vector<core::CapWindow> &caps, std::vector<std::int64_t> *out);
// Appends the pending tail, if any.
void EncodePending(const std::vector<core::LeadState::Pending> &pending, std::vector<std::int64_t> *out);
// The elements of the pending tail at the end of data[0, n): 0 if none.
int PendingTail(const std::int64_t *data, int n);
// Decodes a tail PendingTail() found (data points at its mark).
void DecodePending(const std::int64_t *data, int n, std::vector<core::LeadState::Pending> *pending);

// False when `data` does not hold `count` windows (a state written by
// another version of the model): the caller reloads the lead.
bool DecodeCaps(const std::int64_t *data, int n, std::size_t count, std::vector<core::CapWindow> *caps);

} // namespace leadscore::pg
