// The partitions of an attached Citus table.
//
// Citus carries a partition's DDL to the shards: CREATE TABLE ... PARTITION
// OF creates each shard of the partition and attaches it to its parent's
// shard, DETACH PARTITION and DROP TABLE take it off each, all in the
// coordinator's transaction.  There, as on one server, rows come into or
// leave an attached tree without a trigger firing: each shard group whose
// tree changed rescores its leads, as a TRUNCATE of its shard does (a
// coordinator's rescore() could not: the workers rescore in transactions
// of their own).  Citus sends no TRUNCATE trigger to a shard, so a new
// member shard gets its parent's here.
//
// On the coordinator a new member gets leadscore's other triggers, which
// Citus sends on to its shards, and one that left loses them.  Not by
// leadscore._follow_partitions, which reads attachments: while an ALTER
// TABLE is in progress Citus answers every query of a Citus table with no
// row (how it skips the constraint checks PostgreSQL runs).  Here a member
// follows its parent's triggers, from the catalog alone.
//
// What leaves is known before the command (ddl_command_start: DETACH names
// the partition, DROP the tables, and the parent still holds them), what
// comes after it (ddl_command_end: ATTACH, CREATE TABLE ... PARTITION OF).
// A member is one of an attached tree when its parent carries leadscore's
// triggers.
#include "pg/boundary/guard.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/maintenance/recompute_functions.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "commands/event_trigger.h"
#include "nodes/parsenodes.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// Shard groups a DETACH or DROP in progress takes rows from, to rescore
// when it ends.  Created on first use.
std::vector<const ShardContext *> *leaving = nullptr;

Oid RelidOf(RangeVar *rv) {
	return CallPg([&] { return RangeVarGetRelid(rv, NoLock, true); });
}

// A member that comes into a partition tree or leaves it: CREATE TABLE ...
// PARTITION OF (read at ddl_command_end, when the table exists), ATTACH
// and DETACH PARTITION.
struct MemberChange {
	bool comes = false;
	RangeVar *parent = nullptr; // nullptr: none of those
	RangeVar *member = nullptr;
};

MemberChange ChangeOf(const Node *parsetree) {
	MemberChange change;
	if (parsetree != nullptr && IsA(parsetree, CreateStmt)) {
		const auto *stmt = reinterpret_cast<const CreateStmt *>(parsetree);
		if (stmt->partbound != nullptr && list_length(stmt->inhRelations) == 1)
			change = MemberChange{true, static_cast<RangeVar *>(linitial(stmt->inhRelations)), stmt->relation};
	} else if (parsetree != nullptr && IsA(parsetree, AlterTableStmt)) {
		const auto *stmt = reinterpret_cast<const AlterTableStmt *>(parsetree);
		const ListCell *cell;
		foreach (cell, stmt->cmds) {
			const auto *cmd = static_cast<const AlterTableCmd *>(lfirst(cell));
			if (cmd->subtype == AT_AttachPartition || cmd->subtype == AT_DetachPartition)
				change = MemberChange{cmd->subtype == AT_AttachPartition, stmt->relation,
				                      reinterpret_cast<const PartitionCmd *>(cmd->def)->name};
		}
	}
	return change;
}

// The tables a DROP TABLE names that exist.
std::vector<Oid> DroppedTables(const Node *parsetree) {
	std::vector<Oid> relids;
	if (parsetree == nullptr || !IsA(parsetree, DropStmt))
		return relids;
	const auto *stmt = reinterpret_cast<const DropStmt *>(parsetree);
	if (stmt->removeType != OBJECT_TABLE)
		return relids;
	const ListCell *cell;
	foreach (cell, stmt->objects) {
		Oid relid = RelidOf(CallPg([&] { return makeRangeVarFromNameList(static_cast<List *>(lfirst(cell))); }));
		if (relid != InvalidOid)
			relids.push_back(relid);
	}
	return relids;
}

bool CarriesLeadscoreTriggers(Oid relid) {
	return *QueryText("SELECT EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1::pg_catalog.oid"
	                  " AND t.tgname OPERATOR(pg_catalog.~~) 'leadscore\\_%')",
	                  {std::to_string(relid)})[0][0] == "t";
}

// Whether `relid` or a partition of it holds a row, read as its owner
// (leadscore._holds_rows).
bool HoldsRows(Oid relid) {
	return *QueryText("SELECT EXISTS (SELECT FROM (SELECT $1::pg_catalog.oid AS relid UNION SELECT t.relid"
	                  " FROM pg_catalog.pg_partition_tree($1::pg_catalog.oid::pg_catalog.regclass) t) m"
	                  " WHERE leadscore._holds_rows(m.relid::pg_catalog.regclass))",
	                  {std::to_string(relid)})[0][0] == "t";
}

// The shard group of parent shard `parent` when it is a member of an
// attached tree (it carries leadscore's triggers); else nullptr.
const ShardContext *AttachedGroup(Oid parent) {
	if (parent == InvalidOid || !CarriesLeadscoreTriggers(parent))
		return nullptr;
	return ShardContextOf(parent);
}

// The shard group of an attached tree that the member shard `relid` of
// parent shard `parent` belongs to, when it holds rows; else nullptr.
const ShardContext *GroupMoved(Oid parent, Oid relid) {
	const ShardContext *group = relid == InvalidOid ? nullptr : AttachedGroup(parent);
	return group != nullptr && HoldsRows(relid) ? group : nullptr;
}

// The TRUNCATE triggers of leadscore on `parent` that member `relid` and
// its own partitions lack, added as they are (enabled the same way).
void CopyTruncateTriggers(Oid parent, Oid relid) {
	for (const TextRow &r : QueryText(
	         "SELECT pg_catalog.format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s()',"
	         " t.tgname, m.relid::pg_catalog.regclass, t.tgfoid::pg_catalog.regproc),"
	         " CASE t.tgenabled WHEN 'R' THEN pg_catalog.format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I',"
	         " m.relid::pg_catalog.regclass, t.tgname) END"
	         " FROM pg_catalog.pg_trigger t, pg_catalog.pg_partition_tree($2::pg_catalog.oid::pg_catalog.regclass) m"
	         " WHERE t.tgrelid = $1::pg_catalog.oid AND t.tgname OPERATOR(pg_catalog.~~) 'leadscore\\_%'"
	         " AND (t.tgtype::integer & 32) <> 0"
	         " AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger o WHERE o.tgrelid = m.relid AND o.tgname = t.tgname)",
	         {std::to_string(parent), std::to_string(relid)})) {
		ExecuteText(r[0]->c_str());
		if (r[1])
			ExecuteText(r[1]->c_str());
	}
}

// ddl_command_start: the groups a DETACH or DROP takes rows from.
void NoteLeaving(const Node *parsetree) {
	if (leaving == nullptr)
		leaving = new std::vector<const ShardContext *>();
	std::vector<Oid> members = DroppedTables(parsetree);
	if (MemberChange change = ChangeOf(parsetree); change.parent != nullptr && !change.comes)
		members.push_back(RelidOf(change.member));
	for (Oid relid : members) {
		Oid parent = relid == InvalidOid || !CallPg([&] { return get_rel_relispartition(relid); })
		                 ? InvalidOid
		                 : CallPg([&] { return get_partition_parent(relid, true); });
		if (const ShardContext *group = GroupMoved(parent, relid))
			if (std::find(leaving->begin(), leaving->end(), group) == leaving->end())
				leaving->push_back(group);
	}
}

// A member that came (with its own partitions) gets leadscore's triggers
// of the kinds its parent carries, one that left loses its own.
const char *const kComes =
    "SELECT leadscore._add_triggers(m.relid, k.kind)"
    " FROM (SELECT x.kind FROM leadscore._triggers() x JOIN pg_catalog.pg_trigger g ON g.tgname = x.name"
    " WHERE g.tgrelid = $1::pg_catalog.oid GROUP BY x.kind) k,"
    " pg_catalog.pg_partition_tree($2::pg_catalog.oid::pg_catalog.regclass) m"
    " WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g JOIN leadscore._triggers() x ON x.name = g.tgname"
    " WHERE g.tgrelid = m.relid AND x.kind = k.kind) ORDER BY m.relid";
// (pg_partition_tree() lists nothing of a table in no tree.)
const char *const kLeaves =
    "SELECT leadscore._drop_triggers(m.relid, k.kind)"
    " FROM (SELECT x.kind FROM leadscore._triggers() x JOIN pg_catalog.pg_trigger g ON g.tgname = x.name"
    " WHERE g.tgrelid = $2::pg_catalog.oid GROUP BY x.kind) k,"
    " (SELECT $2::pg_catalog.oid::pg_catalog.regclass AS relid UNION"
    " SELECT t.relid FROM pg_catalog.pg_partition_tree($2::pg_catalog.oid::pg_catalog.regclass) t) m"
    " ORDER BY m.relid";

// The coordinator's tables, on a distributed install (not the shards it
// may hold, which follow their parents' shards as a worker's do).
void FollowShells(const MemberChange &change) {
	Oid parent = RelidOf(change.parent);
	Oid relid = RelidOf(change.member);
	if (parent != InvalidOid && relid != InvalidOid && ShardContextOf(parent) == nullptr)
		ExecuteText(change.comes ? kComes : kLeaves, {std::to_string(parent), std::to_string(relid)});
}

// Whether this is the coordinator of a distributed install, and not
// leadscore.distribute() at work.
bool OnCoordinator() {
	return *QueryText("SELECT (SELECT g.groupid = 0 FROM pg_catalog.pg_dist_local_group g)"
	                  " AND pg_catalog.current_setting('leadscore_distribute.running', true) IS DISTINCT FROM 'on'")[0][0] ==
	           "t" &&
	       LeadscoreDistributed();
}

// ddl_command_end on a shard's node: a member shard that came gets the
// TRUNCATE triggers, and the groups whose rows came or left are rescored.
void FollowMembers(const MemberChange &change) {
	std::vector<const ShardContext *> groups;
	if (leaving != nullptr)
		groups.swap(*leaving);
	if (change.parent != nullptr && change.comes) {
		Oid parent = RelidOf(change.parent);
		Oid relid = RelidOf(change.member);
		const ShardContext *group = relid == InvalidOid ? nullptr : AttachedGroup(parent);
		if (group != nullptr) {
			CopyTruncateTriggers(parent, relid);
			if (HoldsRows(relid))
				groups.push_back(group);
		}
	}
	for (const ShardContext *group : groups)
		RescoreShardGroupNow(group);
}

} // namespace
} // namespace leadscore::pg

extern "C" {

// leadscore._follow_citus_partitions(): ON ddl_command_start WHEN TAG IN
// ('ALTER TABLE', 'DROP TABLE'), ON ddl_command_end WHEN TAG IN ('CREATE
// TABLE', 'ALTER TABLE', 'DROP TABLE').
PG_FUNCTION_INFO_V1(leadscore_follow_citus_partitions);
Datum leadscore_follow_citus_partitions(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore._follow_citus_partitions() must be called as an event trigger")));
	const auto *data = reinterpret_cast<EventTriggerData *>(fcinfo->context);
	return leadscore::pg::Guarded([&] {
		using namespace leadscore::pg;
		// Off Citus, one syscache lookup; on it, only a partition's DDL reads.
		if (!CitusInstalled())
			return PointerGetDatum(nullptr);
		MemberChange change = ChangeOf(data->parsetree);
		if (std::string(data->event) == "ddl_command_start") {
			if (leaving != nullptr)
				leaving->clear();
			if (!DroppedTables(data->parsetree).empty() || (change.parent != nullptr && !change.comes)) {
				ConnectSpi();
				NoteLeaving(data->parsetree);
				FinishSpi();
			}
		} else if ((leaving != nullptr && !leaving->empty()) || change.parent != nullptr) {
			ConnectSpi();
			if (change.parent != nullptr && OnCoordinator())
				FollowShells(change);
			FollowMembers(change);
			FinishSpi();
		}
		return PointerGetDatum(nullptr);
	});
}

} // extern "C"
