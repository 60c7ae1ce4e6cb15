// The lifecycle half of leadscore.lead_state (grade; status and stage as last
// reported, mql_at, sql_at, checked_at, due_at: core/lead/lead_lifecycle.hpp) and
// leadscore.events with its NOTIFY: what the lead trigger, tick() and
// rescore() read and write.
//
// Call inside Guarded with SPI connected; PostgreSQL calls go through CallPg.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "pg/boundary/lead_key.hpp"

#include "core/lead/lead_lifecycle.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// One (model, lead) as the lifecycle sees it.
struct LifecycleLead {
	Datum key = 0;
	double stored = 0;
	std::vector<double> stages;
	std::int64_t activity_count = 0;
	core::LifecycleRecord record;

	core::LifecycleInput Input() const {
		return core::LifecycleInput{stored, stages.data(), stages.size(), record.grade};
	}
};

// The columns ReadLifecycleRows expects from `first` on; lead_id, stored,
// stage_stored and activity_count come first.
#define LEADSCORE_LIFECYCLE_COLUMNS "grade::pg_catalog.text, status, stage, mql_at, sql_at, checked_at, due_at"
constexpr int kLifecycleFirst = 5;

// Reads `rows` rows of SPI_tuptable selected as lead_id, stored,
// stage_stored, activity_count, ..., then LEADSCORE_LIFECYCLE_COLUMNS from
// column `first` (1-based).
std::vector<LifecycleLead> ReadLifecycleRows(const core::ModelSpec &model, std::uint64_t rows,
                                             int first = kLifecycleFirst);

// Creates the missing rows of `keys` (zero state): a lead with a grade but no
// activity yet.
void EnsureLifecycleRows(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys);

// Locks the rows of `keys` in key order and reads them.
std::vector<LifecycleLead> LockLifecycle(const KeyType &kt, const core::ModelSpec &model,
                                         const std::vector<Datum> &keys);

// Writes grade and record of each lead (rows locked by the caller).
void WriteLifecycle(const KeyType &kt, std::int32_t model_id, const std::vector<LifecycleLead> &leads);

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
