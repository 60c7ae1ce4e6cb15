// Grading whole lead tables.  See lead_grades.hpp.
#include "pg/lead_grades.hpp"
#include "pg/consistent_reads.hpp"

#include "pg/datum_value.hpp"
#include "pg/guard.hpp"
#include "pg/lead_plan.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <string>

namespace leadscore::pg {
namespace {

constexpr long kFetchRows = 1000;

struct LeadRow {
	bool key_null;
	Datum key;
	core::Value *values;
};

// PostgreSQL side: one SPI row's key and the columns the plan reads.
LeadRow *Convert(const LeadPlan &plan, HeapTuple tuple, TupleDesc desc) {
	const LeadTable &t = plan.table;
	auto *row = static_cast<LeadRow *>(palloc0(sizeof(LeadRow)));
	row->values = static_cast<core::Value *>(palloc0(sizeof(core::Value) * (t.schema.size() + 1)));
	row->key = SPI_getbinval(tuple, desc, t.attnums[static_cast<std::size_t>(t.lead)], &row->key_null);
	for (std::size_t c : plan.columns_used) {
		bool isnull;
		Datum v = SPI_getbinval(tuple, desc, t.attnums[c], &isnull);
		row->values[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
	}
	return row;
}

void ScanTable(const LeadPlan &plan, std::size_t profile,
               const std::function<void(Datum key, core::GradeRank grade)> &visit) {
	std::string sql = "SELECT * FROM " + plan.table.name;
	MemoryContext row_context = CallPg([] {
		return AllocSetContextCreate(CurrentMemoryContext, "leadscore lead grades", ALLOCSET_DEFAULT_SIZES);
	});
	Portal portal = CallPg([&] { return SPI_cursor_open_with_args(nullptr, sql.c_str(), 0, nullptr, nullptr, nullptr, ReadOnlyScans(), 0); });
	for (;;) {
		SPITupleTable *batch = CallPg([&] {
			SPI_cursor_fetch(portal, true, kFetchRows);
			return SPI_tuptable;
		});
		std::uint64_t n = SPI_processed;
		if (n == 0)
			break;
		for (std::uint64_t i = 0; i < n; i++) {
			LeadRow *row = CallPg([&] {
				MemoryContextReset(row_context);
				MemoryContext outer = MemoryContextSwitchTo(row_context);
				LeadRow *converted = Convert(plan, batch->vals[i], batch->tupdesc);
				MemoryContextSwitchTo(outer);
				return converted;
			});
			if (!row->key_null)
				visit(row->key, plan.profiles[profile].Grade(row->values, plan.table.schema.size()));
		}
		CallPg([&] { SPI_freetuptable(batch); });
	}
	CallPg([&] {
		SPI_cursor_close(portal);
		MemoryContextDelete(row_context);
	});
}

} // namespace

void ScanLeadGrades(const core::ModelSpec &model, const std::function<void(Datum key, core::GradeRank grade)> &visit) {
	if (model.grade_profile.empty())
		return;
	for (const LeadTable &t : LoadLeadTables()) {
		const LeadPlan *plan = GetLeadPlan(t.relid);
		if (plan == nullptr)
			continue;
		for (const GradedModel &gm : plan->models)
			if (gm.model.id == model.id)
				ScanTable(*plan, gm.profile, visit);
	}
}

} // namespace leadscore::pg
