// Writing one statement's deltas of one model to leadscore.lead_state.
#pragma once

#include "pg/ingest/lead_effects.hpp"
#include "pg/ingest/statement_scratch.hpp"

namespace leadscore::pg {

// Applies model `m` of st's finished batch.  When every lead only gained
// activities of uncapped rules: one additive upsert (no read).  Otherwise
// (deletions, capped rules): every lead's row locked in key order, the
// deltas applied in C++ (re-reading a lead's history when the core asks,
// once no row in it is still to be scored: deferred_reloads.hpp) and the new states
// written back.
// Every lead's lifecycle record is advanced with its state; the transitions
// and account share changes go to `fx`, to be reported once every model is
// written (ReportEffects).
void ApplyModel(StatementScratch *st, const KeyType &kt, std::size_t m, ModelEffects *fx);

} // namespace leadscore::pg
