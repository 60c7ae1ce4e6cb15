// The per-backend cache of compiled plans.
#include "pg/catalog/table_plan.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/spi/spi_query.hpp"

#include <iterator>
#include <map>

namespace leadscore::pg {
namespace {

// A table's plan (nullptr: the table has no activity attachment) and
// whether an invalidation of the table arrived since it was built.
struct CachedPlan {
	std::shared_ptr<TablePlan> plan;
	bool stale = false;
};

// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().
std::unordered_map<Oid, CachedPlan> *plans = nullptr;
// The attached activity tables, per Citus shard context (ShardKey(): on a
// shard, their colocated shards); cleared with the plans.
std::map<Oid, std::vector<Oid>> *activity_relids = nullptr;
bool plans_stale = false;
std::uint64_t generation = 0; // PlanGeneration()

void OnStale(Oid relid) {
	if (relid == InvalidOid) {
		plans_stale = true;
		return;
	}
	if (plans != nullptr) {
		auto it = plans->find(relid);
		if (it != plans->end())
			it->second.stale = true;
	}
}

std::shared_ptr<TablePlan> BuildPlan(Oid relid) {
	auto plan = std::make_shared<TablePlan>();
	if (!LoadActivityTable(relid, &plan->table))
		return nullptr;
	// Attaching the first table fixes the key type and invalidates plans,
	// so it cannot change under a cached plan.
	CallPg([&] { plan->key_type = LeadKeyType(); });
	plan->account_key_type = AccountKeyType();
	plan->plan = std::make_unique<core::IngestPlan>(CompileModels(LoadModels(), plan->table));
	static std::uint64_t builds = 0;
	plan->build = ++builds;
	return plan;
}

} // namespace

std::vector<core::CompiledModel> CompileModels(const std::vector<core::ModelSpec> &models,
                                               const ActivityTable &table) {
	std::vector<core::CompiledModel> compiled;
	compiled.reserve(models.size());
	for (const auto &m : models)
		compiled.push_back(core::CompiledModel::Compile(m, table.schema));
	return compiled;
}

void RefreshPlans() {
	RefuseInsideOwnerCode();
	if (plans == nullptr) {
		plans = new std::unordered_map<Oid, CachedPlan>();
		ListenForStalePlans(OnStale);
		plans_stale = true;
	}
	if (plans_stale) {
		plans->clear();
		if (activity_relids != nullptr)
			activity_relids->clear();
		plans_stale = false;
		generation++;
		RememberModelsRelid();
		return;
	}
	for (auto it = plans->begin(); it != plans->end();) {
		if (!it->second.stale) {
			++it;
			continue;
		}
		it = plans->erase(it);
		generation++;
	}
}

std::uint64_t PlanGeneration() {
	return generation;
}

std::shared_ptr<TablePlan> SharedTablePlan(Oid relid) {
	if (plans == nullptr)
		RefreshPlans();
	auto it = plans->find(relid);
	if (it == plans->end())
		it = plans->emplace(relid, CachedPlan{BuildPlan(relid), false}).first;
	return it->second.plan;
}

TablePlan *GetTablePlan(Oid relid) {
	return SharedTablePlan(relid).get();
}

std::vector<TablePlan *> ActivityTablePlans() {
	if (activity_relids == nullptr)
		activity_relids = new std::map<Oid, std::vector<Oid>>();
	auto it = activity_relids->find(ShardKey());
	if (it == activity_relids->end()) {
		std::vector<Oid> relids;
		for (const ActivityTable &t : LoadActivityTables())
			relids.push_back(t.relid);
		it = activity_relids->emplace(ShardKey(), std::move(relids)).first;
	}
	std::vector<TablePlan *> out;
	for (Oid relid : it->second)
		if (TablePlan *tp = GetTablePlan(relid))
			out.push_back(tp);
	return out;
}

const core::CompiledModel *CompiledModelById(std::int32_t model_id) {
	for (TablePlan *tp : ActivityTablePlans())
		for (std::size_t m = 0; m < tp->plan->model_count(); m++)
			if (tp->plan->model(m).spec().id == model_id)
				return &tp->plan->model(m);
	return nullptr;
}

KeyType BeginEngineCall() {
	ConnectSpi();
	RefreshPlans();
	KeyType kt;
	CallPg([&] { kt = LeadKeyType(); });
	return kt;
}

} // namespace leadscore::pg
