// Column buffers for writing lead states: C++-owned vectors handed to
// PostgreSQL as the plain arrays of StateColumns (state_store.hpp).
#pragma once

#include "pg/state/state_store.hpp"

#include "core/ingest/ingest_batch.hpp"
#include "core/lead/lead_lifecycle.hpp"
#include "core/model/scoring_model.hpp"
#include "core/lead/scoring_state.hpp"

extern "C" {
#include "utils/array.h"
}

#include <vector>

namespace leadscore::pg {

struct ColumnBuffers {
	std::vector<Datum> keys;
	std::vector<double> stored, stages;
	std::vector<std::int64_t> counts, last_at, caps;
	std::vector<char> last_at_null;
	std::vector<std::int32_t> caps_from, caps_len;
	// Lifecycle records (PushRecord), one per state for InsertStates and
	// WriteStates.
	std::vector<const char *> grade, status, stage;
	std::vector<std::int64_t> mql_at, sql_at, checked_at, due_at;

	// The buffers as StateColumns; call once, after the last Push.
	StateColumns View(int stage_count);
	void Clear();
};

// The lifecycle record of the state pushed last; names point into `model`
// and static strings.
void PushRecord(ColumnBuffers *b, const core::ModelSpec &model, const core::LifecycleRecord &r);

void PushTime(ColumnBuffers *b, std::int64_t unix_us);

// One lead's delta for AddToStates: no cap windows.
void PushDelta(ColumnBuffers *b, Datum key, const core::ModelBatch &batch, std::size_t i);

// A whole state (cap windows encoded) for WriteStates.
void PushState(ColumnBuffers *b, Datum key, const core::LeadState &s);

// One row of leadscore.lead_state as SPI returned it (lead_id, stored,
// stage_stored, activity_count, last_activity_at, caps), detoasted.
struct StateRow {
	Datum key;
	double stored;
	ArrayType *stages;
	std::int64_t count;
	bool last_null;
	std::int64_t last_at;
	ArrayType *caps; // NULL: empty windows
};

// PostgreSQL side: row i of SPI_tuptable.
StateRow *ReadStateRow(std::uint64_t i);

// The core's LeadState of a stored row; false when the row does not fit the
// model (written by another version of it).
bool ToLeadState(const core::CompiledModel &model, const StateRow &row, core::LeadState *state);

} // namespace leadscore::pg
