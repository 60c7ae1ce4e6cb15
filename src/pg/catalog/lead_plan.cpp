// The per-backend cache of lead table plans.
#include "pg/catalog/lead_plan.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/spi/owner_rights.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace leadscore::pg {
namespace {

// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().
std::unordered_map<Oid, std::unique_ptr<LeadPlan>> *plans = nullptr;
std::unordered_map<std::string, std::unique_ptr<core::CompiledGradeProfile>> *jsonb_profiles = nullptr;
bool stale = true;

void OnStale(Oid relid) {
	// An attached lead table's own invalidation counts too: ALTER TABLE may
	// have moved or retyped the columns the plan reads as raw Datums.
	// (Rare enough on lead tables to rebuild every plan.)
	if (relid == InvalidOid || (plans != nullptr && plans->count(relid) != 0))
		stale = true;
}

std::unique_ptr<LeadPlan> Build(Oid relid) {
	auto plan = std::make_unique<LeadPlan>();
	if (!LoadLeadTable(relid, &plan->table))
		return nullptr;
	CallPg([&] { plan->key_type = LeadKeyType(); });
	BuildLeadPlan(LoadModels(), LoadGradeProfiles(), plan.get());
	return plan;
}

} // namespace

void BuildLeadPlan(const std::vector<core::ModelSpec> &models, const std::vector<core::GradeProfileSpec> &profiles,
                   LeadPlan *plan) {
	std::vector<std::int32_t> compiled_ids;
	for (const core::ModelSpec &m : models) {
		if (m.grade_profile.empty())
			continue;
		auto spec = std::find_if(profiles.begin(), profiles.end(),
		                         [&](const core::GradeProfileSpec &p) { return p.name == m.grade_profile; });
		if (spec == profiles.end())
			continue;
		auto seen = std::find(compiled_ids.begin(), compiled_ids.end(), spec->id);
		std::size_t index = static_cast<std::size_t>(seen - compiled_ids.begin());
		if (seen == compiled_ids.end()) {
			plan->profiles.push_back(core::CompiledGradeProfile::Compile(*spec, plan->table.schema));
			compiled_ids.push_back(spec->id);
			const auto &used = plan->profiles.back().columns_used();
			plan->columns_used.insert(plan->columns_used.end(), used.begin(), used.end());
		}
		plan->models.push_back(GradedModel{m, index});
	}
	auto &cols = plan->columns_used;
	std::sort(cols.begin(), cols.end());
	cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
}

namespace {

void Refresh() {
	if (plans == nullptr) {
		plans = new std::unordered_map<Oid, std::unique_ptr<LeadPlan>>();
		jsonb_profiles = new std::unordered_map<std::string, std::unique_ptr<core::CompiledGradeProfile>>();
		ListenForStalePlans(OnStale);
		stale = true;
	}
	if (stale) {
		// A plan in use by the read in progress must not go.
		RefuseInsideOwnerCode();
		plans->clear();
		jsonb_profiles->clear();
		stale = false;
		RememberModelsRelid();
	}
}

} // namespace

LeadPlan *GetLeadPlan(Oid relid) {
	Refresh();
	auto it = plans->find(relid);
	if (it == plans->end())
		it = plans->emplace(relid, Build(relid)).first;
	return it->second.get();
}


const core::CompiledGradeProfile *JsonbProfile(const std::string &name) {
	Refresh();
	auto it = jsonb_profiles->find(name);
	if (it != jsonb_profiles->end())
		return it->second.get();
	std::unique_ptr<core::CompiledGradeProfile> compiled;
	for (const core::GradeProfileSpec &p : LoadGradeProfiles())
		if (p.name == name)
			compiled = std::make_unique<core::CompiledGradeProfile>(
			    core::CompiledGradeProfile::Compile(p, core::AttributeSchema(p)));
	return jsonb_profiles->emplace(name, std::move(compiled)).first->second.get();
}

} // namespace leadscore::pg
