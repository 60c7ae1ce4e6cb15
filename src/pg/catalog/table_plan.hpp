// The compiled scoring plan of one attached activity table, cached per
// backend and rebuilt when the configuration or the table changes
// (plan_invalidation.hpp).
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/catalog/model_catalog.hpp"

#include "core/ingest/ingest_plan.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace leadscore::pg {

struct TablePlan {
	ActivityTable table;
	KeyType key_type; // the database's lead key type when the plan was built
	std::unique_ptr<core::IngestPlan> plan;
	// The database's account key type when the plan was built (fixing it
	// invalidates plans); InvalidOid: no accounts, no shares to track.
	KeyType account_key_type;
	// Tells this build from an earlier plan of the table (whose pointer may
	// be reused): what the statement scratch was built for.
	std::uint64_t build = 0;
};

// Drops stale plans.  Call at the start of a trigger or function, before
// GetTablePlan: plans are never dropped in between, so pointers stay valid
// for the whole call even if an invalidation arrives during it.
void RefreshPlans();

// Changes whenever RefreshPlans drops a plan: a plan (or a member's
// layout, partition_members.hpp) looked up at the current generation is
// still valid, and needs no lookup, and no SPI, to be used again.
std::uint64_t PlanGeneration();

// The plan of attached table `relid`, built on first use (needs SPI);
// nullptr if the table has no activity attachment.
TablePlan *GetTablePlan(Oid relid);

// The same, shared: for rows read under a plan but scored later (at the
// end of their query, or of a replicated transaction), which must be
// scored under the plan they were read with even if the configuration
// changes in between.
std::shared_ptr<TablePlan> SharedTablePlan(Oid relid);

// The plans of every attached activity table, in attachment order.  The
// list of tables is cached with the plans (attaching and detaching
// invalidate them): a lead's history reload, which needs it on every
// UPDATE or DELETE of a capped row, reads no catalog.
std::vector<TablePlan *> ActivityTablePlans();

// Model `model_id` compiled for the first attached table that feeds it
// (the walks and recomputes of a lead's history take every table from it:
// lead_history.hpp); nullptr when no table does.
const core::CompiledModel *CompiledModelById(std::int32_t model_id);

// The start of every function that reads or writes scores: connects SPI,
// drops stale plans, and returns the database's lead key type (InvalidOid
// before the first attachment).  End with FinishSpi().
KeyType BeginEngineCall();

// Compiles every model against one table: what add_rule and
// attach_activities call to reject a condition naming a missing column.
std::vector<core::CompiledModel> CompileModels(const std::vector<core::ModelSpec> &models,
                                               const ActivityTable &table);

} // namespace leadscore::pg
