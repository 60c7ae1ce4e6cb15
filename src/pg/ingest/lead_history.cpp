// Reading activity history back from the CRM's tables.
#include "pg/ingest/lead_history.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_cursor.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace leadscore::pg {
namespace {

// The cursor is opened read-write: in READ COMMITTED that takes a fresh
// snapshot, so a reload after locking the lead's state row sees every
// activity committed before the lock was granted.

struct ConvertedRow {
	bool ok;
	Datum key;
	core::Value type;
	std::int64_t at;
	core::Value *values;
};

// PostgreSQL side: one SPI row to Values, in the current memory context.
ConvertedRow *Convert(const ActivityTable &t, HeapTuple tuple, TupleDesc desc) {
	auto *row = static_cast<ConvertedRow *>(palloc0(sizeof(ConvertedRow)));
	row->values = static_cast<core::Value *>(palloc0(sizeof(core::Value) * (t.schema.size() + 1)));
	bool lead_null, type_null, time_null;
	row->key = SPI_getbinval(tuple, desc, ResultColumn(t.lead), &lead_null);
	Datum type = SPI_getbinval(tuple, desc, ResultColumn(t.type), &type_null);
	Datum time = SPI_getbinval(tuple, desc, ResultColumn(t.time), &time_null);
	if (lead_null || type_null || time_null || !TimeDatumToUnixUs(time, t.types[t.time], &row->at) ||
	    KeyTooLong(row->key, t.types[t.lead]))
		return row;
	row->type = DatumToValue(type, t.types[t.type]);
	for (std::size_t c = 0; c < t.schema.size(); c++) {
		bool isnull;
		Datum v = SPI_getbinval(tuple, desc, ResultColumn(c), &isnull);
		row->values[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
	}
	row->ok = true;
	return row;
}

std::string HistoryQuery(const ActivityTable &t, bool one_lead) {
	std::string lead = QuoteIdent(t.schema[static_cast<std::size_t>(t.lead)].name);
	std::string sql = SelectSchemaColumns(t);
	if (one_lead)
		sql += " WHERE " + lead + " = $1";
	else
		sql += " ORDER BY " + lead;
	return sql;
}

} // namespace

void ScanHistory(const ActivityTable &t, const KeyType &kt, const Datum *key,
                 const std::function<void(const HistoryRow &)> &visit) {
	std::string sql = HistoryQuery(t, key != nullptr);
	Oid key_type = kt.oid;
	Datum key_value = key ? *key : Datum(0);
	OwnerRights rights(t.relid);
	Portal portal = rights.Run([&] {
		Oid types[1] = {key_type};
		Datum values[1] = {key_value};
		return OpenScanCursor(sql.c_str(), key ? 1 : 0, types, values);
	});
	ForEachCursorRow(
	    portal, [&](HeapTuple tuple, TupleDesc desc) { return Convert(t, tuple, desc); },
	    [&](const ConvertedRow &row) {
		    if (row.ok)
			    visit(HistoryRow{row.key, row.type.text, row.at, row.values});
	    },
	    rights);
}

void RecomputeLead(const KeyType &kt, Datum key, const core::CompiledModel &model, core::Recomputed *out) {
	core::LeadRecompute recompute(model, [] { return InterruptPending != 0; });
	recompute.Reset();
	for (TablePlan *tp : ActivityTablePlans()) {
		const core::CompiledModel *table_model = nullptr;
		for (std::size_t m = 0; m < tp->plan->model_count(); m++)
			if (tp->plan->model(m).spec().id == model.spec().id)
				table_model = &tp->plan->model(m);
		if (table_model == nullptr)
			continue;
		ScanHistory(tp->table, kt, &key, [&](const HistoryRow &row) {
			recompute.Add(*table_model, row.type, row.at, row.values);
		});
	}
	recompute.Finish(out);
}

std::map<std::string, Datum> DistinctLeads(const std::vector<const ActivityTable *> &tables, const KeyType &kt) {
	std::map<std::string, Datum> leads;
	std::string type = CallPg([&] { return format_type_be(kt.oid); });
	std::string bytes;
	for (const ActivityTable *t : tables) {
		std::string lead = QuoteIdent(t->schema[static_cast<std::size_t>(t->lead)].name);
		std::string sql = "SELECT DISTINCT k FROM (SELECT " + lead + "::" + type + " AS k FROM " + t->name +
		                  ") leads WHERE k IS NOT NULL AND pg_catalog.octet_length(k::pg_catalog.text) <= " +
		                  std::to_string(kMaxKeyBytes);
		OwnerRights rights(t->relid);
		Portal portal = rights.Run([&] {
			return OpenScanCursor(sql.c_str(), 0, nullptr, nullptr);
		});
		ForEachCursorRow(
		    portal,
		    [](HeapTuple tuple, TupleDesc desc) {
			    auto *key = static_cast<Datum *>(palloc(sizeof(Datum)));
			    bool isnull;
			    *key = SPI_getbinval(tuple, desc, 1, &isnull);
			    return key;
		    },
		    [&](Datum key) {
			    AssignKeyBytes(key, kt.oid, &bytes);
			    if (leads.find(bytes) == leads.end())
				    leads.emplace(bytes, CallPg([&] { return CopyKey(key, kt); }));
		    },
		    rights);
	}
	return leads;
}

} // namespace leadscore::pg
