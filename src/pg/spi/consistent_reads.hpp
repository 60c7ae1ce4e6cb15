// Which snapshot leadscore's own reads use.
//
// One for a whole verify().  Scans of history and lead state open SPI
// cursors with read_only = false, which takes a fresh snapshot per query:
// under READ COMMITTED, verify() then read a lead's history after writers
// had committed rows its earlier read of lead state did not include, and
// reported differences that were not there (dozens per call under a light
// pgbench load).  While a ConsistentReads object lives, those scans read
// with SPI's read-only mode instead: the snapshot of the statement that
// called verify().  Writers (the triggers, rescore()) never set it: they
// must see what the statement so far wrote.
//
// None that takes predicate locks for a writer under SERIALIZABLE.  While a
// WriterReads object lives (the triggers, the reloads they defer, tick()),
// in a SERIALIZABLE transaction, the state rows a writer reads, locks and
// writes, and the history it recomputes a lead from, are read with
// SnapshotSelf (the latest committed rows and its own) instead of the
// transaction's MVCC snapshot.  PostgreSQL takes predicate (SIRead) locks
// only for MVCC reads, and those of leadscore's reads fell on index and
// heap pages that writers of other leads write too: writers of different
// leads failed with serialization errors (isolation/serializable_writers).
// Writes still check for others' predicate locks, so a transaction that
// reads scores stays serializable; writers of one lead are ordered by its
// row lock, and one that waited for another's uncommitted write of that
// lead fails as before.  Rows are overwritten by upserts, never UPDATE
// (state_store.cpp says why).
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace leadscore::pg {

class ConsistentReads {
public:
	ConsistentReads() noexcept;
	~ConsistentReads();
	ConsistentReads(const ConsistentReads &) = delete;
	ConsistentReads &operator=(const ConsistentReads &) = delete;

private:
	bool was_;
};

class WriterReads {
public:
	WriterReads() noexcept;
	~WriterReads();
	WriterReads(const WriterReads &) = delete;
	WriterReads &operator=(const WriterReads &) = delete;

private:
	bool was_;
};

// SnapshotSelf inside a WriterReads of this (sub)transaction when it is
// SERIALIZABLE; otherwise InvalidSnapshot (SPI's own).
Snapshot WriterSnapshot() noexcept;

// SPI_execute_plan(plan, values, nulls, false, 0), with WriterSnapshot()
// when there is one.  PostgreSQL side.
int ExecuteWriterPlan(SPIPlanPtr plan, Datum *values, const char *nulls);

// SPI_execute_with_args(sql, ..., false, 0), with WriterSnapshot() when
// there is one (planned for this call only).  Not for an UPDATE: with
// SnapshotSelf its scan may meet the row versions it has just written.
// PostgreSQL side.
int ExecuteWriterSql(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls);

// A cursor over `sql` for a scan of history, lead state or lead tables:
// read-only (the statement's snapshot) inside a ConsistentReads of this
// (sub)transaction, with WriterSnapshot() when there is one, otherwise with
// a fresh snapshot.  PostgreSQL side.
Portal OpenScanCursor(const char *sql, int nargs, Oid *types, Datum *values);

} // namespace leadscore::pg
