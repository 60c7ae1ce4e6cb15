// Grading whole lead tables.  See lead_grades.hpp.
#include "pg/grading/lead_grades.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/catalog/lead_plan.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_cursor.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <string>

namespace leadscore::pg {
namespace {

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
	row->key = SPI_getbinval(tuple, desc, ResultColumn(t.lead), &row->key_null);
	// An over-long key is bad data, skipped as the trigger skips it.
	if (!row->key_null && KeyTooLong(row->key, plan.key_type.oid))
		row->key_null = true;
	for (std::size_t c : plan.columns_used) {
		bool isnull;
		Datum v = SPI_getbinval(tuple, desc, ResultColumn(c), &isnull);
		row->values[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
	}
	return row;
}

// `matched`: when given, filled with the criteria each row matches before
// `visit` sees the row.
void ScanTable(const LeadPlan &plan, std::size_t profile, std::vector<std::size_t> *matched,
               const std::function<void(Datum key, core::GradeRank grade)> &visit) {
	std::string sql = SelectSchemaColumns(plan.table);
	OwnerRights rights(plan.table.relid);
	Portal portal = rights.Run([&] { return OpenScanCursor(sql.c_str(), 0, nullptr, nullptr); });
	ForEachCursorRow(
	    portal, [&](HeapTuple tuple, TupleDesc desc) { return Convert(plan, tuple, desc); },
	    [&](const LeadRow &row) {
		    if (row.key_null)
			    return;
		    if (matched != nullptr)
			    matched->clear();
		    visit(row.key, plan.profiles[profile].Grade(row.values, plan.table.schema.size(), matched));
	    },
	    rights);
}

} // namespace

namespace {

// Calls `scan` with the plan and profile index of every lead table that
// grades `model`; returns how many there were.
std::size_t ForEachGradingTable(const core::ModelSpec &model,
                                const std::function<void(const LeadPlan &plan, std::size_t profile)> &scan) {
	if (model.grade_profile.empty())
		return 0;
	std::size_t tables = 0;
	for (const LeadTable &t : LoadLeadTables()) {
		const LeadPlan *plan = GetLeadPlan(t.relid);
		if (plan == nullptr)
			continue;
		for (const GradedModel &gm : plan->models)
			if (gm.model.id == model.id) {
				tables++;
				scan(*plan, gm.profile);
			}
	}
	return tables;
}

} // namespace

void ScanLeadGrades(const core::ModelSpec &model, const std::function<void(Datum key, core::GradeRank grade)> &visit) {
	ForEachGradingTable(model, [&](const LeadPlan &plan, std::size_t profile) {
		ScanTable(plan, profile, nullptr, visit);
	});
}

std::size_t ScanLeadCriteria(const core::ModelSpec &model,
                             const std::function<void(Datum key, const core::GradeProfileSpec &profile,
                                                      const std::vector<std::size_t> &matched)> &visit) {
	std::vector<std::size_t> matched;
	return ForEachGradingTable(model, [&](const LeadPlan &plan, std::size_t profile) {
		const core::GradeProfileSpec &spec = plan.profiles[profile].spec();
		ScanTable(plan, profile, &matched, [&](Datum key, core::GradeRank) { visit(key, spec, matched); });
	});
}

} // namespace leadscore::pg
