// PostgreSQL Datums to the core's Values, and PostgreSQL times to the core's.
//
// Conversions run in the "read" phase of a trigger or function, where no C++
// object with a destructor is alive: detoasting may ERROR.
#pragma once

#include "pg/postgres_headers.hpp"

#include "core/value.hpp"

#include <cstdint>

namespace leadscore::pg {

// PostgreSQL timestamps count from 2000-01-01, the core's from 1970-01-01.
constexpr std::int64_t kPostgresEpochUnixUs = INT64_C(946684800000000);

inline std::int64_t TimestampToUnixUs(std::int64_t pg_timestamp) {
	return pg_timestamp + kPostgresEpochUnixUs;
}

inline std::int64_t UnixUsToTimestamp(std::int64_t unix_us) {
	return unix_us - kPostgresEpochUnixUs;
}

// The core type a column of PostgreSQL type `type_oid` reads as: integers,
// floats and numeric as numbers; text-like types and everything else with a
// text output as text; timestamptz, timestamp and date as timestamps.
core::ValueType CoreTypeOf(Oid type_oid);

// Converts one non-NULL Datum of type `type_oid` (as classified by
// CoreTypeOf).  Text is detoasted into the current memory context; the
// Value points into it.
core::Value DatumToValue(Datum value, Oid type_oid);

// A time column's value as microseconds since the Unix epoch; false for
// +-infinity, which the triggers count as bad data.
bool TimeDatumToUnixUs(Datum value, Oid type_oid, std::int64_t *unix_us);

} // namespace leadscore::pg
