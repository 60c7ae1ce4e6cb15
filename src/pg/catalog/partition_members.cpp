// The cache of members' attached ancestors: see partition_members.hpp.
#include "pg/catalog/partition_members.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/plan_invalidation.hpp"

extern "C" {
#include "access/relation.h"
#include "access/tupdesc.h"
#include "catalog/partition.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

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

// PostgreSQL side: the layout map, in TopMemoryContext with the cache.
void MapLayout(Oid root, TupleDesc member_desc, MemberRows *rows) {
	Relation rel = relation_open(root, AccessShareLock);
	MemoryContext outer = MemoryContextSwitchTo(TopMemoryContext);
	rows->to_root = build_attrmap_by_name_if_req(member_desc, RelationGetDescr(rel));
	if (rows->to_root != nullptr)
		rows->root_desc = CreateTupleDescCopy(RelationGetDescr(rel));
	MemoryContextSwitchTo(outer);
	relation_close(rel, AccessShareLock);
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
