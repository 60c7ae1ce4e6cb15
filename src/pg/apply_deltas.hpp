// Writing one statement's deltas of one model to leadscore.lead_state.
#pragma once

#include "pg/state_store.hpp"
#include "pg/table_plan.hpp"

namespace leadscore::pg {

// Applies model `m` of tp's finished batch: leads that only gained
// activities of uncapped rules with one additive upsert (no read); the
// others (deletions, capped rules) by locking their rows in key order,
// applying the deltas in C++ (re-reading a lead's history when the core
// asks) and writing the new states back.
void ApplyModel(TablePlan *tp, const KeyType &kt, std::size_t m);

} // namespace leadscore::pg
