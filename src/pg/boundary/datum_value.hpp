// PostgreSQL Datums to the core's Values, and PostgreSQL times to the core's.
//
// Conversions run in the "read" phase of a trigger or function, where no C++
// object with a destructor is alive: detoasting may ERROR.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "core/base/time_range.hpp"
#include "core/base/value.hpp"

#include <cstdint>
#include <string>

namespace leadscore::pg {

// PostgreSQL timestamps count from 2000-01-01, the core's from 1970-01-01.
constexpr std::int64_t kPostgresEpochUnixUs = INT64_C(946684800000000);

// A time of PostgreSQL's clock in the core's time, saturating at the ends
// of the core's range (core/base/time_range.hpp).  Times a user passes in go
// through TimestampToCoreTime, times read back from leadscore's tables
// through StateTimeToUnixUs.
inline std::int64_t TimestampToUnixUs(std::int64_t pg_timestamp) {
	if (pg_timestamp > core::kLatestTime - kPostgresEpochUnixUs)
		return core::kLatestTime;
	if (pg_timestamp < core::kEarliestTime - kPostgresEpochUnixUs)
		return core::kEarliestTime;
	return pg_timestamp + kPostgresEpochUnixUs;
}

// The one way a core time becomes a timestamptz: kept inside the core's
// range, so nothing leadscore writes is out of PostgreSQL's range.
inline std::int64_t UnixUsToTimestamp(std::int64_t unix_us) {
	if (unix_us > core::kLatestTime)
		unix_us = core::kLatestTime;
	else if (unix_us < core::kEarliestTime)
		unix_us = core::kEarliestTime;
	return unix_us - kPostgresEpochUnixUs;
}

// A core time as timestamptz text, for SQL run with text parameters
// (ExecuteText).  C++ side.
std::string TimestampText(std::int64_t unix_us);

// A timestamp (with or without time zone) a user or a CRM row gives, in the
// core's time; false when it is infinite or outside the core's range.
bool TimestampToCoreTime(std::int64_t pg_timestamp, std::int64_t *unix_us);

// A non-NULL time of a lead or account state.  One outside the core's range
// (only older versions wrote such values, from far-future CRM times) reads
// as no time at all: verify() reports it (pg/maintenance/verify_ranges.hpp) and
// rescore() writes what the history says instead of carrying it on.
std::int64_t StateTimeToUnixUs(std::int64_t pg_timestamp);

// The core type a column of PostgreSQL type `type_oid` reads as: integers,
// floats and numeric as numbers; text-like types and everything else with a
// text output as text; timestamptz, timestamp and date as timestamps.
core::ValueType CoreTypeOf(Oid type_oid);

// Converts one non-NULL Datum of type `type_oid` (as classified by
// CoreTypeOf).  Text is detoasted into the current memory context; the
// Value points into it.
core::Value DatumToValue(Datum value, Oid type_oid);

// A time column's value as microseconds since the Unix epoch; false for
// +-infinity and times outside the core's range (a date of the year
// 300,000), which the triggers, rescore() and verify() alike count as bad
// data.
bool TimeDatumToUnixUs(Datum value, Oid type_oid, std::int64_t *unix_us);

} // namespace leadscore::pg
