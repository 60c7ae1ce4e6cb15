// Kept plans.  See kept_plans.hpp.
#include "pg/spi/kept_plans.hpp"

#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/shard_names.hpp"

#include <map>
#include <string>

namespace leadscore::pg {
namespace {

// The statement's text, its parameter types and the Citus shard whose
// tables it names (shard_names.hpp): the cache key.
std::string PlanKey(const char *sql, int nargs, const Oid *types, int cursor_options) {
	std::string key(sql);
	key.append(reinterpret_cast<const char *>(types), sizeof(Oid) * static_cast<std::size_t>(nargs));
	key.append(reinterpret_cast<const char *>(&cursor_options), sizeof cursor_options);
	Oid shard = ShardKey();
	key.append(reinterpret_cast<const char *>(&shard), sizeof shard);
	return key;
}

// Lives as long as the backend, like the plans (SPI_keepplan moves them
// under CacheMemoryContext; PostgreSQL replans them when a table they read
// changes).
std::map<std::string, SPIPlanPtr> &Plans() {
	static std::map<std::string, SPIPlanPtr> plans;
	return plans;
}

} // namespace

SPIPlanPtr KeptPlan(const char *statement, int nargs, const Oid *types, int cursor_options) {
	std::string key = PlanKey(statement, nargs, types, cursor_options);
	auto it = Plans().find(key);
	if (it != Plans().end())
		return it->second;
	SPIPlanPtr plan = CallPg([&] {
		// On a Citus shard, the text names the shard's tables.
		const char *sql = ShardSql(statement);
		SPIPlanPtr prepared = SPI_prepare_cursor(sql, nargs, const_cast<Oid *>(types), cursor_options);
		if (prepared == nullptr)
			elog(ERROR, "leadscore: SPI_prepare failed (%d): %s", SPI_result, sql);
		SPI_keepplan(prepared);
		return prepared;
	});
	Plans().emplace(std::move(key), plan);
	return plan;
}

void RunKeptPlan(SPIPlanPtr plan, Datum *values, const char *nulls, int expected, const char *what) {
	int rc = ExecuteWriterPlan(plan, values, nulls);
	if (rc != expected)
		elog(ERROR, "leadscore: %s failed (SPI code %d)", what, rc);
}

} // namespace leadscore::pg
