// Function arguments as C++ values: the one place that reads them.  Call
// inside Guarded: the PostgreSQL part (detoasting) runs through CallPg, so
// its errors unwind C++ properly.
//
// One rule for NULL: a required argument that is NULL raises 22004
// (null_value_not_allowed) "<what> must not be NULL", `what` naming it as
// the SQL function's user knows it (without a name: "argument N").  An
// optional one reads as std::nullopt.  Reading a NULL argument as a value
// would dereference a null pointer (add_rule with a NULL activity type once
// crashed the backend), so every read goes through these.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {

// Raises 22004 "<what> must not be NULL" when argument `n` is NULL; `what`
// nullptr: "argument <n + 1>".
void RequireArg(FunctionCallInfo fcinfo, int n, const char *what = nullptr);
void RequireArg(FunctionCallInfo fcinfo, int n, const std::string &what);

std::string TextArg(FunctionCallInfo fcinfo, int n, const char *what = nullptr);
std::optional<std::string> OptionalTextArg(FunctionCallInfo fcinfo, int n);

// NULL elements become empty strings (which the core rejects as names).
std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int n);

std::optional<double> OptionalFloat8Arg(FunctionCallInfo fcinfo, int n);
std::optional<std::int32_t> OptionalInt32Arg(FunctionCallInfo fcinfo, int n);

// A timestamptz argument in the core's time (us since the Unix epoch);
// 22023 when infinite or beyond the core's range.
std::int64_t FiniteTimeArg(FunctionCallInfo fcinfo, int n, const char *what);

} // namespace leadscore::pg
