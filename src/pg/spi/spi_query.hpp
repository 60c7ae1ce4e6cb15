// Small SPI helpers for configuration and admin queries (not the ingest hot
// path, which keeps prepared plans: state_store.cpp).
//
// Results come back as C++ strings, copied out of SPI memory inside CallPg,
// so a PostgreSQL error never crosses a C++ frame that owns memory.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {

using TextRow = std::vector<std::optional<std::string>>;

// Runs `sql` (fully schema-qualified) with text parameters $1..$n (nullopt:
// NULL) under the caller's SPI connection and returns every row as text.
std::vector<TextRow> QueryText(const char *sql, const std::vector<std::optional<std::string>> &args = {});

// Runs a statement that returns no rows of interest; returns SPI_processed.
std::uint64_t ExecuteText(const char *sql, const std::vector<std::optional<std::string>> &args = {});

// SPI_connect / SPI_finish through CallPg.
void ConnectSpi();
void FinishSpi();

} // namespace leadscore::pg
