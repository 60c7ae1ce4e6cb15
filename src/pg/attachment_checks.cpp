#include "pg/attachment_checks.hpp"

#include "pg/guard.hpp"
#include "pg/spi_query.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
}

#include <string>

namespace leadscore::pg {

bool ReportAttachmentProblems(ReturnSetInfo *rsinfo) {
	bool exact = true;
	for (const TextRow &r : QueryText("SELECT problem || '. ' || hint, exact FROM leadscore._attachment_problems()"
	                                  " ORDER BY tbl, other, problem")) {
		exact = exact && *r[1] == "t";
		CallPg([&] {
			Datum values[3] = {0, 0, CStringGetTextDatum(r[0]->c_str())};
			bool nulls[3] = {true, true, false};
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	return exact;
}

void CheckAttachmentsForRescore() {
	ExecuteText("SELECT leadscore._attachments_for_rescore()");
}

} // namespace leadscore::pg
