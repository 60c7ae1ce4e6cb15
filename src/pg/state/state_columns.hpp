// The columns of leadscore.lead_state, and how a row read back decodes.
//
// A row is one lead's state in one model: the score half (what the
// activity trigger adds to and rescore() rebuilds from history) and the
// lifecycle record (grade; status and stage as last reported; the times
// the lifecycle keeps: core/lead/lead_lifecycle.hpp).  Every statement in
// src/pg names the columns through the lists below, and every read of
// whole rows selects one of the two select lists, whose positions the
// decoders below rely on: a new column is added here, to StateColumns and
// its parameter builders (state_store.cpp), and to ColumnBuffers
// (state_buffers.hpp).
#pragma once

#include "pg/boundary/lead_key.hpp"

#include "core/lead/lead_lifecycle.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/scoring_model.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/array.h"
}

#include <cstdint>
#include <vector>

// The score half, as written.
#define LEADSCORE_STATE_COLUMNS "stored, stage_stored, activity_count, last_activity_at, caps"
// The lifecycle record, as written.
#define LEADSCORE_RECORD_COLUMNS "grade, status, stage, mql_at, sql_at, checked_at, due_at"
// The record as read: the grade as text (the C++ side parses it).
#define LEADSCORE_RECORD_READ "grade::pg_catalog.text, status, stage, mql_at, sql_at, checked_at, due_at"

// What the lifecycle reads (tick(), the lead trigger, rescore()): the record
// from column 5 on.  Both select lists are followed by BandColumn().
#define LEADSCORE_LIFECYCLE_SELECT "lead_id, stored, stage_stored, activity_count, " LEADSCORE_RECORD_READ
// A whole row (the activity trigger's locked path, verify()): the record
// from column 7 on.
#define LEADSCORE_STATE_SELECT                                                                                        \
	"lead_id, stored, stage_stored, activity_count, last_activity_at, caps, " LEADSCORE_RECORD_READ

namespace leadscore::pg {

// The record's band, read after the select list: the column in 0.3's
// layout, NULL in 0.2's (state_layout.hpp), where no model has bands yet.
const char *BandColumn();
// The momentum sum, read by name wherever whole states are read: the column
// in 0.3's layout, 0 in 0.2's (which has none: the update computes it).
const char *MomentumColumn();

// Which select list a result holds.
enum class StateSelect { Lifecycle, State };

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

// The leads of rows [0, rows) of `table`, a result of `select`.  C++ side.
std::vector<LifecycleLead> ReadLifecycleRows(SPITupleTable *table, std::uint64_t rows, StateSelect select,
                                             const core::ModelSpec &model);

// The score half of a row of LEADSCORE_STATE_SELECT, detoasted.
struct StateRow {
	Datum key;
	double stored;
	ArrayType *stages;
	std::int64_t count;
	bool last_null;
	std::int64_t last_at; // a PostgreSQL timestamp
	ArrayType *caps;      // NULL: empty windows
	double momentum;      // 0 when the select list has no momentum column
};

// Row i of `table`, palloc'd.  PostgreSQL side.
StateRow *ReadStateRow(SPITupleTable *table, std::uint64_t i);

// The core's LeadState of a stored row; false when the row does not fit the
// model (written by another version of it).
bool ToLeadState(const core::CompiledModel &model, const StateRow &row, core::LeadState *state);

} // namespace leadscore::pg
