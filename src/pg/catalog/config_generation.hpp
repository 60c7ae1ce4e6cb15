// Configuration changes on Citus (issue 16).  An admin function on the
// coordinator invalidates the plans of the coordinator's backends
// (plan_invalidation.hpp); the workers' backends, where the shards'
// triggers score, hear nothing of it.  So on a distributed install every
// invalidation also bumps settings.config_generation, a reference table's
// column that the change's transaction writes on every node, and a firing
// on a shard compares it with the generation its plans were built at.
#pragma once

namespace leadscore::pg {

// Coordinator, with the invalidation: bumps the generation when leadscore
// is distributed; in a shard group (adjust() on a shard: its node's
// backends hear the invalidation) it does nothing.  C++ side; connects SPI
// itself.
void BumpConfigGeneration();

// A shard's firing, under its context (shard_context.hpp) and SPI, before
// RefreshPlans: marks every plan stale when the generation moved.
void FollowConfigGeneration();

} // namespace leadscore::pg
