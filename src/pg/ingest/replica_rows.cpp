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
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <unordered_map>

namespace leadscore::pg {
namespace {

// Rows per pass.  A pass rewrites the state of every lead it touches, so
// fewer, larger passes cost less (a table sync of 3M rows over 100k leads
// in passes of 100k rows rewrote each lead's state 30 times); a streamed
// transaction may bring many millions.  A batch keeps per row only the
// hits of its capped rules (core/ingest/ingest_batch.hpp), and per lead
// one accumulator: a million rows take some tens of MB.
constexpr std::int64_t kFlushRows = 1000000;

// The plan and layout of a table rows came for, and the plan generation
// they were looked up at (table_plan.hpp).
struct Known {
	std::uint64_t generation;
	TablePlan *tp;
	const MemberRows *layout;
};

struct Buffer {
	StatementScratch *st = nullptr; // nullptr: empty
	bool flushing = false;          // its rows are being scored
	SubTransactionId subxact = InvalidSubTransactionId;
	Oid user = InvalidOid; // the extension's owner, who scores the rows
	std::int64_t rows = 0;
};

// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().
Buffer *buffer = nullptr;
std::unordered_map<Oid, Known> *known = nullptr;

Oid OwnerOf(Oid function) {
	return CallPg([function] {
		HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "leadscore: cache lookup failed for function %u", function);
		Oid owner = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple))->proowner;
		ReleaseSysCache(tuple);
		return owner;
	});
}

// The plan that scores rel's rows (partition_members.hpp).  Looked up again,
// as `owner` and with SPI (it may have to be built), only when plans were
// dropped since the last row: most rows need neither.
TablePlan *PlanOf(Relation rel, Oid owner, const MemberRows **layout) {
	RefreshPlans();
	if (known == nullptr)
		known = new std::unordered_map<Oid, Known>();
	Oid relid = RelationGetRelid(rel);
	auto it = known->find(relid);
	if (it != known->end() && it->second.generation == PlanGeneration()) {
		*layout = it->second.layout;
		return it->second.tp;
	}
	TablePlan *tp = nullptr;
	RunAsDefiner(owner, [&] {
		ConnectSpi();
		tp = ActivityPlanOf(rel, layout);
		FinishSpi();
	});
	(*known)[relid] = Known{PlanGeneration(), tp, *layout};
	return tp;
}

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
StatementScratch *BufferFor(TablePlan *tp, Oid owner) {
	if (buffer == nullptr)
		buffer = new Buffer();
	StatementScratch *st = buffer->st;
	if (st != nullptr && (st->tp->table.relid != tp->table.relid || st->plan_build != tp->build ||
	                      buffer->subxact != GetCurrentSubTransactionId()))
		Flush();
	if (buffer->st == nullptr) {
		buffer->st = BeginStatement(tp, static_cast<int>(ScratchSlot::Replicated));
		buffer->subxact = GetCurrentSubTransactionId();
		buffer->user = owner;
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
void TakeReplicatedRow(TriggerData *trigger, Oid function) {
	Oid owner = OwnerOf(function);
	// The row trigger of a partitioned table fires on the partition a row
	// is routed to (partition_members.hpp).
	const MemberRows *layout;
	TablePlan *tp = PlanOf(trigger->tg_relation, owner, &layout);
	if (tp == nullptr || tp->key_type.oid == InvalidOid)
		return;
	if (StatementScratch *st = LevelScratch(tp, owner)) {
		ReadFiring(trigger, st, *layout);
		return;
	}
	if (buffer != nullptr && buffer->flushing) {
		// A trigger of the user's, run by the flush, wrote the table.
		StatementScratch *st = BeginStatement(tp, CurrentSlot());
		ReadFiring(trigger, st, *layout);
		RunAsDefiner(owner, [st] { Score(st); });
		return;
	}
	ReadFiring(trigger, BufferFor(tp, owner), *layout);
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
