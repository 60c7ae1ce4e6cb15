// Function arguments as C++ values.  Call inside Guarded: the PostgreSQL
// part (detoasting) runs through CallPg, so its errors unwind C++ properly.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <string>
#include <vector>

namespace leadscore::pg {

// Raises 22004 (null_value_not_allowed): "<what> must not be NULL".
[[noreturn]] void ThrowNullArgument(const std::string &what);

// A NULL argument raises 22004 ("argument N must not be NULL").
std::string TextArg(FunctionCallInfo fcinfo, int n);

// NULL elements become empty strings (which the core rejects as names).
std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int n);

} // namespace leadscore::pg
