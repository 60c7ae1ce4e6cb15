// leadscore._lead_attributes(lead_id): the lead's row of the attached lead
// tables as jsonb, for dna().  A reader: it reads with the caller's rights,
// or as the table's owner when the caller may act as the owner (a
// superuser): the owner's code in the table runs with the owner's rights
// (owner_rights.hpp).
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/model_catalog.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// PostgreSQL side: the first row of `sql` ($1 = key), copied out of SPI;
// nothing when it has none.
bool FirstRow(const std::string &sql, Oid key_type, Datum key, Datum *row) {
	if (SPI_execute_with_args(sql.c_str(), 1, &key_type, &key, nullptr, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "leadscore: reading a lead row failed");
	bool isnull = true;
	if (SPI_processed > 0)
		*row = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		*row = SPI_datumTransfer(*row, false, -1);
	return !isnull;
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_lead_attributes);
Datum leadscore_lead_attributes(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	Oid key_type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Datum key = PG_GETARG_DATUM(0);
	return Guarded([&] {
		ConnectSpi();
		Datum row = 0;
		bool found = false;
		for (const LeadTable &t : LoadLeadTables()) {
			std::string lead = QuoteIdent(t.schema[static_cast<std::size_t>(t.lead)].name);
			std::string sql = "SELECT pg_catalog.to_jsonb(t) FROM " + t.name + " t WHERE t." + lead + " = $1 LIMIT 1";
			OwnerRights rights(t.relid);
			if ((found = rights.Run([&] { return FirstRow(sql, key_type, key, &row); })))
				break;
		}
		FinishSpi();
		fcinfo->isnull = !found;
		return row;
	});
}

} // extern "C"
