// Scoring a statement's rows once they are all read: the one pass that
// writes them to leadscore.lead_state, model by model, each model's leads
// in key order (apply_deltas.hpp), then reports what the states did
// (lead_effects.hpp) and logs the rows that could not be scored.
#pragma once

#include "pg/ingest/statement_scratch.hpp"

namespace leadscore::pg {

// Finishes st's batch and writes it.  C++ side; SPI connected, as the
// extension's owner.
void ScoreScratch(StatementScratch *st);

} // namespace leadscore::pg
