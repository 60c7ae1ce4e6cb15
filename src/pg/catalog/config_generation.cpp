// Configuration generations.  See config_generation.hpp.
#include "pg/catalog/config_generation.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/spi/spi_query.hpp"

#include <cstdint>

namespace leadscore::pg {
namespace {

// The generation this backend's plans were built at; -1: none yet.
std::int64_t followed = -1;

} // namespace

void BumpConfigGeneration() {
	// In a shard group the change is its node's alone (no other node holds
	// the group), and there the reference tables are placements no
	// statement of leadscore's may write.
	if (!CitusInstalled() || CurrentShard() != nullptr)
		return;
	ConnectSpi();
	ExecuteText("UPDATE leadscore.settings SET config_generation = config_generation + 1"
	            " WHERE leadscore._distributed()");
	FinishSpi();
}

void FollowConfigGeneration() {
	// A primary-key read of the node's placement, planned once per shard.
	SPIPlanPtr plan = KeptPlan("SELECT config_generation FROM leadscore.settings", 0, nullptr, 0);
	std::int64_t now = CallPg([&] {
		RunKeptPlan(plan, nullptr, nullptr, SPI_OK_SELECT, "reading the configuration's generation");
		bool isnull = true;
		Datum d = SPI_processed > 0 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : 0;
		return isnull ? std::int64_t{-1} : DatumGetInt64(d);
	});
	if (now == followed)
		return;
	MarkPlansStale();
	followed = now;
}

} // namespace leadscore::pg
