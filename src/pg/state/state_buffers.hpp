// Column buffers for writing lead states: C++-owned vectors handed to
// PostgreSQL as the plain arrays of StateColumns (state_store.hpp).
#pragma once

#include "pg/state/state_store.hpp"

#include "core/ingest/ingest_batch.hpp"
#include "core/lead/lead_lifecycle.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/scoring_model.hpp"

#include <vector>

namespace leadscore::pg {

struct ColumnBuffers {
	std::vector<Datum> keys;
	std::vector<double> stored, momentum, stages;
	std::vector<std::int64_t> counts, last_at, caps;
	std::vector<char> last_at_null;
	std::vector<std::int32_t> caps_from, caps_len;
	// Lifecycle records (PushRecord), one per state for InsertStates and
	// WriteStates.
	std::vector<const char *> grade, status, stage, band;
	std::vector<std::int64_t> mql_at, sql_at, checked_at, due_at;

	// The buffers as StateColumns of a model with `stage_count` stages that
	// ranks its momentum or not; call once, after the last Push.
	StateColumns View(int stage_count, bool rank_momentum);
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

} // namespace leadscore::pg
