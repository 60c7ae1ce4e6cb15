// One pass per query: every trigger firing of one query on one attached
// table is scored together, when the query's last trigger has fired.
//
// One query can fire several of leadscore's statement triggers on a table:
// INSERT ... ON CONFLICT DO UPDATE fires the UPDATE and then the INSERT
// trigger, MERGE up to three, a data-modifying WITH one per sub-statement.
// Scored one firing at a time, each firing locked its leads' states in its
// own key-ordered pass, so a query and its mirror image (the same upsert
// with the two leads' rows the other way round) locked two leads in
// opposite orders and deadlocked.  So a firing inside a query's
// ExecutorFinish (where its AFTER triggers fire) only reads its transition
// tables into the query level's scratch of the table; the level is scored
// after standard_ExecutorFinish returns, when every AFTER STATEMENT
// trigger of the query has fired (statement triggers cannot be deferred),
// in one pass per model in one global order (apply_deltas.hpp).
//
// Levels nest: a statement run by a trigger or function inside the query
// is a level of its own, scored at its end (read-your-writes inside a
// function holds).  A utility command (COPY, TRUNCATE, which end their
// trigger queries themselves) opens a level too, in which firings are
// scored at once: a COPY run by a trigger of a query must not join the
// query's level.  A firing in another subtransaction than its level's is
// scored at once as well: the level outlives that subtransaction.
#pragma once

#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/statement_scratch.hpp"

#include <memory>

namespace leadscore::pg {

// The scratch that collects tp's rows for the query whose triggers are
// firing, begun on its first firing; nullptr when the firing is scored at
// once (then score it in a scratch of CurrentSlot()).  PostgreSQL side.
StatementScratch *LevelScratch(const std::shared_ptr<TablePlan> &tp);

// The scratch slot (statement_scratch.hpp) of a firing scored at once.
int CurrentSlot();

// Installs the ExecutorFinish and ProcessUtility hooks and the abort
// cleanup; from _PG_init.
void RegisterQueryLevels();

} // namespace leadscore::pg
