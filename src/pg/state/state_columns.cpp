// Decoding lead_state rows.  See state_columns.hpp.
#include "pg/state/state_columns.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/state/state_codec.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "utils/timestamp.h"
}

#include "core/model/grade.hpp"

#include <string>

namespace leadscore::pg {
namespace {

// One row as SPI returned it, PostgreSQL side (palloc'd, detoasted).
struct LifecycleRow {
	Datum key;
	double stored;
	ArrayType *stages;
	std::int64_t activity_count;
	char *grade;  // NULL: none
	char *status;
	char *stage;  // NULL: none
	char *band;   // NULL: none
	std::int64_t times[4]; // mql_at, sql_at, checked_at, due_at; kNoTime for NULL
};

// Columns 1 to 4, the same in both select lists: lead_id, stored,
// stage_stored (detoasted), activity_count.
void ReadFirstColumns(HeapTuple tuple, TupleDesc desc, Datum *key, double *stored, ArrayType **stages,
                      std::int64_t *count) {
	bool isnull;
	*key = SPI_getbinval(tuple, desc, 1, &isnull);
	*stored = DatumGetFloat8(SPI_getbinval(tuple, desc, 2, &isnull));
	*stages = DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 3, &isnull));
	*count = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &isnull));
}

LifecycleRow *ReadRow(SPITupleTable *table, std::uint64_t i, int first) {
	HeapTuple tuple = table->vals[i];
	TupleDesc desc = table->tupdesc;
	auto *row = static_cast<LifecycleRow *>(palloc0(sizeof(LifecycleRow)));
	ReadFirstColumns(tuple, desc, &row->key, &row->stored, &row->stages, &row->activity_count);
	bool isnull;
	row->grade = SPI_getvalue(tuple, desc, first);
	row->status = SPI_getvalue(tuple, desc, first + 1);
	row->stage = SPI_getvalue(tuple, desc, first + 2);
	for (int t = 0; t < 4; t++) {
		Datum d = SPI_getbinval(tuple, desc, first + 3 + t, &isnull);
		row->times[t] = isnull ? core::kNoTime : StateTimeToUnixUs(DatumGetTimestampTz(d));
	}
	row->band = SPI_getvalue(tuple, desc, first + 7);
	return row;
}

core::LeadStatus StatusNamed(const char *name) {
	std::string s = name ? name : "";
	if (s == "sql")
		return core::LeadStatus::Sql;
	if (s == "mql")
		return core::LeadStatus::Mql;
	return core::LeadStatus::Nurture;
}

int StageNamed(const core::ModelSpec &model, const char *name) {
	if (name == nullptr)
		return core::kNoStage;
	for (std::size_t k = 0; k < model.stages.size(); k++)
		if (model.stages[k] == name)
			return static_cast<int>(k);
	return core::kNoStage;
}

// A band removed since the record was written reads as none.
int BandNamed(const core::ModelSpec &model, const char *name) {
	if (name == nullptr)
		return core::kNoBand;
	for (std::size_t k = 0; k < model.bands.size(); k++)
		if (model.bands[k].name == name)
			return static_cast<int>(k);
	return core::kNoBand;
}

LifecycleLead ToLead(const core::ModelSpec &model, const LifecycleRow &row) {
	LifecycleLead lead;
	lead.key = row.key;
	lead.stored = row.stored;
	int n = ArrayGetNItems(ARR_NDIM(row.stages), ARR_DIMS(row.stages));
	const double *stages = reinterpret_cast<const double *>(ARR_DATA_PTR(row.stages));
	lead.stages.assign(stages, stages + n);
	lead.activity_count = row.activity_count;
	core::LifecycleRecord &r = lead.record;
	core::GradeRank grade;
	if (row.grade != nullptr && core::ParseGrade(row.grade, &grade))
		r.grade = grade;
	r.status = StatusNamed(row.status);
	r.stage = StageNamed(model, row.stage);
	r.band = BandNamed(model, row.band);
	r.mql_at = row.times[0];
	r.sql_at = row.times[1];
	r.checked_at = row.times[2];
	r.due_at = row.times[3];
	return lead;
}

} // namespace

const char *BandColumn() {
	return HotStateLayout() ? ", band" : ", NULL::pg_catalog.text AS band";
}

const char *MomentumColumn() {
	return HotStateLayout() ? ", momentum" : ", 0::pg_catalog.float8 AS momentum";
}

std::vector<LifecycleLead> ReadLifecycleRows(SPITupleTable *table, std::uint64_t rows, StateSelect select,
                                             const core::ModelSpec &model) {
	int first = select == StateSelect::Lifecycle ? 5 : 7;
	std::vector<LifecycleRow *> read(rows);
	CallPg([&] {
		for (std::uint64_t i = 0; i < rows; i++)
			read[i] = ReadRow(table, i, first);
	});
	std::vector<LifecycleLead> leads;
	leads.reserve(rows);
	for (const LifecycleRow *row : read)
		leads.push_back(ToLead(model, *row));
	return leads;
}

StateRow *ReadStateRow(SPITupleTable *table, std::uint64_t i) {
	HeapTuple tuple = table->vals[i];
	TupleDesc desc = table->tupdesc;
	auto *row = static_cast<StateRow *>(palloc0(sizeof(StateRow)));
	ReadFirstColumns(tuple, desc, &row->key, &row->stored, &row->stages, &row->count);
	bool isnull;
	row->last_at = DatumGetInt64(SPI_getbinval(tuple, desc, 5, &row->last_null));
	Datum caps = SPI_getbinval(tuple, desc, 6, &isnull);
	row->caps = isnull ? nullptr : DatumGetArrayTypeP(caps);
	int momentum = SPI_fnumber(desc, "momentum");
	if (momentum > 0) {
		Datum m = SPI_getbinval(tuple, desc, momentum, &isnull);
		row->momentum = isnull ? 0 : DatumGetFloat8(m);
	}
	return row;
}

bool ToLeadState(const core::CompiledModel &model, const StateRow &row, core::LeadState *state) {
	state->Clear(model);
	state->stored = row.stored;
	state->momentum = row.momentum;
	state->activity_count = row.count;
	state->last_activity_at = row.last_null ? core::kNoTime : StateTimeToUnixUs(row.last_at);
	int stages = ArrayGetNItems(ARR_NDIM(row.stages), ARR_DIMS(row.stages));
	if (static_cast<std::size_t>(stages) != model.stage_count())
		return false;
	const double *stage_values = reinterpret_cast<const double *>(ARR_DATA_PTR(row.stages));
	state->stage_stored.assign(stage_values, stage_values + stages);
	if (row.caps == nullptr)
		return DecodeCaps(nullptr, 0, model.capped_rules().size(), &state->caps);
	int n = ArrayGetNItems(ARR_NDIM(row.caps), ARR_DIMS(row.caps));
	const auto *data = reinterpret_cast<const std::int64_t *>(ARR_DATA_PTR(row.caps));
	int tail = PendingTail(data, n);
	DecodePending(data + n - tail, tail, &state->pending);
	for (core::LeadState::Pending &p : state->pending)
		p.momentum = core::PendingMomentum(model.decay(), model.momentum(), p.at, p.stored);
	return DecodeCaps(data, n - tail, model.capped_rules().size(), &state->caps);
}

} // namespace leadscore::pg
