// Reading a population relation and walking its leads.  See population.hpp.
#include "pg/insight/population.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_cursor.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"

#include <unordered_set>

namespace leadscore::pg {
namespace {

// One row of the relation as plain data, palloc'd in the cursor's row context.
struct ListedRow {
	bool key_null;
	KeyView key;
	const char *key_text;
	bool has_as_of, as_of_ok, end_ok;
	std::int64_t as_of, end;
};

ListedRow *ExtractListed(HeapTuple tuple, TupleDesc desc, Oid key_type) {
	auto *row = static_cast<ListedRow *>(palloc0(sizeof(ListedRow)));
	bool isnull;
	Datum key = SPI_getbinval(tuple, desc, 1, &isnull);
	row->key_null = isnull;
	if (isnull)
		return row;
	ViewKey(key, key_type, &row->key);
	row->key_text = TextDatumGetCString(SPI_getbinval(tuple, desc, 2, &isnull));
	Datum as_of = SPI_getbinval(tuple, desc, 3, &isnull);
	row->has_as_of = !isnull;
	if (isnull)
		return row;
	row->as_of_ok = TimeDatumToUnixUs(as_of, TIMESTAMPTZOID, &row->as_of);
	row->end_ok = TimeDatumToUnixUs(SPI_getbinval(tuple, desc, 4, &isnull), TIMESTAMPTZOID, &row->end);
	return row;
}

// 42703 / 42804 unless `relation` has lead_id of the key type; returns
// whether it has an as_of column (42804 unless timestamptz).
bool CheckColumns(const KeyType &kt, Oid relation, const std::string &name) {
	if (kt.oid == InvalidOid)
		throw core::Error(core::ErrorKind::WrongState, "no activity table is attached", {},
		                  "Attach the CRM's activity table with leadscore.attach_activities().");
	Oid lead_type = ColumnTypeOrNone(relation, "lead_id");
	if (lead_type == InvalidOid)
		throw core::Error(core::ErrorKind::UndefinedColumn, "population " + name + " has no column \"lead_id\"", {},
		                  "leads => names a table or view with a column lead_id (and optionally as_of timestamptz).");
	if (lead_type != kt.oid)
		throw core::Error(core::ErrorKind::TypeMismatch,
		                  "column \"lead_id\" of population " + name + " has type " + TypeName(lead_type) +
		                      ", not the lead key type " + TypeName(kt.oid),
		                  {}, "Cast it in a view: SELECT lead_id::" + TypeName(kt.oid) + " AS lead_id, ...");
	Oid as_of_type = ColumnTypeOrNone(relation, "as_of");
	if (as_of_type != InvalidOid && as_of_type != TIMESTAMPTZOID)
		throw core::Error(core::ErrorKind::TypeMismatch,
		                  "column \"as_of\" of population " + name + " has type " + TypeName(as_of_type) +
		                      ", not timestamp with time zone",
		                  {}, "Cast it in a view: SELECT lead_id, as_of::timestamptz AS as_of, ...");
	return as_of_type != InvalidOid;
}

} // namespace

Population Population::Read(const KeyType &kt, Oid relation, std::optional<TimestampTz> as_of, Datum horizon,
                            bool horizon_null, bool membership_only) {
	Population p;
	p.listed_ = true;
	std::string name = RelationName(relation);
	p.own_dates_ = CheckColumns(kt, relation, name);
	// $1 the as_of argument, $2 the horizon: each row's window in SQL, so an
	// interval of months adds as PostgreSQL adds it.
	std::string at = p.own_dates_ ? "COALESCE(as_of, $1)" : "$1";
	std::string end = horizon_null ? at : "(" + at + " OPERATOR(pg_catalog.+) $2)";
	std::string sql = "SELECT lead_id, lead_id::pg_catalog.text, " + at + ", " + end + " FROM " + name;
	Oid types[2] = {TIMESTAMPTZOID, INTERVALOID};
	Datum values[2] = {as_of ? TimestampTzGetDatum(*as_of) : Datum(0), horizon};
	char nulls[3] = {as_of ? ' ' : 'n', horizon_null ? 'n' : ' ', '\0'};
	OwnerRights rights(relation);
	Portal portal = rights.Run([&] {
		return SPI_cursor_open_with_args(nullptr, sql.c_str(), 2, types, values, nulls, true, 0);
	});
	ForEachCursorRow(
	    portal, [&](HeapTuple tuple, TupleDesc desc) { return ExtractListed(tuple, desc, kt.oid); },
	    [&](const ListedRow &row) {
		    if (row.key_null)
			    throw core::Error(core::ErrorKind::NullValue, "population " + name + " has a NULL lead_id");
		    bool timeless = !row.has_as_of && membership_only && !p.own_dates_;
		    if (!row.has_as_of && !timeless)
			    throw core::Error(core::ErrorKind::NullValue,
			                      "lead " + std::string(row.key_text) + " of population " + name + " has no as_of", {},
			                      "Give the as_of argument for rows without one.");
		    if (!timeless && (!row.as_of_ok || !row.end_ok))
			    throw core::Error(core::ErrorKind::InvalidValue,
			                      "the window of lead " + std::string(row.key_text) + " in population " + name +
			                          " is not finite",
			                      {}, "leadscore counts finite times up to the end of the year 99999.");
		    if (!timeless && !horizon_null && row.end <= row.as_of)
			    throw core::Error(core::ErrorKind::InvalidValue, "horizon must be positive", {},
			                      "Give a positive interval, e.g. '90 days'.");
		    JudgedLead lead{row.key_text, {row.as_of, row.end}};
		    if (!p.leads_.emplace(std::string(row.key.data, row.key.len), std::move(lead)).second)
			    throw core::Error(core::ErrorKind::InvalidValue,
			                      "lead " + std::string(row.key_text) + " is listed twice in population " + name, {},
			                      "A population judges each lead once: SELECT DISTINCT ON (lead_id) ... picks one row.");
	    },
	    rights);
	return p;
}

const JudgedLead *Population::Find(const std::string &key_bytes) const {
	if (!listed_)
		return &everyone_;
	auto it = leads_.find(key_bytes);
	return it == leads_.end() ? nullptr : &it->second;
}

void WalkPopulation(const KeyType &kt, const InsightModel &model, const Population &population, bool want_keys,
                    const PopulationVisitor &visit) {
	Oid output = InvalidOid;
	if (want_keys && !population.listed())
		CallPg([&] {
			bool varlena;
			getTypeOutputInfo(kt.oid, &output, &varlena);
		});
	std::unordered_set<std::string> seen;
	JudgedLead everyone;
	bool member = false;
	WalkLeads(kt, model,
	          LeadVisitor{[&](Datum key, const std::string &key_bytes) {
		                      const JudgedLead *lead = population.Find(key_bytes);
		                      member = lead != nullptr;
		                      if (!member)
			                      return;
		                      if (population.listed()) {
			                      seen.insert(key_bytes);
			                      visit.begin(key_bytes, *lead);
			                      return;
		                      }
		                      everyone.window = lead->window;
		                      if (output != InvalidOid)
			                      everyone.key_text = CallPg([&] { return OidOutputFunctionCall(output, key); });
		                      visit.begin(key_bytes, everyone);
	                      },
	                      [&](const core::CompiledModel &m, const HistoryRow &row) {
		                      if (member)
			                      visit.row(m, row);
	                      },
	                      [&] {
		                      if (member)
			                      visit.end();
	                      }});
	for (const auto &[key_bytes, lead] : population.leads())
		if (seen.count(key_bytes) == 0) {
			visit.begin(key_bytes, lead);
			visit.end();
		}
}

} // namespace leadscore::pg
