// Rows that reach an attached table through one of its partitions.
//
// PostgreSQL fires a statement trigger only on the table the statement
// names, so leadscore's triggers sit on every member of an attached
// partition tree (attach_activities, src/sql/attachments.sql).  A trigger
// that fires on a member scores its rows with the attached table's plan —
// the statement scratch and the ingest log are the attachment's — and reads
// them in the attached table's layout: a table attached as a partition may
// order its columns differently or carry dropped ones.
#pragma once

#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/lead_plan.hpp"
#include "pg/catalog/table_plan.hpp"

extern "C" {
#include "access/attmap.h"
#include "access/tupconvert.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

namespace leadscore::pg {

// How to read a member's rows in its attached ancestor's layout.
struct MemberRows {
	Oid root = InvalidOid;       // the attached ancestor; InvalidOid: none
	AttrMap *to_root = nullptr;  // nullptr: the same layout, read as they are
	TupleDesc root_desc = nullptr;
};

// The plan that scores the rows written to `rel`: its own when it is
// attached, else its attached ancestor's (`rel` is a partition of an
// attached table); nullptr when neither.  *rows tells how to read rel's rows
// in the plan's layout; it and the map it holds are cached until either
// table or the configuration changes (plan_invalidation.hpp), so a plain
// attached table pays one lookup.  C++ side, like GetTablePlan.
TablePlan *ActivityPlanOf(Relation rel, const MemberRows **rows);
LeadPlan *LeadPlanOf(Relation rel, const MemberRows **rows);

// A slot that holds a member's rows converted (nullptr when `rows` needs no
// conversion).  PostgreSQL side: may ERROR.
TupleTableSlot *MakeConvertedSlot(const MemberRows &rows);

// `in` read in the attached table's layout: `in` itself, or `converted`
// (from MakeConvertedSlot) filled from it.  PostgreSQL side.
inline TupleTableSlot *InRootLayout(const MemberRows &rows, TupleTableSlot *in, TupleTableSlot *converted) {
	return rows.to_root == nullptr ? in : execute_attr_map_slot(rows.to_root, in, converted);
}

} // namespace leadscore::pg
