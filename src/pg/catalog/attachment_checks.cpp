#include "pg/catalog/attachment_checks.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// ALTER EXTENSION leadscore UPDATE runs each script with this library
// loaded: under the SQL of 0.1 and 0.2 there are no checks to run.
bool ChecksInstalled() {
	return *QueryText("SELECT pg_catalog.to_regprocedure('leadscore._attachment_problems()') IS NOT NULL")[0][0] ==
	       "t";
}

} // namespace

bool ReportAttachmentProblems(ReturnSetInfo *rsinfo) {
	bool exact = true;
	if (!ChecksInstalled())
		return exact;
	for (const TextRow &r : QueryText("SELECT problem || '. ' || hint, exact FROM leadscore._attachment_problems()"
	                                  " ORDER BY tbl, other, problem")) {
		exact = exact && *r[1] == "t";
		CallPg([&] {
			Datum values[3] = {0, 0, TextDatum(*r[0])};
			bool nulls[3] = {true, true, false};
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	return exact;
}

void CheckAttachmentsForRescore() {
	if (ChecksInstalled())
		ExecuteText("SELECT leadscore._attachments_for_rescore()");
}

} // namespace leadscore::pg
