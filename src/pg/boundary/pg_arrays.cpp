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

} // namespace

Datum KeyArrayDatum(const KeyType &kt, const Datum *keys, int n) {
	return PointerGetDatum(construct_array(const_cast<Datum *>(keys), n, kt.oid, kt.typlen, kt.byval, kt.align));
}

Datum Float8ArrayDatum(const double *values, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(values[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum Int8ArrayDatum(const std::int64_t *values, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(values[i]);
	return PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum Int4ArrayDatum(const std::int32_t *values, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Int32GetDatum(values[i]);
	return PointerGetDatum(construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
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
