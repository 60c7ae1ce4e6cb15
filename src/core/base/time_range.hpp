// The times the core counts in: microseconds since 1970-01-01 UTC, from
// PostgreSQL's first timestamp (4714-11-24 BC) up to the end of the year
// 99,999.
//
// The bound exists because the core's int64 and PostgreSQL's timestamptz do
// not cover the same span: PostgreSQL counts from 2000 and accepts dates up
// to the year 5,874,897, so its last 30 years of timestamps overflow an
// int64 counted from 1970, and most of its dates overflow either.  Inside
// [kEarliestTime, kLatestTime] every time converts both ways exactly, and
// the arithmetic on it (the next microsecond, a due time, a difference)
// cannot overflow.  A CRM time outside it is bad data, skipped and counted
// like an infinite one; a time the core derives (when decay is next due) is
// kept inside it, so no timestamptz leadscore writes is ever out of range.
#pragma once

#include <cstdint>

namespace leadscore::core {

// 4714-11-24 00:00:00 UTC BC: PostgreSQL's MIN_TIMESTAMP, counted from 1970.
constexpr std::int64_t kEarliestTime = INT64_C(-210866803200000000);
// 99999-12-31 23:59:59.999999 UTC.
constexpr std::int64_t kLatestTime = INT64_C(3093527980799999999);

} // namespace leadscore::core
