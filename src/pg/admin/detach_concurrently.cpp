// ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY is refused on attached
// partition trees.
//
// It runs in two transactions: the first commits the partition as
// detach-pending (new snapshots of the parent stop seeing its rows), the
// second ends it, and a cancelled one leaves it pending until DETACH ...
// FINALIZE.  The scores would count the partition's rows while the parent no
// longer shows them, and the event trigger that takes them out
// (leadscore._follow_partitions) would run in the second transaction only.
// A plain DETACH PARTITION does it all in one.  At ddl_command_start the
// statement is still a parse tree: which table it detaches from, and how,
// are there alone.  FINALIZE of a detach begun before the tree was attached
// may go on: it is one transaction.
#include "pg/boundary/guard.hpp"
#include "pg/spi/spi_query.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "nodes/parsenodes.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// The table a DETACH ... CONCURRENTLY detaches from; nullptr for any other
// statement.
const RangeVar *DetachedConcurrentlyFrom(const Node *parsetree) {
	if (parsetree == nullptr || !IsA(parsetree, AlterTableStmt))
		return nullptr;
	const auto *stmt = reinterpret_cast<const AlterTableStmt *>(parsetree);
	const ListCell *cell;
	foreach (cell, stmt->cmds) {
		const auto *cmd = static_cast<const AlterTableCmd *>(lfirst(cell));
		if (cmd->subtype == AT_DetachPartition && reinterpret_cast<const PartitionCmd *>(cmd->def)->concurrent)
			return stmt->relation;
	}
	return nullptr;
}

void RefuseIfAttached(const RangeVar *parent) {
	// No lock yet: the statement takes its own; a table that does not exist
	// is its error to report.
	Oid relid = CallPg([&] { return RangeVarGetRelid(const_cast<RangeVar *>(parent), NoLock, true); });
	if (relid == InvalidOid)
		return;
	ConnectSpi();
	bool attached = *QueryText("SELECT EXISTS (SELECT FROM leadscore._attached_members() m"
	                           " WHERE m.member = $1::pg_catalog.oid)",
	                           {std::to_string(relid)})[0][0] == "t";
	FinishSpi();
	if (attached)
		throw core::Error(core::ErrorKind::NotSupported,
		                  "cannot detach a partition of an attached table concurrently",
		                  "Its rows would leave the table in one transaction and the scores in another.",
		                  "Use DETACH PARTITION without CONCURRENTLY.");
}

} // namespace
} // namespace leadscore::pg

extern "C" {

// leadscore._refuse_detach_concurrently(): ON ddl_command_start WHEN TAG IN
// ('ALTER TABLE').
PG_FUNCTION_INFO_V1(leadscore_refuse_detach_concurrently);
Datum leadscore_refuse_detach_concurrently(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore._refuse_detach_concurrently() must be called as an event trigger")));
	const Node *parsetree = reinterpret_cast<EventTriggerData *>(fcinfo->context)->parsetree;
	return leadscore::pg::Guarded([&] {
		if (const RangeVar *parent = leadscore::pg::DetachedConcurrentlyFrom(parsetree))
			leadscore::pg::RefuseIfAttached(parent);
		return PointerGetDatum(nullptr);
	});
}

} // extern "C"
