// Reading activity history back from the CRM's tables.
#include "pg/ingest/lead_history.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_cursor.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
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
	std::int64_t request; // RecomputeLeads: the 1-based position of the row's lead among those asked for
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

namespace {

// The attached tables that feed `model`, each with the model compiled for it.
std::vector<std::pair<TablePlan *, const core::CompiledModel *>> TablesOf(const core::CompiledModel &model) {
	std::vector<std::pair<TablePlan *, const core::CompiledModel *>> tables;
	for (TablePlan *tp : ActivityTablePlans())
		for (std::size_t m = 0; m < tp->plan->model_count(); m++)
			if (tp->plan->model(m).spec().id == model.spec().id)
				tables.emplace_back(tp, &tp->plan->model(m));
	return tables;
}

// The rows of the leads `keys` of one table, each with the position of its
// lead among `keys`, in that order: one query, however many leads.
void ScanHistories(const ActivityTable &t, const KeyType &kt, const std::vector<Datum> &keys,
                   const std::function<void(std::int64_t, const HistoryRow *)> &visit) {
	std::string sql = SelectSchemaColumns(t);
	std::string lead = QuoteIdent(t.schema[static_cast<std::size_t>(t.lead)].name);
	// "SELECT cols FROM table" becomes a join with the keys asked for.
	std::string columns = sql.substr(0, sql.rfind(" FROM "));
	std::string type = CallPg([&] { return format_type_be(kt.oid); });
	sql = columns + ", k.i FROM pg_catalog.unnest($1::" + type + "[]) WITH ORDINALITY AS k(key, i) JOIN " + t.name +
	      " ON " + lead + " = k.key ORDER BY k.i";
	Datum array = CallPg([&] { return KeyArrayDatum(kt, keys.data(), static_cast<int>(keys.size())); });
	const int request_column = static_cast<int>(t.schema.size()) + 1;
	OwnerRights rights(t.relid);
	Portal portal = rights.Run([&] {
		Oid types[1] = {CallPg([&] { return get_array_type(kt.oid); })};
		Datum values[1] = {array};
		return OpenScanCursor(sql.c_str(), 1, types, values);
	});
	ForEachCursorRow(
	    portal,
	    [&](HeapTuple tuple, TupleDesc desc) {
		    ConvertedRow *row = Convert(t, tuple, desc);
		    bool isnull;
		    row->request = DatumGetInt64(SPI_getbinval(tuple, desc, request_column, &isnull));
		    return row;
	    },
	    [&](const ConvertedRow &row) {
		    HistoryRow history{row.key, row.type.text, row.at, row.values};
		    visit(row.request, row.ok ? &history : nullptr);
	    },
	    rights);
}

} // namespace

namespace {

// A state as of the transaction's now(), the time lead_scores reads with:
// silence scorings due by then are in its sums, later ones pending.
std::int64_t StateTime() {
	return TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
}

} // namespace

void RecomputeLead(const KeyType &kt, Datum key, const core::CompiledModel &model, core::Recomputed *out) {
	core::LeadRecompute recompute(model, [] { return InterruptPending != 0; });
	recompute.SetNow(StateTime());
	recompute.Reset();
	std::vector<Datum> keys{key};
	Ledgers ledgers = LoadLedgers(kt, model.spec(), &keys);
	if (!ledgers.empty())
		recompute.AddLedger(ledgers.begin()->second.entries);
	for (const auto &[tp, table_model] : TablesOf(model))
		ScanHistory(tp->table, kt, &key, [&](const HistoryRow &row) {
			recompute.Add(*table_model, row.type, row.at, row.values);
		});
	recompute.Finish(out);
}

void RecomputeLeads(const KeyType &kt, const std::vector<Datum> &keys, const core::CompiledModel &model,
                    const std::function<void(std::size_t, const core::Recomputed &)> &visit) {
	auto tables = TablesOf(model);
	core::Recomputed out;
	if (tables.size() != 1) {
		for (std::size_t i = 0; i < keys.size(); i++) {
			RecomputeLead(kt, keys[i], model, &out);
			visit(i, out);
		}
		return;
	}
	core::LeadRecompute recompute(model, [] { return InterruptPending != 0; });
	recompute.SetNow(StateTime());
	Ledgers ledgers = LoadLedgers(kt, model.spec(), &keys);
	std::string bytes;
	auto start = [&](std::size_t i) {
		recompute.Reset();
		if (ledgers.empty() || i >= keys.size())
			return;
		AssignKeyBytes(keys[i], kt.oid, &bytes);
		recompute.AddLedger(LedgerOf(ledgers, bytes));
	};
	start(0);
	std::size_t done = 0;
	auto finish_until = [&](std::size_t end) {
		for (; done < end; done++) {
			recompute.Finish(&out);
			visit(done, out);
			start(done + 1);
		}
	};
	const core::CompiledModel &table_model = *tables.front().second;
	ScanHistories(tables.front().first->table, kt, keys, [&](std::int64_t request, const HistoryRow *row) {
		finish_until(static_cast<std::size_t>(request - 1));
		if (row != nullptr)
			recompute.Add(table_model, row->type, row->at, row->values);
	});
	finish_until(keys.size());
}

std::size_t ModelTableCount(const core::CompiledModel &model) {
	return TablesOf(model).size();
}

void ScanLeadHistories(const KeyType &kt, const std::vector<Datum> &keys, const core::CompiledModel &model,
                       std::vector<const core::CompiledModel *> *table_models,
                       const std::function<void(std::size_t, std::size_t, const HistoryRow &)> &visit) {
	auto tables = TablesOf(model);
	for (std::size_t t = 0; t < tables.size(); t++) {
		table_models->push_back(tables[t].second);
		ScanHistories(tables[t].first->table, kt, keys, [&](std::int64_t request, const HistoryRow *row) {
			if (row != nullptr)
				visit(static_cast<std::size_t>(request - 1), t, *row);
		});
	}
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
