// Reading and writing leadscore.lead_state from the triggers and rescore():
// prepared SPI plans over arrays, one statement per model and batch, rows
// taken in the order of the arrays, which callers sort so that concurrent
// writers lock rows in one order (no deadlocks): the triggers by
// LeadMap::SortByKey, rescore() by its history scan (rescores exclude writers).
//
// C++ side: callers pass plain arrays (in C++ or PostgreSQL memory) and
// call these outside CallPg; results come back decoded (state_columns.hpp).
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/state/state_columns.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// One model's new or changed states, column by column (n leads).
struct StateColumns {
	int n = 0;
	Datum *keys = nullptr;
	double *stored = nullptr;
	double *momentum = nullptr;
	bool rank_momentum = false; // the model's momentum_ranking
	int stage_count = 0;
	double *stages = nullptr;          // n * stage_count
	std::int64_t *activity_count = nullptr;
	std::int64_t *last_at = nullptr;   // PostgreSQL timestamps
	bool *last_at_null = nullptr;
	std::int64_t *caps = nullptr;      // concatenated encoded cap windows
	std::int32_t *caps_from = nullptr; // n + 1 entries: 1-based start of lead i's slice, then the end
	std::int32_t *caps_len = nullptr;  // its length; 0 for NULL
	// The lifecycle record (InsertStates and WriteStates write it; the
	// other statements leave it alone): grade, status and stage names
	// and band names (nullptr: NULL), record times (core::kNoTime: NULL).
	const char **grade = nullptr;
	const char **status = nullptr;
	const char **stage = nullptr;
	const char **band = nullptr;
	std::int64_t *mql_at = nullptr;
	std::int64_t *sql_at = nullptr;
	std::int64_t *checked_at = nullptr;
	std::int64_t *due_at = nullptr;
};

// How a statement writes lead states.  Every lead of a model's batch goes
// through one of two paths, each deadlock-free because whatever waits on
// another writer happens in one pass over the leads in key order (the order
// of the arrays: the caller sorts them with LeadMap::SortByKey, the one order
// every writer uses):
//
//   additive  AddToStates: one upsert that adds deltas (inserts only, no
//             capped rule: nothing to read)
//   locked    n = 1: LockStates (waits for the one row), then for a lead
//             without a row InsertStates; n > 1: InsertStates over every
//             lead (inserts the missing rows, locks the others, in key
//             order: one pass), then LockStates of the rows it did not
//             insert (held already, no wait) to read them; then WriteStates
//
// and, before either, when n > 1: LockAllStates, which locks and reads the
// rows in key order up to the first lead without one; when every lead has
// a row (a sync batch) that is all, and WriteStates follows.
//
// So a lead that is new is written once, with its final state.  One lead is
// looked for first because most single-row inserts are for leads that have
// a row (two statements, not three).  Several are locked only up to the
// first lead without a row: a writer holding the lock of an existing lead
// while it waits for another writer's insertion of a new one with a lower
// key, and that writer doing the reverse, would deadlock.  A writer that
// finds no row but loses the race to insert it (the other writer commits
// first) locks the winner's row and applies its delta to it
// (test/isolation/specs/new_lead_writers.spec).

// stored += ..., momentum += ..., stage_stored += ..., activity_count += ...,
// last_activity_at = greatest(...): inserts new leads, adds to old ones.
// Returns every row as it is now, with its lifecycle record (which the
// upsert left alone).
std::vector<LifecycleLead> AddToStates(const KeyType &kt, const core::ModelSpec &model, const StateColumns &delta);

// Inserts the states of the leads that have no row, and locks (FOR UPDATE
// strength) the rows of those that have one, in one pass in key order.
// Returns how many rows it inserted; when that is fewer than states.n (the
// others are locked, unchanged), *inserted gets their keys.  A bulk load of
// new leads, where every lead is inserted, reads nothing back.
std::uint64_t InsertStates(const KeyType &kt, std::int32_t model_id, const StateColumns &states,
                           std::vector<Datum> *inserted);

// Rows locked and read: the score half and, in the same order, the
// lifecycle.
struct LockedStates {
	std::vector<StateRow *> rows;
	std::vector<LifecycleLead> records;
};

// Locks the rows of the leads of `keys` that have one and reads them.
// Creates nothing.  Several keys only for rows that InsertStates locked
// already: it waits for nobody, so takes them in no particular order.
LockedStates LockStates(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys);

// When every lead of `keys` (several, in key order) has a row, locks and
// reads them all in that order, in one pass, and returns true.  Else it
// stops at the first lead without a row (none yet, or deleted since) and
// returns false, holding the locks of the leads before it only: the
// caller's InsertStates pass over every lead then waits for nothing it
// holds, and for the others in key order.
bool LockAllStates(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys,
                   LockedStates *locked);

// Overwrites the states of rows locked by LockStates, LockAllStates or
// InsertStates.
void WriteStates(const KeyType &kt, std::int32_t model_id, const StateColumns &states);

// Inserts or overwrites whole states, in key order (rescore, deferred
// reloads: states computed from history, whatever the rows held).
void PutStates(const KeyType &kt, std::int32_t model_id, const StateColumns &states);

} // namespace leadscore::pg
