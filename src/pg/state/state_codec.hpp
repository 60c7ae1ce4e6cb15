// A lead's cap windows (core/model/cap_window.hpp) as the bigint[] stored in
// leadscore.lead_state.caps: per capped rule, in the model's order,
// [beyond, n, t1 .. tn] with times in microseconds since the Unix epoch.
// NULL (no array) means every window is empty.
#pragma once

#include "core/model/cap_window.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

void EncodeCaps(const std::vector<core::CapWindow> &caps, std::vector<std::int64_t> *out);

// False when `data` does not hold `count` windows (a state written by
// another version of the model): the caller reloads the lead.
bool DecodeCaps(const std::int64_t *data, int n, std::size_t count, std::vector<core::CapWindow> *caps);

} // namespace leadscore::pg
