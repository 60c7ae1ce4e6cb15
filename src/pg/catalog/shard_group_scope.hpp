// Working in one Citus shard group (pg/citus/shard_context.hpp): its
// triggers' firings, tick() and rescore() on a worker, adjust() and
// reset() on the lead's shard.  This backend's plans may have missed a
// configuration change made on the coordinator, and follow it first
// (config_generation.hpp).
#pragma once

#include "pg/spi/shard_names.hpp"

namespace leadscore::pg {

// Makes `group` current for its life (nullptr: none, one server), and
// brings this backend's plans up to date with the configuration there.
// C++ side, SPI connected.
class ShardGroupScope {
public:
	explicit ShardGroupScope(const ShardContext *group);

private:
	ShardScope scope_;
};

} // namespace leadscore::pg
