// The lead, type and time columns of an attached table still have the
// types attach_activities / attach_leads accepted.
//
// The table's owner may ALTER a column after attaching it.  The triggers
// read those columns as raw Datums of the type they expect (a text key is a
// pointer, a bigint key is not), so a plan built from a changed table must
// refuse to run instead of reading one type as another (which crashed the
// backend, taking every session with it).
#pragma once

#include "pg/catalog/attached_table.hpp"

namespace leadscore::pg {

// Throws core::Error (TypeMismatch, SQLSTATE 42804) when a column of
// `table` no longer has an accepted type; `key_type` is the database's lead
// key type (InvalidOid: not fixed yet, nothing to compare).  Needs SPI
// (enum check), inside a guarded body.
void CheckAttachedColumns(const ActivityTable &table, Oid key_type);

} // namespace leadscore::pg
