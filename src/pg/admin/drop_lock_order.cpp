// DROP EXTENSION leadscore takes the attached tables before leadscore's own.
//
// The drop locks leadscore's tables as it finds them and then, dropping the
// triggers that use its trigger functions, the attached tables.  A CRM
// writer holds its attached table and then, in its trigger, wants
// leadscore's tables: the two deadlocked.  At ddl_command_start the drop
// holds no lock yet, so it locks every attached table there, in OID order,
// before any of leadscore's: it waits for the writers that hold one, and a
// writer that comes later waits for it and then writes unscored (its
// trigger is gone).  DROP SCHEMA leadscore CASCADE drops the extension too.
#include "pg/boundary/guard.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "commands/event_trigger.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
}

#include <cstring>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

bool DropsLeadscore(const Node *parsetree) {
	if (parsetree == nullptr || !IsA(parsetree, DropStmt))
		return false;
	const auto *stmt = reinterpret_cast<const DropStmt *>(parsetree);
	if (stmt->removeType != OBJECT_EXTENSION && stmt->removeType != OBJECT_SCHEMA)
		return false;
	const ListCell *cell;
	foreach (cell, stmt->objects)
		if (std::strcmp(strVal(lfirst(cell)), "leadscore") == 0)
			return true;
	return false;
}

// AccessExclusiveLock: what dropping a trigger takes on its table.
void LockAttachedTables() {
	ConnectSpi();
	std::vector<TextRow> tables =
	    QueryText("SELECT a.tbl::pg_catalog.oid FROM leadscore.attachments a ORDER BY a.tbl::pg_catalog.oid");
	for (const TextRow &row : tables) {
		Oid relid = static_cast<Oid>(std::stoul(*row[0]));
		CallPg([&] { LockRelationOid(relid, AccessExclusiveLock); });
	}
	FinishSpi();
}

} // namespace
} // namespace leadscore::pg

extern "C" {

// leadscore._lock_attached_for_drop(): ON ddl_command_start WHEN TAG IN
// ('DROP EXTENSION', 'DROP SCHEMA').
PG_FUNCTION_INFO_V1(leadscore_lock_attached_for_drop);
Datum leadscore_lock_attached_for_drop(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore._lock_attached_for_drop() must be called as an event trigger")));
	const Node *parsetree = reinterpret_cast<EventTriggerData *>(fcinfo->context)->parsetree;
	return leadscore::pg::Guarded([&] {
		if (leadscore::pg::DropsLeadscore(parsetree))
			leadscore::pg::LockAttachedTables();
		return PointerGetDatum(nullptr);
	});
}

} // extern "C"
