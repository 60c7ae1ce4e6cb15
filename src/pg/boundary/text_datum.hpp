// std::string and PostgreSQL text, both ways, and names and strings quoted
// for SQL and JSON: the one home of these conversions.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <string>
#include <string_view>

namespace leadscore::pg {

// PostgreSQL side (palloc's; call inside CallPg): `s` as a text Datum.  The
// length is counted, not found by a NUL byte.
Datum TextDatum(std::string_view s);

// The bytes of a text already detoasted (PG_GETARG_TEXT_PP, DatumGetTextPP):
// no allocation, no error, valid as long as `t` is.
inline std::string_view TextView(const text *t) {
	return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// `name` as an SQL identifier, quoted where it needs to be.  C++ side (it
// calls quote_identifier through CallPg).
std::string QuoteIdent(const std::string &name);

// `s` as a JSON string, quotes included (PostgreSQL's escape_json).  C++
// side, as QuoteIdent.
std::string JsonString(const std::string &s);

} // namespace leadscore::pg
