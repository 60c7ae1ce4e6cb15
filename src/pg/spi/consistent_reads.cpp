// Which snapshot leadscore's own reads use: see consistent_reads.hpp.
#include "pg/spi/consistent_reads.hpp"

#include "pg/spi/shard_names.hpp"

extern "C" {
#include "access/xact.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
}

namespace leadscore::pg {
namespace {

// Where a scope was entered: a flag left behind by an error (a longjmp past
// the destructor) belongs to another (sub)transaction and reads as false.
struct Scope {
	bool active = false;
	LocalTransactionId lxid = InvalidLocalTransactionId;
	SubTransactionId subxact = InvalidSubTransactionId;

	bool Current() const noexcept {
		return active && lxid == MyProc->lxid && subxact == GetCurrentSubTransactionId();
	}
	bool Enter() noexcept {
		bool was = Current();
		active = true;
		lxid = MyProc->lxid;
		subxact = GetCurrentSubTransactionId();
		return was;
	}
};

Scope consistent;
Scope writer;

// Only the scope's own (sub)transaction: an error that skipped the
// destructor cannot leak it into a later writer.
bool ReadOnlyScans() noexcept {
	return consistent.Current();
}

} // namespace

ConsistentReads::ConsistentReads() noexcept : was_(consistent.Enter()) {
}

ConsistentReads::~ConsistentReads() {
	consistent.active = was_;
}

WriterReads::WriterReads() noexcept : was_(writer.Enter()) {
}

WriterReads::~WriterReads() {
	writer.active = was_;
}

Snapshot WriterSnapshot() noexcept {
	return writer.Current() && !ReadOnlyScans() && IsolationIsSerializable() ? SnapshotSelf : InvalidSnapshot;
}

int ExecuteWriterPlan(SPIPlanPtr plan, Datum *values, const char *nulls) {
	Snapshot snapshot = WriterSnapshot();
	if (snapshot == InvalidSnapshot)
		return SPI_execute_plan(plan, values, nulls, false, 0);
	return SPI_execute_snapshot(plan, values, nulls, snapshot, InvalidSnapshot, false, true, 0);
}

int ExecuteWriterSql(const char *statement, int nargs, Oid *types, Datum *values, const char *nulls) {
	const char *sql = ShardSql(statement);
	Snapshot snapshot = WriterSnapshot();
	if (snapshot == InvalidSnapshot)
		return SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
	if (plan == nullptr)
		elog(ERROR, "leadscore: SPI_prepare failed (%d): %s", SPI_result, sql);
	int rc = SPI_execute_snapshot(plan, values, nulls, snapshot, InvalidSnapshot, false, true, 0);
	SPI_freeplan(plan);
	return rc;
}

Portal OpenScanCursor(const char *statement, int nargs, Oid *types, Datum *values) {
	const char *sql = ShardSql(statement);
	Snapshot snapshot = WriterSnapshot();
	if (snapshot == InvalidSnapshot)
		return SPI_cursor_open_with_args(nullptr, sql, nargs, types, values, nullptr, ReadOnlyScans(), 0);
	// A read-only cursor reads with the active snapshot.
	PushActiveSnapshot(snapshot);
	Portal volatile portal = nullptr;
	PG_TRY();
	{
		portal = SPI_cursor_open_with_args(nullptr, sql, nargs, types, values, nullptr, true, 0);
	}
	PG_FINALLY();
	{
		PopActiveSnapshot();
	}
	PG_END_TRY();
	return portal;
}

} // namespace leadscore::pg
