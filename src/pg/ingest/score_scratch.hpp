// Scoring a statement's rows once they are all read: the one pass that
// writes them to leadscore.lead_state, model by model, each model's leads
// in key order (apply_deltas.hpp), then reports what the states did
// (lead_effects.hpp) and logs the rows that could not be scored.
#pragma once

#include "pg/ingest/statement_scratch.hpp"

#include <vector>

namespace leadscore::pg {

// Finishes st's batch and writes it.  C++ side; SPI connected, as the
// extension's owner.
void ScoreScratch(StatementScratch *st);

// Before the scratches of several tables filled by one query are scored
// one after the other: locks every lead state they will write, model by
// model, in the one key order (inserting an empty state for a lead that
// has none), so that the query waits for other writers in one pass.
// Same conditions.
void LockLeadsOf(const std::vector<StatementScratch *> &scratches);

} // namespace leadscore::pg
