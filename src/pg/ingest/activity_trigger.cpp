// The statement-level trigger on attached activity tables (docs/design.md):
// reads the transition tables in C++ (transition_rows.hpp) into the
// statement's scratch, and scores them in one pass (score_scratch.hpp): at
// once, or, inside a query, with the query's other firings on the table
// when its last trigger has fired (query_levels.hpp).
//
// Memory and errors: the batch, the lead map and the rows in flight belong
// to the statement's scratch (heap objects: statement_scratch.hpp), so
// while rows are read no C++ object with a destructor lives on the stack
// and a PostgreSQL ERROR may longjmp out of the reading loop.
#include "pg/boundary/guard.hpp"
#include "pg/catalog/partition_members.hpp"
#include "pg/catalog/shard_group_scope.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/citus/unscored_shards.hpp"
#include "pg/ingest/query_levels.hpp"
#include "pg/ingest/replica_rows.hpp"
#include "pg/ingest/score_scratch.hpp"
#include "pg/ingest/transition_rows.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "commands/trigger.h"
}

namespace leadscore::pg {
namespace {

void ReadStatement(TriggerData *trigger, StatementScratch *st, const MemberRows &layout) {
	const KeyType &kt = st->tp->key_type;
	TupleDesc desc = RelationGetDescr(trigger->tg_relation);
	TriggerEvent event = trigger->tg_event;
	if (TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadTransitionRows(st, kt, trigger->tg_oldtable, desc, layout, core::RowChange::Deleted);
	if (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event))
		ReadTransitionRows(st, kt, trigger->tg_newtable, desc, layout, core::RowChange::Inserted);
}

void ScoreStatement(TriggerData *trigger) {
	WriterReads reads;
	ConnectSpi();
	// On a Citus shard, its node's tables (shard_context.hpp).
	ShardGroupScope shard(ShardContextOf(trigger->tg_relation));
	// A partition's rows are its attached ancestor's (partition_members.hpp):
	// the scratch is the ancestor's, so one query's rows of several
	// partitions are scored in one pass.
	const MemberRows *layout;
	TablePlan *tp = ActivityPlanOf(trigger->tg_relation, &layout);
	if (tp != nullptr && tp->key_type.oid != InvalidOid) {
		// SECURITY DEFINER: the user is the extension's owner.
		StatementScratch *st = LevelScratch(tp, GetUserId());
		if (st != nullptr) {
			ReadStatement(trigger, st, *layout);
		} else {
			st = BeginStatement(tp, CurrentSlot());
			ReadStatement(trigger, st, *layout);
			ScoreScratch(st);
		}
	} else if (tp == nullptr) {
		WarnIfDistributed(trigger->tg_relation);
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

// leadscore.replica_trigger(): AFTER INSERT OR UPDATE OR DELETE ... FOR
// EACH ROW, enabled REPLICA, for the rows logical replication applies
// (replica_rows.hpp).  Not SECURITY DEFINER: it fires once per row, and
// the user and search_path switch around each call cost more than the
// row's scoring; the rows are scored with the function owner's rights.
PG_FUNCTION_INFO_V1(leadscore_replica_trigger);
Datum leadscore_replica_trigger(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.replica_trigger() must be called as a trigger")));
	TriggerData *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_FOR_ROW(trigger->tg_event) || !TRIGGER_FIRED_AFTER(trigger->tg_event) ||
	    TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.replica_trigger() must fire AFTER INSERT, UPDATE or DELETE FOR EACH ROW")));
	Oid function = fcinfo->flinfo->fn_oid;
	return leadscore::pg::Guarded([&] {
		leadscore::pg::TakeReplicatedRow(trigger, function);
		return PointerGetDatum(nullptr);
	});
}

// leadscore.load_trigger(): BEFORE INSERT OR UPDATE OR DELETE ... FOR EACH
// STATEMENT, does nothing.  Firing it loads this library before the
// statement's ExecutorFinish, so the hook that scores the statement's
// firings together (query_levels.hpp) is in place even for the first
// statement of a session.
PG_FUNCTION_INFO_V1(leadscore_load_trigger);
Datum leadscore_load_trigger(PG_FUNCTION_ARGS) {
	return PointerGetDatum(nullptr);
}

} // extern "C"
