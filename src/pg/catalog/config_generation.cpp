// Configuration generations.  See config_generation.hpp.
#include "pg/catalog/config_generation.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_namespace.h"
#include "utils/lsyscache.h"
}

#include <optional>
#include <string>

namespace leadscore::pg {
namespace {

// The generation this backend's plans were built at.
std::optional<std::string> followed;

} // namespace

void BumpConfigGeneration() {
	if (CallPg([] { return get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE); }) == InvalidOid)
		return;
	ConnectSpi();
	ExecuteText("UPDATE leadscore.settings SET config_generation = config_generation + 1"
	            " WHERE leadscore._distributed()");
	FinishSpi();
}

void FollowConfigGeneration() {
	std::vector<TextRow> rows = QueryText("SELECT config_generation::pg_catalog.text FROM leadscore.settings");
	std::optional<std::string> now = rows.empty() ? std::nullopt : rows[0][0];
	if (now == followed)
		return;
	MarkPlansStale();
	followed = now;
}

} // namespace leadscore::pg
