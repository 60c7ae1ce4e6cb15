// The statement-level trigger on attached activity tables (docs/design.md):
// reads the transition tables in C++ (transition_rows.hpp), scores every row
// against every model in one pass (core::IngestBatch), and writes one sorted
// batch per model to leadscore.lead_state (apply_deltas.hpp), in the
// writer's transaction.
//
// Memory and errors: the batch, the lead map and the rows in flight belong
// to the table's statement scratch (heap objects: statement_scratch.hpp), so while rows are read no C++
// object with a destructor lives on the stack and a PostgreSQL ERROR may
// longjmp out of the reading loop.  Where C++ objects must live across
// PostgreSQL calls (applying deltas between reading and writing state), the
// calls go through CallPg.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/apply_deltas.hpp"
#include "pg/ingest/transition_rows.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/ingest_log.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/trigger.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

struct StatementCounts {
	std::int64_t skipped = 0;
};

void ReadStatement(TriggerData *trigger, StatementScratch *st, const KeyType &kt, const MemberRows &layout,
                   StatementCounts *counts) {
	TupleDesc desc = RelationGetDescr(trigger->tg_relation);
	TriggerEvent event = trigger->tg_event;
	if (TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadTransitionRows(st, kt, trigger->tg_oldtable, desc, layout, core::RowChange::Deleted, &counts->skipped);
	if (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadTransitionRows(st, kt, trigger->tg_newtable, desc, layout, core::RowChange::Inserted, &counts->skipped);
}

// The leads whose earliest inserted row named an account (NoteAccount in
// transition_rows.cpp), for ReportEffects.
FirstAccounts FirstAccountsOf(const StatementScratch *st) {
	FirstAccounts first;
	for (std::size_t lead = 0; lead < st->first_account_at.size(); lead++)
		if (st->first_account_at[lead] != core::kNoTime) {
			first.leads.push_back(st->leads.keys()[lead]);
			first.accounts.push_back(st->first_account[lead]);
		}
	return first;
}

void LogCounts(Oid relid, const StatementCounts &counts, const core::IngestStats &stats) {
	if (counts.skipped == 0 && stats.unknown_type == 0)
		return;
	AppendIngestLog(relid, counts.skipped, stats.unknown_type);
}

void ScoreStatement(TriggerData *trigger) {
	WriterReads reads;
	ConnectSpi();
	RefreshPlans();
	const MemberRows *layout;
	TablePlan *tp = ActivityPlanOf(trigger->tg_relation, &layout);
	if (tp != nullptr && tp->key_type.oid != InvalidOid) {
		const KeyType &kt = tp->key_type;
		StatementScratch *st = BeginStatement(tp);
		StatementCounts counts;
		ReadStatement(trigger, st, kt, *layout, &counts);
		st->batch->Finish();
		std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
		bool accounts = tp->account_key_type.oid != InvalidOid;
		std::vector<ModelEffects> effects;
		effects.reserve(tp->plan->model_count());
		for (std::size_t m = 0; m < tp->plan->model_count(); m++) {
			effects.emplace_back(tp->plan->model(m).spec(), now, accounts);
			ApplyModel(st, kt, m, &effects.back());
		}
		ReportEffects(kt, tp->account_key_type, effects, FirstAccountsOf(st), now);
		LogCounts(tp->table.relid, counts, st->batch->stats());
	}
	FinishSpi();
}

} // namespace

} // namespace leadscore::pg

extern "C" {

// leadscore.activity_trigger(): AFTER INSERT / UPDATE / DELETE ... FOR EACH
// STATEMENT with transition tables, created by attach_activities.
PG_FUNCTION_INFO_V1(leadscore_activity_trigger);
Datum leadscore_activity_trigger(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.activity_trigger() must be called as a trigger")));
	TriggerData *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event) || !TRIGGER_FIRED_AFTER(trigger->tg_event) ||
	    TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.activity_trigger() must fire AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT")));
	return leadscore::pg::Guarded([&] {
		leadscore::pg::ScoreStatement(trigger);
		return PointerGetDatum(nullptr);
	});
}

// leadscore.load_trigger(): BEFORE INSERT OR UPDATE OR DELETE ... FOR EACH
// STATEMENT, does nothing.  Firing it loads this library before the
// statement's ExecutorFinish, so the hook that defers reloads to the end of
// the statement (deferred_reloads.hpp) is in place even for the first
// statement of a session.
PG_FUNCTION_INFO_V1(leadscore_load_trigger);
Datum leadscore_load_trigger(PG_FUNCTION_ARGS) {
	return PointerGetDatum(nullptr);
}

} // extern "C"
