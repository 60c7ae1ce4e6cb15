// The statement-level trigger on attached activity tables (DESIGN.md §2):
// reads the transition tables in C++, scores every row against every model
// in one pass (core::IngestBatch), and writes one sorted batch per model to
// leadscore.lead_state, in the writer's transaction.
//
// Memory and errors: the batch, the lead map and the row buffers belong to
// the cached TablePlan (heap objects), so while rows are read no C++ object
// with a destructor lives on the stack and a PostgreSQL ERROR may longjmp
// out of the reading loop.  Where C++ objects must live across PostgreSQL
// calls (applying deltas between reading and writing state), the calls go
// through CallPg.
#include "pg/apply_deltas.hpp"
#include "pg/datum_value.hpp"
#include "pg/guard.hpp"
#include "pg/ingest_log.hpp"
#include "pg/lead_key.hpp"
#include "pg/lifecycle_store.hpp"
#include "pg/spi_query.hpp"
#include "pg/state_store.hpp"
#include "pg/table_plan.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/tuplestore.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

struct StatementCounts {
	std::int64_t skipped = 0;
};

// Reads one transition table into the batch.  PostgreSQL calls throughout:
// see the file comment for why that is safe here.
// Keeps the account of the lead's earliest inserted row that names one: the
// lead's account unless lead_accounts already has one (account_store.hpp).
void NoteAccount(TablePlan *tp, std::uint32_t lead, Datum account, std::int64_t at) {
	if (tp->first_account.size() <= lead) {
		tp->first_account.resize(lead + 1, 0);
		tp->first_account_at.resize(lead + 1, core::kNoTime);
	}
	if (tp->first_account_at[lead] != core::kNoTime && tp->first_account_at[lead] <= at)
		return;
	const KeyType &akt = tp->account_key_type;
	tp->first_account[lead] = datumCopy(account, akt.byval, akt.typlen);
	tp->first_account_at[lead] = at;
}

FirstAccounts FirstAccountsOf(const TablePlan *tp) {
	FirstAccounts first;
	for (std::size_t lead = 0; lead < tp->first_account_at.size(); lead++)
		if (tp->first_account_at[lead] != core::kNoTime) {
			first.leads.push_back(tp->leads.keys()[lead]);
			first.accounts.push_back(tp->first_account[lead]);
		}
	return first;
}

void ReadRows(TablePlan *tp, const KeyType &kt, Tuplestorestate *store, TupleDesc desc, core::RowChange change,
              StatementCounts *counts) {
	const ActivityTable &t = tp->table;
	const auto &used = tp->plan->columns_used();
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	MemoryContext row_context = AllocSetContextCreate(CurrentMemoryContext, "leadscore row", ALLOCSET_SMALL_SIZES);
	// Triggers share the tuplestore: without the rescan a second trigger
	// on the same statement would see no rows.
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot)) {
		MemoryContextReset(row_context);
		MemoryContext outer = MemoryContextSwitchTo(row_context);
		bool lead_null, type_null, time_null;
		Datum lead = slot_getattr(slot, t.attnums[t.lead], &lead_null);
		Datum type = slot_getattr(slot, t.attnums[t.type], &type_null);
		Datum time = slot_getattr(slot, t.attnums[t.time], &time_null);
		std::int64_t at;
		if (lead_null || type_null || time_null || !TimeDatumToUnixUs(time, t.types[t.time], &at) ||
		    KeyTooLong(lead, t.types[t.lead])) {
			counts->skipped++;
			MemoryContextSwitchTo(outer);
			continue;
		}
		for (std::size_t c : used) {
			bool isnull;
			Datum v = slot_getattr(slot, t.attnums[c], &isnull);
			tp->row[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
		}
		core::Value type_value = DatumToValue(type, t.types[t.type]);
		bool account_null = true;
		Datum account = t.account >= 0 ? slot_getattr(slot, t.attnums[t.account], &account_null) : Datum(0);
		MemoryContextSwitchTo(outer);
		std::uint32_t lead_index = tp->leads.Intern(kt, lead, t.types[t.lead]);
		if (!account_null && change == core::RowChange::Inserted && !KeyTooLong(account, t.types[t.account]))
			NoteAccount(tp, lead_index, account, at);
		tp->batch->Add(lead_index, type_value.text, at, tp->row.data(), change);
	}
	MemoryContextDelete(row_context);
	ExecDropSingleTupleTableSlot(slot);
}

void ReadStatement(TriggerData *trigger, TablePlan *tp, const KeyType &kt, StatementCounts *counts) {
	TupleDesc desc = RelationGetDescr(trigger->tg_relation);
	TriggerEvent event = trigger->tg_event;
	if (TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadRows(tp, kt, trigger->tg_oldtable, desc, core::RowChange::Deleted, counts);
	if (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadRows(tp, kt, trigger->tg_newtable, desc, core::RowChange::Inserted, counts);
}

void ResetStatement(TablePlan *tp) {
	tp->batch->Reset();
	tp->leads.Clear();
	tp->first_account.clear();
	tp->first_account_at.clear();
	tp->row.assign(tp->table.schema.size(), core::Value::Null());
}

void LogCounts(Oid relid, const StatementCounts &counts, const core::IngestStats &stats) {
	if (counts.skipped == 0 && stats.unknown_type == 0)
		return;
	CallPg([&] { AppendIngestLog(relid, counts.skipped, stats.unknown_type); });
}

void ScoreStatement(TriggerData *trigger) {
	Oid relid = RelationGetRelid(trigger->tg_relation);
	ConnectSpi();
	RefreshPlans();
	TablePlan *tp = GetTablePlan(relid);
	if (tp != nullptr && tp->key_type.oid != InvalidOid) {
		const KeyType &kt = tp->key_type;
		ResetStatement(tp);
		StatementCounts counts;
		ReadStatement(trigger, tp, kt, &counts);
		tp->batch->Finish();
		std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
		bool accounts = tp->account_key_type.oid != InvalidOid;
		std::vector<ModelEffects> effects;
		effects.reserve(tp->plan->model_count());
		for (std::size_t m = 0; m < tp->plan->model_count(); m++) {
			effects.emplace_back(tp->plan->model(m).spec(), now, accounts);
			ApplyModel(tp, kt, m, &effects.back());
		}
		ReportEffects(kt, tp->account_key_type, effects, FirstAccountsOf(tp), now);
		LogCounts(relid, counts, tp->batch->stats());
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
