// Statements that run for nearly every scored statement (lifecycle writes,
// events, accounts), parsed and planned once per backend and kept
// (SPI_keepplan), where SPI_execute_with_args would parse, analyse and plan
// them on every call: for a one-row INSERT that is most of what the
// statement costs (bench/README.md, "Accounts").
#pragma once

#include "pg/boundary/guard.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace leadscore::pg {

// The kept plan of `sql` with parameters of `types`, prepared on first use.
// `cursor_options`: CURSOR_OPT_GENERIC_PLAN for statements with one sensible
// plan (inserts, upserts); CURSOR_OPT_CUSTOM_PLAN for those that look rows
// up by an array of keys (a generic plan made while a table was small may
// scan all of it later; parsing and analysis are still saved); 0, PostgreSQL's
// choice, for a lookup of one primary key (its generic plan is the index
// scan but on a table of a page or two, and such a plan is replanned when
// ANALYZE next updates the table's statistics), as state_store's one-lead
// plans.  Plans are per text and types, so a retyped lead key gets plans of
// its own.  C++ side: call outside CallPg (it prepares through CallPg).
SPIPlanPtr KeptPlan(const char *sql, int nargs, const Oid *types, int cursor_options);

// Runs a kept plan; raises unless SPI returns `expected`.  `nulls` as
// SPI_execute_plan's (nullptr: none).  PostgreSQL side: call inside CallPg.
void RunKeptPlan(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what);

} // namespace leadscore::pg
