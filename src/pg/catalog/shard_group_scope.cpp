// Entering a shard group.  See shard_group_scope.hpp.
#include "pg/catalog/shard_group_scope.hpp"

#include "pg/catalog/config_generation.hpp"
#include "pg/catalog/table_plan.hpp"

namespace leadscore::pg {

ShardGroupScope::ShardGroupScope(const ShardContext *group) : scope_(group) {
	if (group != nullptr)
		FollowConfigGeneration();
	RefreshPlans();
}

} // namespace leadscore::pg
