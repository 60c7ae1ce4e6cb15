// The lifecycle half of leadscore.lead_state (state_columns.hpp) and
// leadscore.events with its NOTIFY: what the lead trigger, tick() and
// rescore() read and write.
//
// Call inside Guarded with SPI connected; PostgreSQL calls go through CallPg.
#pragma once

#include "pg/boundary/postgres_headers.hpp"
#include "pg/state/state_columns.hpp"

#include "core/lead/lead_lifecycle.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// Creates the missing rows of `keys` (zero state): a lead with a grade but no
// activity yet.
void EnsureLifecycleRows(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys);

// Locks the rows of `keys` in key order and reads them.
std::vector<LifecycleLead> LockLifecycle(const KeyType &kt, const core::ModelSpec &model,
                                         const std::vector<Datum> &keys);

// Writes grade and record of each lead (rows locked by the caller), and
// sets tick()'s due_hint to due_at: the writer that has just looked at the
// lead's decay (tick(), a lead row, rescore()) knows when it is due.  In a
// model with silence rules due_at is no later than the row's first pending
// scoring.
void WriteLifecycle(const KeyType &kt, const core::ModelSpec &model, const std::vector<LifecycleLead> &leads);

struct LeadEvent {
	Datum key;
	core::Transition transition;
};

// Appends to leadscore.events, unless the model is a shadow model.
// Handoffs to sales (status to sql) also send NOTIFY leadscore at commit
// (pending_notifies.hpp) when `notify` and leadscore.settings.notify =
// 'trigger'.
void InsertEvents(const KeyType &kt, const core::ModelSpec &model, const std::vector<LeadEvent> &events,
                  bool notify);

} // namespace leadscore::pg
