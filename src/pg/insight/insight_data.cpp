// Reading the inputs of calibrate() and evaluate().  See insight_data.hpp.
#include "pg/insight/insight_data.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/insight/population.hpp"
#include "pg/spi/spi_cursor.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace leadscore::pg {

std::string TypeName(Oid type) {
	return CallPg([&] { return format_type_be(type); });
}

std::string RelationName(Oid relation) {
	return CallPg([&] { return DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relation))); });
}

Oid ColumnTypeOrNone(Oid relid, const std::string &column) {
	auto rows = QueryText("SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) "
	                      "$1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 AND attnum > 0 AND NOT attisdropped",
	                      {std::to_string(relid), column});
	return rows.empty() ? InvalidOid : static_cast<Oid>(std::strtoul(rows[0][0]->c_str(), nullptr, 10));
}

namespace {

// One result row as plain data, palloc'd in the scan's row context.
struct PlainRow {
	KeyView key;
	bool has_time;
	std::int64_t at;
	bool has_amount;
	double amount;
	const char *text; // NULL: none
};

// Column 1: a lead key of type `key_type`; optional columns: 2 a time of
// type `time_type` (InvalidOid: none), 3 a float8 amount or a text value.
struct RowShape {
	Oid key_type;
	Oid time_type;
	bool third_is_text;
	int columns;
};

PlainRow *Extract(HeapTuple tuple, TupleDesc desc, const RowShape &shape) {
	auto *row = static_cast<PlainRow *>(palloc0(sizeof(PlainRow)));
	bool isnull;
	Datum key = SPI_getbinval(tuple, desc, 1, &isnull);
	ViewKey(key, shape.key_type, &row->key);
	if (shape.time_type != InvalidOid) {
		Datum at = SPI_getbinval(tuple, desc, 2, &isnull);
		row->has_time = !isnull && TimeDatumToUnixUs(at, shape.time_type, &row->at);
	}
	if (shape.columns >= 3) {
		Datum third = SPI_getbinval(tuple, desc, 3, &isnull);
		if (!isnull && shape.third_is_text) {
			row->text = TextDatumGetCString(third);
		} else if (!isnull) {
			row->amount = DatumGetFloat8(third);
			row->has_amount = std::isfinite(row->amount);
		}
	}
	return row;
}

// Runs `sql` through a read-only cursor with `rights` (a CRM table's:
// owner_rights.hpp) and hands each row to `use` as plain data.
void ScanRows(const OwnerRights &rights, const std::string &sql, const RowShape &shape,
              const std::function<void(const PlainRow &)> &use) {
	Portal portal = rights.Run([&] { return SPI_cursor_open_with_args(nullptr, sql.c_str(), 0, nullptr, nullptr, nullptr, true, 0); });
	ForEachCursorRow(
	    portal, [&](HeapTuple tuple, TupleDesc desc) { return Extract(tuple, desc, shape); },
	    [&](const PlainRow &row) { use(row); }, rights);
}

std::string Bytes(const KeyView &k) {
	return std::string(k.data, k.len);
}

Oid ColumnType(Oid relid, const std::string &table, const std::string &column) {
	Oid type = ColumnTypeOrNone(relid, column);
	if (type == InvalidOid)
		throw core::Error(core::ErrorKind::UndefinedColumn,
		                  "column \"" + column + "\" of table " + table + " does not exist");
	return type;
}

bool IsTimeType(Oid type) {
	return type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID;
}

} // namespace

InsightModel LoadInsightModel(const std::string &name, std::optional<std::int64_t> epoch) {
	InsightModel m;
	bool found = false;
	for (core::ModelSpec &spec : LoadModels())
		if (spec.name == name) {
			m.spec = std::move(spec);
			found = true;
		}
	if (!found)
		throw core::Error(core::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist",
		                  {}, "leadscore.models lists the models; leadscore.create_model() makes one.");
	if (epoch)
		m.spec.epoch_us = *epoch;
	m.tables = LoadActivityTables();
	for (const ActivityTable &t : m.tables)
		m.compiled.push_back(core::CompiledModel::Compile(m.spec, t.schema));
	return m;
}

OutcomeMap LoadOutcomes(const KeyType &kt, const Population &population) {
	auto tables = QueryText("SELECT tbl::pg_catalog.oid, tbl::pg_catalog.text, lead_column, time_column, amount_column"
	                        " FROM leadscore.attachments WHERE kind OPERATOR(pg_catalog.=) 'outcomes'"
	                        " ORDER BY tbl::pg_catalog.oid");
	if (tables.empty() || kt.oid == InvalidOid)
		throw core::Error(core::ErrorKind::WrongState, "no outcome table is attached", {},
		                  "Attach the table of won deals or customers with leadscore.attach_outcomes().");
	OutcomeMap outcomes;
	for (const TextRow &t : tables) {
		auto relid = static_cast<Oid>(std::strtoul(t[0]->c_str(), nullptr, 10));
		Oid time_type = ColumnType(relid, *t[1], *t[3]);
		if (!IsTimeType(time_type))
			throw core::Error(core::ErrorKind::TypeMismatch,
			                  "time column \"" + *t[3] + "\" of outcome table " + *t[1] + " has type " + TypeName(time_type));
		std::string lead = QuoteIdent(*t[2]);
		std::string amount = t[4] ? QuoteIdent(*t[4]) + "::pg_catalog.float8" : "NULL::pg_catalog.float8";
		std::string sql = "SELECT " + lead + "::" + TypeName(kt.oid) + ", " + QuoteIdent(*t[3]) + ", " + amount +
		                  " FROM " + *t[1] + " WHERE " + lead + " IS NOT NULL";
		ScanRows(OwnerRights(relid), sql, RowShape{kt.oid, time_type, false, 3}, [&](const PlainRow &row) {
			if (!row.has_time)
				return;
			std::string key = Bytes(row.key);
			const JudgedLead *lead = population.Find(key);
			if (lead == nullptr)
				return;
			LeadOutcome &o = outcomes[std::move(key)];
			o.first = std::min(o.first, row.at);
			if (row.has_amount && row.at > lead->window.as_of && row.at <= lead->window.end) {
				o.value_sum += row.amount;
				o.value_count++;
			}
		});
	}
	return outcomes;
}

namespace {

struct SourceTable {
	Oid relid;
	std::string name, lead, time; // time empty: a lead table
};

std::vector<SourceTable> SourceTables(const std::string &column, Oid table) {
	std::string sql = "SELECT tbl::pg_catalog.oid, tbl::pg_catalog.text, kind, lead_column, time_column"
	                  " FROM leadscore.attachments";
	std::vector<std::optional<std::string>> args;
	if (table != InvalidOid) {
		sql += " WHERE tbl OPERATOR(pg_catalog.=) $1::pg_catalog.oid::pg_catalog.regclass";
		args.push_back(std::to_string(table));
	} else {
		sql += " WHERE kind OPERATOR(pg_catalog.=) 'activities'";
	}
	auto rows = QueryText((sql + " ORDER BY tbl::pg_catalog.oid").c_str(), args);
	std::string table_name;
	if (table != InvalidOid)
		table_name = RelationName(table);
	if (table != InvalidOid && rows.empty())
		throw core::Error(core::ErrorKind::UndefinedObject, "table " + table_name + " is not attached", {},
		                  "source_table must be an attached activity or lead table.");
	std::vector<SourceTable> out;
	for (const TextRow &r : rows) {
		if (*r[2] == "outcomes")
			throw core::Error(core::ErrorKind::InvalidValue,
			                  "the lead source cannot come from outcome table " + *r[1],
			                  "Only converted leads have outcome rows, so their columns would give the label away.",
			                  "Name an attached activity or lead table.");
		auto relid = static_cast<Oid>(std::strtoul(r[0]->c_str(), nullptr, 10));
		auto has = QueryText("SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) "
		                     "$1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 AND attnum > 0 AND NOT attisdropped",
		                     {*r[0], column});
		if (has.empty())
			continue;
		out.push_back(SourceTable{relid, *r[1], *r[3], *r[2] == "activities" ? r[4].value_or("") : ""});
	}
	if (out.empty() && table != InvalidOid)
		throw core::Error(core::ErrorKind::UndefinedColumn,
		                  "column \"" + column + "\" of table " + table_name + " does not exist");
	if (out.empty())
		throw core::Error(core::ErrorKind::UndefinedColumn,
		                  "no attached activity table has a column \"" + column + "\"", {},
		                  "source_column names a column of the activity table, or of source_table.");
	return out;
}

} // namespace

std::unordered_map<std::string, std::string> LoadSources(const KeyType &kt, const std::string &column, Oid table,
                                                         const Population &population) {
	struct Touch {
		std::int64_t at;
		std::string value;
	};
	std::unordered_map<std::string, Touch> first;
	for (const SourceTable &t : SourceTables(column, table)) {
		std::string lead = QuoteIdent(t.lead), value = QuoteIdent(column);
		Oid time_type = t.time.empty() ? InvalidOid : ColumnType(t.relid, t.name, t.time);
		std::string sql = "SELECT " + lead + "::" + TypeName(kt.oid) + ", " +
		                  (t.time.empty() ? "NULL::pg_catalog.timestamptz" : QuoteIdent(t.time)) + ", " + value +
		                  "::pg_catalog.text FROM " + t.name + " WHERE " + lead + " IS NOT NULL AND " + value +
		                  " IS NOT NULL";
		RowShape shape{kt.oid, t.time.empty() ? TIMESTAMPTZOID : time_type, true, 3};
		ScanRows(OwnerRights(t.relid), sql, shape, [&](const PlainRow &row) {
			std::string key = Bytes(row.key);
			const JudgedLead *lead = population.Find(key);
			if (lead == nullptr)
				return;
			std::int64_t at = std::numeric_limits<std::int64_t>::min(); // a lead table: timeless
			if (!t.time.empty()) {
				if (!row.has_time || row.at > lead->window.as_of)
					return;
				at = row.at;
			}
			Touch touch{at, row.text};
			auto [it, inserted] = first.emplace(std::move(key), touch);
			if (!inserted && (at < it->second.at || (at == it->second.at && touch.value < it->second.value)))
				it->second = std::move(touch);
		});
	}
	std::unordered_map<std::string, std::string> sources;
	for (auto &[key, touch] : first)
		sources.emplace(key, std::move(touch.value));
	return sources;
}

std::unordered_map<std::string, core::GradeRank> LoadGrades(const KeyType &kt, std::int32_t model_id) {
	std::unordered_map<std::string, core::GradeRank> grades;
	if (kt.oid == InvalidOid)
		return grades;
	// The view, not lead_state: it is what any caller may read, and the
	// function runs with the caller's rights.
	std::string sql = "SELECT lead_id, NULL, grade::pg_catalog.text FROM leadscore.lead_scores"
	                  " WHERE model_id OPERATOR(pg_catalog.=) " + std::to_string(model_id) +
	                  " AND grade IS NOT NULL";
	ScanRows(OwnerRights::Current(), sql, RowShape{kt.oid, InvalidOid, true, 3}, [&](const PlainRow &row) {
		core::GradeRank rank;
		if (row.text != nullptr && core::ParseGrade(row.text, &rank))
			grades.emplace(Bytes(row.key), rank);
	});
	return grades;
}

std::unordered_map<std::string, LeadHandoff> LoadHandoffs(const KeyType &kt, const std::string &model,
                                                           const Population &population) {
	std::unordered_map<std::string, LeadHandoff> handoffs;
	if (kt.oid == InvalidOid)
		return handoffs;
	// Oldest first, so a lead's later handoff replaces its earlier one; the
	// status never holds the ':' that parts it from the reason.
	std::string sql = "SELECT lead_id, created_at, pg_catalog.concat(status, ':', reason) FROM leadscore.handoffs"
	                  " WHERE model OPERATOR(pg_catalog.=) " +
	                  std::string(CallPg([&] { return quote_literal_cstr(model.c_str()); })) +
	                  " ORDER BY created_at, id";
	ScanRows(OwnerRights::Current(), sql, RowShape{kt.oid, TIMESTAMPTZOID, true, 3}, [&](const PlainRow &row) {
		if (!row.has_time || row.text == nullptr)
			return;
		std::string key = Bytes(row.key);
		const JudgedLead *lead = population.Find(key);
		if (lead == nullptr || row.at > lead->window.as_of)
			return;
		std::string text = row.text;
		std::size_t colon = text.find(':');
		handoffs[std::move(key)] = LeadHandoff{text.substr(0, colon), text.substr(colon + 1)};
	});
	return handoffs;
}

void WalkLeads(const KeyType &kt, const InsightModel &model, const LeadVisitor &visit) {
	if (model.tables.empty() || kt.oid == InvalidOid)
		return;
	std::string bytes;
	if (model.tables.size() == 1) {
		// One table: its rows ordered by lead, each lead as its rows go by.
		// Every row is read, and a CRM's activity rows lie in time order, not
		// lead order: an index scan on the lead column visits the heap at
		// random (each page once per row on it), which the planner prices
		// low while the table is cached: with it, evaluate() over 1M rows took
		// about 1.5x as long as with a sequential scan and a sort
		// (bench/evaluate.sh's data).  So the scan is
		// planned without index scans; the level is popped after the scan
		// (on an error, the transaction's abort pops it).  The visitors run
		// no SQL meanwhile.
		int guc_level = CallPg([] {
			int level = NewGUCNestLevel();
			(void)set_config_option("enable_indexscan", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
			                        0, false);
			return level;
		});
		bool any = false;
		ScanHistory(model.tables[0], kt, nullptr, [&](const HistoryRow &row) {
			KeyView k;
			CallPg([&] { ViewKey(row.key, kt.oid, &k); });
			if (!any || bytes.size() != k.len || bytes.compare(0, k.len, k.data, k.len) != 0) {
				if (any)
					visit.end();
				bytes.assign(k.data, k.len);
				visit.begin(row.key, bytes);
				any = true;
			}
			visit.row(model.compiled[0], row);
		});
		CallPg([&] { AtEOXact_GUC(true, guc_level); });
		if (any)
			visit.end();
		return;
	}
	// Several tables: the distinct leads of all of them, then each lead's
	// rows from each table (an index on each lead column keeps it quick).
	std::vector<const ActivityTable *> tables;
	for (const ActivityTable &t : model.tables)
		tables.push_back(&t);
	for (const auto &[key_bytes, key] : DistinctLeads(tables, kt)) {
		visit.begin(key, key_bytes);
		for (std::size_t t = 0; t < model.tables.size(); t++)
			ScanHistory(model.tables[t], kt, &key, [&](const HistoryRow &row) { visit.row(model.compiled[t], row); });
		visit.end();
	}
}

} // namespace leadscore::pg
