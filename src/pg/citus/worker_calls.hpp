// Work the coordinator hands to every Citus worker (issue 16): tick() and
// rescore() write lead states, which on Citus only a worker's own backend
// may write to its shards.  The coordinator runs a leadscore function on
// each worker with run_command_on_workers(), in a transaction of the
// worker's own: what it commits stays if the coordinator's call fails
// later.  tick() and rescore() are idempotent, so their next run completes
// what one left.
#pragma once

#include <cstdint>
#include <string>

namespace leadscore::pg {

// Runs `sql`, a SELECT of one bigint, on every worker; returns their sum.
// Raises (XX000, naming the worker and its error) when one fails.  C++
// side, under SPI.
std::int64_t SumOnWorkers(const std::string &sql);

} // namespace leadscore::pg
