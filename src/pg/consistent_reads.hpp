// One snapshot for a whole verify().
//
// Scans of history and lead state open SPI cursors with read_only = false,
// which takes a fresh snapshot per query: under READ COMMITTED, verify()
// then read a lead's history after writers had committed rows its earlier
// read of lead state did not include, and reported differences that were
// not there (dozens per call under a light pgbench load).  While a
// ConsistentReads object lives, those scans read with SPI's read-only mode
// instead: the snapshot of the statement that called verify().
//
// Writers (the triggers, rescore()) never set it: they must see what the
// statement so far wrote.
#pragma once

#include "pg/postgres_headers.hpp"

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

// The read_only argument for SPI scans of history, lead state and lead
// tables: true only inside a ConsistentReads of this (sub)transaction, so
// an error that skipped the destructor cannot leak it into a later writer.
bool ReadOnlyScans() noexcept;

} // namespace leadscore::pg
