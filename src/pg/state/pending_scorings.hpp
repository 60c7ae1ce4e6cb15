// Pending silence scorings in leadscore.lead_state (state_codec.hpp says
// how they ride in the caps column): what tick() reads and folds in once
// they fall due.  The SQL functions the lead_scores view reads them with
// live beside these (pending_scorings.cpp).
//
// Call inside Guarded with SPI connected.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/lead/scoring_state.hpp"

extern "C" {
#include "utils/array.h"
}

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// The pending scorings of `caps` (detoasted; NULL: none) due by `now`, by
// time.  Reads memory only.
void DuePending(const ArrayType *caps, std::int64_t now, std::vector<core::LeadState::Pending> *due);

// Adds the scorings of `keys`' states due by `now` to their sums and rank
// and drops them from their pending lists (rows locked by the caller).
void FoldPendingStates(const KeyType &kt, std::int32_t model_id, const std::vector<Datum> &keys, std::int64_t now);

} // namespace leadscore::pg
