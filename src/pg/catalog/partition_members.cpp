// The cache of members' attached ancestors: see partition_members.hpp.
#include "pg/catalog/partition_members.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/plan_invalidation.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/partition.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <map>
#include <utility>

namespace leadscore::pg {
namespace {

enum class AttachmentKind { Activities, Leads };

const MemberRows kOwnLayout{};

struct Entry {
	MemberRows rows;
	bool stale = false;
};

// Created on first use: a static object's constructor would run at dlopen.
std::map<std::pair<Oid, AttachmentKind>, Entry> *members = nullptr;

// An entry goes stale with its member, its ancestor (ALTER TABLE of either
// may move columns; ATTACH and DETACH invalidate both) or the configuration.
void OnStale(Oid relid) {
	if (members == nullptr)
		return;
	for (auto &[key, entry] : *members)
		if (relid == InvalidOid || key.first == relid || entry.rows.root == relid)
			entry.stale = true;
}

// PostgreSQL side.
void Forget(MemberRows *rows) {
	if (rows->to_root != nullptr)
		free_attrmap(rows->to_root);
	if (rows->root_desc != nullptr)
		FreeTupleDesc(rows->root_desc);
	*rows = MemberRows{};
}

// PostgreSQL side: the ancestor's row type, read from the catalog without
// locking the ancestor.  A writer of a partition need not hold a lock on it
// (PostgreSQL takes one only while it builds the partition's constraint),
// and DDL that holds it (DETACH, DROP, ALTER of the parent) waits for that
// writer: locking it here could deadlock the two.
TupleDesc AncestorDesc(Oid ancestor) {
	HeapTuple rel = SearchSysCache1(RELOID, ObjectIdGetDatum(ancestor));
	if (!HeapTupleIsValid(rel))
		elog(ERROR, "leadscore: relation %u not found", ancestor);
	int natts = reinterpret_cast<Form_pg_class>(GETSTRUCT(rel))->relnatts;
	ReleaseSysCache(rel);
	TupleDesc desc = CreateTemplateTupleDesc(natts);
	for (int i = 1; i <= natts; i++) {
		HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(ancestor), Int16GetDatum(i));
		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "leadscore: attribute %d of relation %u not found", i, ancestor);
		memcpy(TupleDescAttr(desc, i - 1), GETSTRUCT(tuple), ATTRIBUTE_FIXED_PART_SIZE);
		ReleaseSysCache(tuple);
	}
	return desc;
}

// PostgreSQL side: the layout map, in TopMemoryContext with the cache.
void MapLayout(Oid root, TupleDesc member_desc, MemberRows *rows) {
	MemoryContext outer = MemoryContextSwitchTo(TopMemoryContext);
	TupleDesc root_desc = AncestorDesc(root);
	rows->to_root = build_attrmap_by_name_if_req(member_desc, root_desc);
	if (rows->to_root != nullptr)
		rows->root_desc = root_desc;
	else
		FreeTupleDesc(root_desc);
	MemoryContextSwitchTo(outer);
	rows->root = root;
}

// The nearest ancestor of partition `member` for which `attached` is true,
// and the map from member's layout to the ancestor's.
const MemberRows &AttachedAncestor(Oid member, TupleDesc member_desc, AttachmentKind kind,
                                   bool (*attached)(Oid relid)) {
	if (members == nullptr) {
		members = new std::map<std::pair<Oid, AttachmentKind>, Entry>();
		ListenForStalePlans(OnStale);
	}
	auto [it, added] = members->try_emplace({member, kind});
	Entry &entry = it->second;
	if (!added && !entry.stale)
		return entry.rows;
	CallPg([&] { Forget(&entry.rows); });
	// Cleared first: an invalidation that arrives while the ancestors are
	// looked up stales the entry again.  A failed lookup leaves it stale.
	entry.stale = false;
	try {
		List *ancestors =
		    CallPg([&] { return get_rel_relispartition(member) ? get_partition_ancestors(member) : NIL; });
		const ListCell *cell;
		foreach (cell, ancestors) {
			Oid ancestor = lfirst_oid(cell);
			if (attached(ancestor)) {
				CallPg([&] { MapLayout(ancestor, member_desc, &entry.rows); });
				break;
			}
		}
	} catch (...) {
		entry.stale = true;
		throw;
	}
	return entry.rows;
}

} // namespace

TablePlan *ActivityPlanOf(Relation rel, const MemberRows **rows) {
	*rows = &kOwnLayout;
	Oid relid = RelationGetRelid(rel);
	if (TablePlan *tp = GetTablePlan(relid))
		return tp;
	*rows = &AttachedAncestor(relid, RelationGetDescr(rel), AttachmentKind::Activities,
	                          [](Oid r) { return GetTablePlan(r) != nullptr; });
	return (*rows)->root == InvalidOid ? nullptr : GetTablePlan((*rows)->root);
}

LeadPlan *LeadPlanOf(Relation rel, const MemberRows **rows) {
	*rows = &kOwnLayout;
	Oid relid = RelationGetRelid(rel);
	if (LeadPlan *plan = GetLeadPlan(relid))
		return plan;
	*rows = &AttachedAncestor(relid, RelationGetDescr(rel), AttachmentKind::Leads,
	                          [](Oid r) { return GetLeadPlan(r) != nullptr; });
	return (*rows)->root == InvalidOid ? nullptr : GetLeadPlan((*rows)->root);
}

TupleTableSlot *MakeConvertedSlot(const MemberRows &rows) {
	return rows.to_root == nullptr ? nullptr : MakeSingleTupleTableSlot(rows.root_desc, &TTSOpsVirtual);
}

} // namespace leadscore::pg
