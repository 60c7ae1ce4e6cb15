// Reading and writing leadscore.lead_state from the triggers and rescore():
// prepared SPI plans over arrays, one statement per model and batch, keys
// sorted in SQL so concurrent writers lock rows in one order (no deadlocks).
//
// PostgreSQL side only: callers pass plain arrays in PostgreSQL memory and
// call these through CallPg.
#pragma once

#include "pg/postgres_headers.hpp"

#include <cstdint>

namespace leadscore::pg {

struct KeyType {
	Oid oid = InvalidOid;
	Oid array_oid = InvalidOid;
	int16 typlen = 0;
	bool byval = false;
	char align = 'i';
};

// The database's lead key type (leadscore.settings), InvalidOid before the
// first attachment.
KeyType LeadKeyType();

// One model's new or changed states, column by column (n leads).
struct StateColumns {
	int n = 0;
	Datum *keys = nullptr;
	double *stored = nullptr;
	int stage_count = 0;
	double *stages = nullptr;          // n * stage_count
	std::int64_t *activity_count = nullptr;
	std::int64_t *last_at = nullptr;   // PostgreSQL timestamps
	bool *last_at_null = nullptr;
	std::int64_t *caps = nullptr;      // concatenated encoded cap windows
	std::int32_t *caps_from = nullptr; // n + 1 entries: 1-based start of lead i's slice, then the end
	std::int32_t *caps_len = nullptr;  // its length; 0 for NULL
};

// stored += ..., stage_stored += ..., activity_count += ...,
// last_activity_at = greatest(...): inserts new leads, adds to old ones.
void AddToStates(const KeyType &kt, std::int32_t model_id, const StateColumns &delta);

// Creates missing rows (zero state), then locks the n leads' rows in key
// order and returns them in SPI_tuptable: lead_id, stored, stage_stored,
// activity_count, last_activity_at, caps.
void LockStates(const KeyType &kt, std::int32_t model_id, int n, Datum *keys, int stage_count);

// Overwrites the states of rows locked by LockStates.
void WriteStates(const KeyType &kt, std::int32_t model_id, const StateColumns &states);

// Deletes every state of a model (rescore starts from nothing).
void ClearStates(std::int32_t model_id);

// Forgets prepared plans (the key type changed).
void ResetStatePlans();

} // namespace leadscore::pg
