// The part of rescore() that runs on one Citus shard group (issue 16): a
// TRUNCATE of an attached table's shard rescores the leads of its group,
// and the coordinator's rescore() has each worker rescore all of its own
// (recompute_functions.cpp).
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/citus/shard_context.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::pg {

// Rescores models `ids` of the leads of shard group `group`, under its
// context; returns the states written.  C++ side, under SPI.
std::int64_t RescoreShardGroup(const KeyType &kt, const ShardContext *group, const std::vector<std::int32_t> &ids,
                               std::int64_t now);

// Rescores every model of group `group`'s leads as of this transaction's
// start (a TRUNCATE of its shard, a partition come or gone): nothing
// before the lead key type is fixed.  C++ side, under SPI.
void RescoreShardGroupNow(const ShardContext *group);

// Every model's id.  C++ side, under SPI.
std::vector<std::int32_t> AllModelIds();

} // namespace leadscore::pg
