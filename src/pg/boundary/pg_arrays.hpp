// One-dimensional PostgreSQL arrays from C arrays, for SPI parameters.
// PostgreSQL side only: call inside CallPg; the arrays are palloc'd in the
// current memory context.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include <cstdint>

namespace leadscore::pg {

Datum KeyArrayDatum(const KeyType &kt, const Datum *keys, int n);
Datum Float8ArrayDatum(const double *values, int n);
Datum Int8ArrayDatum(const std::int64_t *values, int n);
Datum Int4ArrayDatum(const std::int32_t *values, int n);
// Times in microseconds since the Unix epoch; core::kNoTime becomes NULL.
Datum TimestampArrayDatum(const std::int64_t *unix_us, int n);
// nullptr elements become NULL.
Datum TextArrayDatum(const char *const *values, int n);

} // namespace leadscore::pg
