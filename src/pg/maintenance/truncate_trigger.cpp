// leadscore.truncate_trigger(): AFTER TRUNCATE ... FOR EACH STATEMENT on
// every member of an attached table.  TRUNCATE has no transition table, so
// the scores are rebuilt from what is left (rescore()).
//
// TRUNCATE of a partitioned table fires the trigger of every member it
// empties, and only once all of them are empty (ExecuteTruncateGuts): the
// first firing's rescore sees the whole statement, the others would redo it.
// A firing is one of those others when nothing ran since the last rescore
// ended: same transaction, same subtransaction, same command id.  Any
// command in between — a write, DDL, the next TRUNCATE — advances the
// command id, because the rescore's is marked used.
#include "pg/boundary/guard.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/citus/unscored_shards.hpp"
#include "pg/maintenance/recompute_functions.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/trigger.h"
#include "storage/proc.h"
}

namespace leadscore::pg {
namespace {

struct Rescored {
	LocalTransactionId xact = InvalidLocalTransactionId;
	SubTransactionId subxact = InvalidSubTransactionId;
	CommandId command = InvalidCommandId;
};

Rescored last;

Rescored Now(bool mark_used) {
	return Rescored{MyProc->lxid, GetCurrentSubTransactionId(), GetCurrentCommandId(mark_used)};
}

bool RescoredSinceLastCommand() {
	Rescored now = Now(false);
	return now.xact == last.xact && now.subxact == last.subxact && now.command == last.command;
}

void RescoreAfterTruncate(Relation rel) {
	if (RescoredSinceLastCommand())
		return;
	ConnectSpi();
	if (const ShardContext *shard = ShardContextOf(rel)) {
		// On Citus each emptied shard rescores its own group's leads.
		RescoreShardGroupNow(shard);
	} else if (LeadscoreDistributed() ? !IsCitusTable(rel) : !WarnIfDistributed(rel)) {
		// A distributed table's TRUNCATE fires this on the coordinator
		// before Citus empties the shards, whose own firings rescore
		// (unscored_shards.hpp until leadscore.distribute()).
		ExecuteText("SELECT leadscore.rescore()");
	}
	FinishSpi();
	CallPg([] { last = Now(true); });
}

} // namespace
} // namespace leadscore::pg

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_truncate_trigger);
Datum leadscore_truncate_trigger(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.truncate_trigger() must fire AFTER TRUNCATE")));
	return leadscore::pg::Guarded([&] {
		leadscore::pg::RescoreAfterTruncate(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_relation);
		return PointerGetDatum(nullptr);
	});
}

} // extern "C"
