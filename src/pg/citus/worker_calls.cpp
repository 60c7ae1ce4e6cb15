// Calls on every worker.  See worker_calls.hpp.
#include "pg/citus/worker_calls.hpp"

#include "pg/spi/spi_query.hpp"

#include "core/base/error.hpp"

namespace leadscore::pg {

std::int64_t SumOnWorkers(const std::string &sql) {
	std::int64_t sum = 0;
	for (const TextRow &r :
	     QueryText("SELECT r.success, r.result, r.nodename OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.nodeport"
	               " FROM pg_catalog.run_command_on_workers($1) r ORDER BY r.nodename, r.nodeport",
	               {sql})) {
		if (*r[0] != "t")
			throw core::Error(core::ErrorKind::Internal,
			                  "leadscore failed on the Citus worker " + r[2].value_or("?") + ": " + r[1].value_or(""));
		sum += std::stoll(r[1].value_or("0"));
	}
	return sum;
}

} // namespace leadscore::pg
