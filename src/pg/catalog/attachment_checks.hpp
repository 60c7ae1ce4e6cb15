// Attachments that leadscore cannot score exactly: a table that is gone or
// temporary, an UNLOGGED one, a table whose rows an attached ancestor
// reads too, a key column with a nondeterministic collation.  The rules
// live in leadscore._attachment_problems() (src/sql/attachments.sql), which
// attach_*() and the DDL event trigger use to refuse them; this is how
// verify() and rescore() see those that got past.
//
// Call inside Guarded with SPI connected.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "nodes/execnodes.h"
}

namespace leadscore::pg {

// verify(): one row (model and lead_id NULL) per problem into `rsinfo`'s
// tuplestore; false when a problem makes a recompute of lead states wrong
// (rows counted twice, keys merged), so they are not compared.
bool ReportAttachmentProblems(ReturnSetInfo *rsinfo);

// rescore(), after its locks: forgets attachments of tables that are gone
// and refuses, with the problem's SQLSTATE and hint, while one makes the
// recompute wrong.
void CheckAttachmentsForRescore();

} // namespace leadscore::pg
