// The ExecutorFinish and ProcessUtility hooks that open and score query
// levels.  See query_levels.hpp.
#include "pg/ingest/query_levels.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/ingest/deferred_reloads.hpp"
#include "pg/ingest/score_scratch.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "tcop/utility.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

struct Level {
	bool scoring = false;  // its rows are being scored: no more join it
	SubTransactionId subxact = InvalidSubTransactionId;
	Oid user = InvalidOid; // the extension's owner, who scores it
	std::vector<StatementScratch *> pending; // by table, in order of first firing
};

ExecutorFinish_hook_type previous_finish = nullptr;
ProcessUtility_hook_type previous_utility = nullptr;
// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().  levels[d - 1] is level d.
std::vector<Level> *levels = nullptr;

void NotePendingLevel() {
	int depth = 0;
	for (std::size_t i = 0; i < levels->size() && depth == 0; i++)
		if (!(*levels)[i].pending.empty())
			depth = static_cast<int>(i) + 1;
	SetPendingLevel(depth);
}

int Open() {
	return static_cast<int>(Guarded([] {
		if (levels == nullptr)
			levels = new std::vector<Level>();
		Level level;
		level.subxact = GetCurrentSubTransactionId();
		levels->push_back(std::move(level));
		return Datum(levels->size());
	}));
}

// Forgets level `depth` and those above it: they ended, or were rolled
// back.  A transaction that ended inside the level (COMMIT in a procedure)
// took them already.
void Drop(int depth) {
	if (levels != nullptr && levels->size() >= static_cast<std::size_t>(depth))
		levels->resize(static_cast<std::size_t>(depth) - 1);
	DropReloads(depth);
	if (levels != nullptr)
		NotePendingLevel();
}

// Scores the level's tables one after the other; while one is scored, the
// others' rows are pending, so its reloads wait for the level's end.
void ScoreLevel(int depth) {
	WriterReads reads;
	ConnectSpi();
	RefreshPlans();
	auto level = [depth]() -> Level & { return (*levels)[static_cast<std::size_t>(depth) - 1]; };
	level().scoring = true;
	// A copy: its SPI opens levels above, which may move `levels`.
	if (std::vector<StatementScratch *> tables = level().pending; tables.size() > 1)
		LockLeadsOf(tables);
	while (!level().pending.empty()) {
		StatementScratch *st = level().pending.front();
		level().pending.erase(level().pending.begin());
		NotePendingLevel();
		ScoreScratch(st);
	}
	RunReloads(depth);
	FinishSpi();
}

void Close(int depth) {
	// A transaction that ended inside the level (COMMIT in a procedure)
	// took it, with anything it held.
	if (levels == nullptr || levels->size() < static_cast<std::size_t>(depth))
		return;
	const Level &level = (*levels)[static_cast<std::size_t>(depth) - 1];
	if (!level.pending.empty() || HasReloads(depth)) {
		Oid user = level.user;
		Guarded([depth, user] {
			RunAsDefiner(user, [depth] { ScoreLevel(depth); });
			return Datum(0);
		});
	}
	Drop(depth);
}

void FinishQuery(QueryDesc *query) {
	int depth = Open();
	PG_TRY();
	{
		if (previous_finish != nullptr)
			previous_finish(query);
		else
			standard_ExecutorFinish(query);
		Close(depth);
	}
	PG_CATCH();
	{
		Drop(depth);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

void RunUtility(PlannedStmt *statement, const char *text, bool read_only_tree, ProcessUtilityContext context,
                ParamListInfo params, QueryEnvironment *env, DestReceiver *dest, QueryCompletion *completion) {
	int depth = Open();
	PG_TRY();
	{
		if (previous_utility != nullptr)
			previous_utility(statement, text, read_only_tree, context, params, env, dest, completion);
		else
			standard_ProcessUtility(statement, text, read_only_tree, context, params, env, dest, completion);
		Close(depth);
	}
	PG_CATCH();
	{
		Drop(depth);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

// Levels and reloads belong to their transaction (a procedure may COMMIT
// inside its CALL's level).
void OnTransactionEnd(XactEvent event, void *) {
	switch (event) {
	case XACT_EVENT_COMMIT:
	case XACT_EVENT_PARALLEL_COMMIT:
	case XACT_EVENT_PREPARE:
	case XACT_EVENT_ABORT:
	case XACT_EVENT_PARALLEL_ABORT:
		Drop(1);
		break;
	default:
		break;
	}
}

// Scores, under the plan they were read with, the rows of a level's table
// now: its plan went stale between two firings of the query (a trigger
// changed the configuration, and the next firing starts a new scratch), or
// rescore() is about to recompute every lead.
void ScoreStale(Level *level, std::size_t k) {
	StatementScratch *st = level->pending[k];
	level->pending.erase(level->pending.begin() + static_cast<std::ptrdiff_t>(k));
	NotePendingLevel();
	ScoreScratch(st);
}

} // namespace

StatementScratch *LevelScratch(TablePlan *tp, Oid owner) {
	if (levels == nullptr || levels->empty())
		return nullptr;
	const Level &top = levels->back();
	if (top.scoring || top.subxact != GetCurrentSubTransactionId())
		return nullptr;
	for (std::size_t k = 0; k < top.pending.size(); k++) {
		StatementScratch *st = top.pending[k];
		if (st->tp->table.relid != tp->table.relid)
			continue;
		if (st->plan_build == tp->build)
			return st;
		// (Its SPI opens levels above: `top` may move.)
		ScoreStale(&levels->back(), k);
		break;
	}
	StatementScratch *st = BeginStatement(tp, static_cast<int>(levels->size()));
	levels->back().user = owner;
	levels->back().pending.push_back(st);
	NotePendingLevel();
	return st;
}

void ScorePendingLevels() {
	if (levels == nullptr)
		return;
	for (std::size_t d = 0; d < levels->size(); d++)
		while (!(*levels)[d].pending.empty())
			RunAsDefiner((*levels)[d].user, [d] { ScoreStale(&(*levels)[d], 0); });
}

int CurrentSlot() {
	return AtOnceSlot(levels == nullptr ? 0 : static_cast<int>(levels->size()));
}

void RegisterQueryLevels() {
	previous_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = FinishQuery;
	previous_utility = ProcessUtility_hook;
	ProcessUtility_hook = RunUtility;
	RegisterXactCallback(OnTransactionEnd, nullptr);
}

} // namespace leadscore::pg
