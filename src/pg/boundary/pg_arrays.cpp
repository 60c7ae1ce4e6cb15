// C arrays to PostgreSQL arrays.
#include "pg/boundary/pg_arrays.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/text_datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include "core/lead/scoring_state.hpp"

namespace leadscore::pg {
namespace {

Datum WithNulls(Datum *values, bool *nulls, int n, Oid type, int len, bool byval, char align) {
	int dims[1] = {n};
	int lbs[1] = {1};
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, type, len, byval, align));
}

// An array without NULLs of a fixed-length type (+ 1: palloc(0) is not
// allowed, and n may be 0).
template <typename T, typename ToDatum>
Datum ByValueArray(const T *values, int n, Oid type, int len, bool byval, char align, ToDatum to_datum) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = to_datum(values[i]);
	return PointerGetDatum(construct_array(d, n, type, len, byval, align));
}

} // namespace

Datum KeyArrayDatum(const KeyType &kt, const Datum *keys, int n) {
	return PointerGetDatum(construct_array(const_cast<Datum *>(keys), n, kt.oid, kt.typlen, kt.byval, kt.align));
}

Datum Float8ArrayDatum(const double *values, int n) {
	return ByValueArray(values, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
	                    [](double v) { return Float8GetDatum(v); });
}

Datum Int8ArrayDatum(const std::int64_t *values, int n) {
	return ByValueArray(values, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
	                    [](std::int64_t v) { return Int64GetDatum(v); });
}

Datum Int4ArrayDatum(const std::int32_t *values, int n) {
	return ByValueArray(values, n, INT4OID, 4, true, TYPALIGN_INT, [](std::int32_t v) { return Int32GetDatum(v); });
}

Datum TimestampArrayDatum(const std::int64_t *unix_us, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * (n + 1)));
	for (int i = 0; i < n; i++) {
		nulls[i] = unix_us[i] == core::kNoTime;
		d[i] = nulls[i] ? Datum(0) : Int64GetDatum(UnixUsToTimestamp(unix_us[i]));
	}
	return WithNulls(d, nulls, n, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

Datum TextArrayDatum(const char *const *values, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	bool *nulls = static_cast<bool *>(palloc(sizeof(bool) * (n + 1)));
	for (int i = 0; i < n; i++) {
		nulls[i] = values[i] == nullptr;
		d[i] = nulls[i] ? Datum(0) : TextDatum(values[i]);
	}
	return WithNulls(d, nulls, n, TEXTOID, -1, false, TYPALIGN_INT);
}

} // namespace leadscore::pg
