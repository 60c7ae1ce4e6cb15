// leadscore._read_as_owner(): the PL/pgSQL's way to read a user's table with
// its owner's rights (owner_rights.hpp).
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_cursor.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// PostgreSQL side: whether rows of `a` can be stored as rows of `b`.
bool SameColumnTypes(TupleDesc a, TupleDesc b) {
	if (a->natts != b->natts)
		return false;
	for (int i = 0; i < a->natts; i++)
		if (TupleDescAttr(a, i)->atttypid != TupleDescAttr(b, i)->atttypid)
			return false;
	return true;
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

// leadscore._read_as_owner(tbl regclass, query text) -> SETOF record: the
// rows of `query`, a query of `tbl`, read with OwnerRights(tbl).  The reads
// of user tables in leadscore's PL/pgSQL go through it, so that their
// writes (INSERT ... SELECT ... FROM leadscore._read_as_owner(...)) stay
// the extension owner's.  The column definition list must match the query's
// columns exactly.
PG_FUNCTION_INFO_V1(leadscore_read_as_owner);
Datum leadscore_read_as_owner(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	return Guarded([&] {
		RequireArg(fcinfo, 0, "tbl");
		Oid relid = PG_GETARG_OID(0);
		std::string query = TextArg(fcinfo, 1, "query");
		ConnectSpi();
		OwnerRights rights(relid);
		Portal portal = rights.Run([&] {
			return SPI_cursor_open_with_args(nullptr, query.c_str(), 0, nullptr, nullptr, nullptr, false, 0);
		});
		bool checked = false;
		ForEachCursorRow(
		    portal,
		    [&](HeapTuple tuple, TupleDesc desc) {
			    if (!checked && !SameColumnTypes(desc, rsinfo->setDesc))
				    elog(ERROR, "leadscore: the columns of \"%s\" differ from its column definition list",
				         query.c_str());
			    checked = true;
			    tuplestore_puttuple(rsinfo->setResult, tuple);
			    return &checked;
		    },
		    [](bool) {}, rights);
		FinishSpi();
		return Datum(0);
	});
}

} // extern "C"
