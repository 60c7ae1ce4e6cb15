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
// function holds).  A utility command opens a level too: COPY ends its
// trigger query itself, outside any ExecutorFinish, and a COPY run by a
// trigger of a query must not join the query's level.  A firing in another
// subtransaction than its level's is scored at once: the level outlives
// that subtransaction, which may be rolled back.
#pragma once

#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/statement_scratch.hpp"

namespace leadscore::pg {

// The scratch that collects the rows of tp's table for the query or
// command whose triggers are firing, begun on its first firing; nullptr
// when the firing is scored at once (then score it in a scratch of
// CurrentSlot()).  `owner`: the extension's owner, who scores the level.
// PostgreSQL side.
StatementScratch *LevelScratch(TablePlan *tp, Oid owner);

// Scores every level's rows now, under the plans they were read with:
// before rescore(), which recomputes every lead from a history that holds
// them already.  C++ side, SPI connected, as the extension's owner.
void ScorePendingLevels();

// The scratch slot (statement_scratch.hpp) of a firing scored at once.
int CurrentSlot();

// Installs the ExecutorFinish and ProcessUtility hooks and the abort
// cleanup; from _PG_init.
void RegisterQueryLevels();

} // namespace leadscore::pg
