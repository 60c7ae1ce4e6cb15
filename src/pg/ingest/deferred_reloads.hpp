// Reloads that wait for rows still to be scored.
//
// A lead whose delta the core cannot apply to its state (ApplyLeadDelta's
// needs_reload: a deleted row of a capped rule, a state that does not fit)
// is recomputed from its history.  That history holds every row written so
// far, also rows read but not scored yet: another table's rows of the same
// query, or the rows of an enclosing query whose triggers are still firing
// (query_levels.hpp).  Scored after the recompute, they would count twice.
// So while such rows are pending, a reload waits for the end of the
// outermost query level that holds them, and then replaces whatever was
// written for the lead with the recompute.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/lead/lead_lifecycle.hpp"

#include <cstdint>

namespace leadscore::pg {

// The outermost query level (1 for the outermost query) that holds rows
// still to be scored; 0 when none does.  Set by query_levels.cpp.
void SetPendingLevel(int depth);

// True while a reload must wait.
bool ReloadsWait();

// Recompute lead `key` of model `model_id` from history at the end of the
// pending level.  C++ side.
void DeferReload(std::int32_t model_id, Datum key, const KeyType &kt);

// True when leads wait for the end of level `depth`.
bool HasReloads(int depth);

// Recomputes lead `key` of model `model_id` from its history and writes
// its state and lifecycle (the lead locked first), reporting what changed
// with `cause`: a reload's, also adjust()'s and reset()'s.  C++ side, SPI
// connected, as the extension's owner.
void ReloadLead(std::int32_t model_id, Datum key, const KeyType &kt, const KeyType &akt, std::int64_t now,
                core::TransitionCause cause);

// Recomputes the leads waiting for level `depth`, one write per lead.
// C++ side, SPI connected, as the extension's owner.
void RunReloads(int depth);

// Forgets the reloads waiting for level `depth` and deeper (the level was
// rolled back) — every one when depth is 0.
void DropReloads(int depth);

} // namespace leadscore::pg
