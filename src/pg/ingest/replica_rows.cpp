// The transaction's buffer of replicated rows.  See replica_rows.hpp.
#include "pg/ingest/replica_rows.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/partition_members.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/query_levels.hpp"
#include "pg/ingest/score_scratch.hpp"
#include "pg/ingest/transition_rows.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
}

namespace leadscore::pg {
namespace {

// Rows per pass: a streamed transaction may apply millions.
constexpr std::int64_t kFlushRows = 100000;

struct Buffer {
	StatementScratch *st = nullptr; // nullptr: empty
	bool flushing = false;          // its rows are being scored
	SubTransactionId subxact = InvalidSubTransactionId;
	Oid user = InvalidOid; // the trigger's definer, who scores the rows
	std::int64_t rows = 0;
};

// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().
Buffer *buffer = nullptr;

void Score(StatementScratch *st) {
	WriterReads reads;
	ConnectSpi();
	RefreshPlans();
	ScoreScratch(st);
	FinishSpi();
}

// Scores the buffer in a subtransaction of its own: whatever fails, the
// transaction that applies the rows goes on.  The buffer is empty after.
void Flush() {
	StatementScratch *st = buffer->st;
	Oid user = buffer->user;
	std::int64_t rows = buffer->rows;
	buffer->st = nullptr;
	buffer->rows = 0;
	// At PRE_COMMIT no snapshot is active.
	bool snapshot = !ActiveSnapshotSet();
	if (snapshot)
		PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	BeginInternalSubTransaction(nullptr);
	MemoryContextSwitchTo(context);
	buffer->flushing = true;
	PG_TRY();
	{
		Guarded([st, user] {
			RunAsDefiner(user, [st] { Score(st); });
			return Datum(0);
		});
		buffer->flushing = false;
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		buffer->flushing = false;
		MemoryContextSwitchTo(context);
		ErrorData *error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		ereport(WARNING, (errcode(error->sqlerrcode),
		                  errmsg("leadscore: %lld replicated rows of table with OID %u were not scored: %s",
		                         static_cast<long long>(rows), st->tp->table.relid, error->message),
		                  errhint("SELECT leadscore.rescore() scores them.")));
		FreeErrorData(error);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(context);
	CurrentResourceOwner = owner;
	if (snapshot)
		PopActiveSnapshot();
}

// The buffer for a row of tp's table, flushed first if it holds another
// table's rows (scored in the order they came, as statements would be), rows
// read under another plan, or rows of another subtransaction (the apply
// worker has none; a session that sets session_replication_role may).
StatementScratch *BufferFor(TablePlan *tp) {
	if (buffer == nullptr)
		buffer = new Buffer();
	StatementScratch *st = buffer->st;
	if (st != nullptr && (st->tp->table.relid != tp->table.relid || st->plan_build != tp->build ||
	                      buffer->subxact != GetCurrentSubTransactionId()))
		Flush();
	if (buffer->st == nullptr) {
		buffer->st = BeginStatement(tp, static_cast<int>(ScratchSlot::Replicated));
		buffer->subxact = GetCurrentSubTransactionId();
		buffer->user = GetUserId();
	}
	return buffer->st;
}

void ReadFiring(TriggerData *trigger, StatementScratch *st, const MemberRows &layout) {
	TriggerEvent event = trigger->tg_event;
	if (TRIGGER_FIRED_BY_INSERT(event)) {
		ReadSlotRow(st, trigger->tg_trigslot, layout, core::RowChange::Inserted);
		return;
	}
	ReadSlotRow(st, trigger->tg_trigslot, layout, core::RowChange::Deleted);
	if (TRIGGER_FIRED_BY_UPDATE(event))
		ReadSlotRow(st, trigger->tg_newslot, layout, core::RowChange::Inserted);
}

void Discard() {
	if (buffer != nullptr) {
		buffer->st = nullptr;
		buffer->rows = 0;
	}
}

void OnTransactionEvent(XactEvent event, void *) {
	if (buffer == nullptr || buffer->st == nullptr)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
		Flush();
	else
		Discard();
}

void OnSubTransactionEvent(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *) {
	if (buffer == nullptr || buffer->st == nullptr || buffer->subxact != mine)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		buffer->subxact = parent;
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		Discard();
}

} // namespace

// Inside Guarded, like the statement trigger's reading: no C++ object with
// a destructor on the stack.
void TakeReplicatedRow(TriggerData *trigger) {
	// The row trigger of a partitioned table fires on the partition a row
	// is routed to (partition_members.hpp).
	const MemberRows *layout;
	TablePlan *tp = ActivityPlanOf(trigger->tg_relation, &layout);
	if (tp == nullptr || tp->key_type.oid == InvalidOid)
		return;
	if (StatementScratch *st = LevelScratch(tp)) {
		ReadFiring(trigger, st, *layout);
		return;
	}
	if (buffer != nullptr && buffer->flushing) {
		// A trigger of the user's, run by the flush, wrote the table.
		StatementScratch *st = BeginStatement(tp, CurrentSlot());
		ReadFiring(trigger, st, *layout);
		ScoreScratch(st);
		return;
	}
	ReadFiring(trigger, BufferFor(tp), *layout);
	if (++buffer->rows >= kFlushRows)
		Flush();
}

void FlushReplicatedRows() {
	if (buffer != nullptr && buffer->st != nullptr)
		Flush();
}

void RegisterReplicatedRows() {
	RegisterXactCallback(OnTransactionEvent, nullptr);
	RegisterSubXactCallback(OnSubTransactionEvent, nullptr);
}

} // namespace leadscore::pg
