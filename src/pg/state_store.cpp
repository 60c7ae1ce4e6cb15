// Prepared statements over leadscore.lead_state.
#include "pg/state_store.hpp"

#include <initializer_list>

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
}

namespace leadscore::pg {
namespace {

struct Plans {
	Oid key_type = InvalidOid;
	SPIPlanPtr add = nullptr;
	SPIPlanPtr ensure = nullptr;
	SPIPlanPtr lock = nullptr;
	SPIPlanPtr write = nullptr;
	// One lead (a single-row statement): equality on the primary key, a
	// plan that is right whatever the table's size.
	SPIPlanPtr ensure_one = nullptr;
	SPIPlanPtr lock_one = nullptr;
	SPIPlanPtr write_one = nullptr;
};
Plans plans;

// Array statements are planned for each call (CURSOR_OPT_CUSTOM_PLAN): a
// generic plan made while lead_state was small reads every lead of the
// model for `lead_id = ANY($2)`, and the backend would keep it.
SPIPlanPtr Prepare(const char *sql, int nargs, Oid *types, int options = 0) {
	SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, options);
	if (plan == nullptr)
		elog(ERROR, "leadscore: SPI_prepare failed (%d): %s", SPI_result, sql);
	SPI_keepplan(plan);
	return plan;
}

// `$2::<key type>[]` in SQL text is the parameter's declared type, so the
// plans are per key type.
void PreparePlans(const KeyType &kt) {
	if (plans.key_type == kt.oid)
		return;
	ResetStatePlans();
	Oid add_types[] = {INT4OID, kt.array_oid, FLOAT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID,
	                   FLOAT8ARRAYOID, INT4OID};
	plans.add = Prepare(
	    "INSERT INTO leadscore.lead_state AS s"
	    " (model_id, lead_id, stored, stage_stored, activity_count, last_activity_at, caps)"
	    " SELECT $1, u.k, u.d, $6[(u.i - 1) * $7 + 1 : u.i * $7], u.c, u.t, NULL"
	    " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)) WITH ORDINALITY AS u(k, d, c, t, i)"
	    " ORDER BY u.k"
	    " ON CONFLICT (model_id, lead_id) DO UPDATE SET"
	    " stored = s.stored + excluded.stored,"
	    " stage_stored = leadscore.float8_array_add(s.stage_stored, excluded.stage_stored),"
	    " activity_count = s.activity_count + excluded.activity_count,"
	    " last_activity_at = GREATEST(s.last_activity_at, excluded.last_activity_at)",
	    7, add_types);
	Oid ensure_types[] = {INT4OID, kt.array_oid, INT4OID};
	plans.ensure = Prepare(
	    "INSERT INTO leadscore.lead_state"
	    " (model_id, lead_id, stored, stage_stored, activity_count, last_activity_at, caps)"
	    " SELECT $1, k, 0, pg_catalog.array_fill(0::float8, ARRAY[$3]), 0, NULL, NULL"
	    " FROM pg_catalog.unnest($2) AS k ORDER BY k ON CONFLICT DO NOTHING",
	    3, ensure_types);
	Oid lock_types[] = {INT4OID, kt.array_oid};
	plans.lock = Prepare("SELECT lead_id, stored, stage_stored, activity_count, last_activity_at, caps"
	                     " FROM leadscore.lead_state WHERE model_id = $1 AND lead_id = ANY ($2)"
	                     " ORDER BY lead_id FOR UPDATE",
	                     2, lock_types, CURSOR_OPT_CUSTOM_PLAN);
	Oid one_types[] = {INT4OID, kt.oid, INT4OID};
	plans.ensure_one = Prepare(
	    "INSERT INTO leadscore.lead_state"
	    " (model_id, lead_id, stored, stage_stored, activity_count, last_activity_at, caps)"
	    " VALUES ($1, $2, 0, pg_catalog.array_fill(0::float8, ARRAY[$3]), 0, NULL, NULL)"
	    " ON CONFLICT DO NOTHING",
	    3, one_types);
	plans.lock_one = Prepare("SELECT lead_id, stored, stage_stored, activity_count, last_activity_at, caps"
	                         " FROM leadscore.lead_state WHERE model_id = $1 AND lead_id = $2 FOR UPDATE",
	                         2, one_types);
	Oid write_one_types[] = {INT4OID, kt.oid, FLOAT8OID, FLOAT8ARRAYOID, INT8OID, TIMESTAMPTZOID, INT8ARRAYOID};
	plans.write_one = Prepare("UPDATE leadscore.lead_state SET stored = $3, stage_stored = $4,"
	                          " activity_count = $5, last_activity_at = $6, caps = $7"
	                          " WHERE model_id = $1 AND lead_id = $2",
	                          7, write_one_types);
	Oid write_types[] = {INT4OID,        kt.array_oid,        FLOAT8ARRAYOID, INT8ARRAYOID,
	                     TIMESTAMPTZARRAYOID, FLOAT8ARRAYOID, INT4OID,        INT8ARRAYOID,
	                     INT4ARRAYOID,   INT4ARRAYOID};
	plans.write = Prepare(
	    "UPDATE leadscore.lead_state AS s SET stored = u.d,"
	    " stage_stored = $6[(u.i - 1) * $7 + 1 : u.i * $7], activity_count = u.c,"
	    " last_activity_at = u.t,"
	    " caps = CASE WHEN u.cl > 0 THEN $8[u.cf : u.cf + u.cl - 1] END"
	    " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($9), pg_catalog.unnest($10)) WITH ORDINALITY AS u(k, d, c, t, cf, cl, i)"
	    " WHERE s.model_id = $1 AND s.lead_id = u.k",
	    10, write_types, CURSOR_OPT_CUSTOM_PLAN);
	plans.key_type = kt.oid;
}

Datum KeyArray(const KeyType &kt, int n, Datum *keys) {
	return PointerGetDatum(construct_array(keys, n, kt.oid, kt.typlen, kt.byval, kt.align));
}

Datum Float8Array(const double *v, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum Int8Array(const std::int64_t *v, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum Int4Array(const std::int32_t *v, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	for (int i = 0; i < n; i++)
		d[i] = Int32GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
}

Datum TimestampArray(const std::int64_t *v, const bool *nulls, int n) {
	Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
	bool *isnull = static_cast<bool *>(palloc(sizeof(bool) * (n + 1)));
	int dims[1] = {n};
	int lbs[1] = {1};
	for (int i = 0; i < n; i++) {
		d[i] = Int64GetDatum(v[i]);
		isnull[i] = nulls != nullptr && nulls[i];
	}
	return PointerGetDatum(construct_md_array(d, isnull, 1, dims, lbs, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL,
	                                          TYPALIGN_DOUBLE));
}

void Execute(SPIPlanPtr plan, Datum *values, int expected) {
	int rc = SPI_execute_plan(plan, values, nullptr, false, 0);
	if (rc != expected)
		elog(ERROR, "leadscore: writing lead state failed (SPI code %d)", rc);
}

} // namespace

KeyType LeadKeyType() {
	KeyType kt;
	int rc = SPI_execute("SELECT lead_key_type::oid FROM leadscore.settings", true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		return kt;
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return kt;
	kt.oid = DatumGetObjectId(d);
	kt.array_oid = get_array_type(kt.oid);
	get_typlenbyvalalign(kt.oid, &kt.typlen, &kt.byval, &kt.align);
	return kt;
}

void AddToStates(const KeyType &kt, std::int32_t model_id, const StateColumns &s) {
	PreparePlans(kt);
	Datum values[] = {Int32GetDatum(model_id),
	                  KeyArray(kt, s.n, s.keys),
	                  Float8Array(s.stored, s.n),
	                  Int8Array(s.activity_count, s.n),
	                  TimestampArray(s.last_at, s.last_at_null, s.n),
	                  Float8Array(s.stages, s.n * s.stage_count),
	                  Int32GetDatum(s.stage_count)};
	Execute(plans.add, values, SPI_OK_INSERT);
}

void LockStates(const KeyType &kt, std::int32_t model_id, int n, Datum *keys, int stage_count) {
	PreparePlans(kt);
	if (n == 1) {
		Datum one[] = {Int32GetDatum(model_id), keys[0], Int32GetDatum(stage_count)};
		Execute(plans.ensure_one, one, SPI_OK_INSERT);
		Execute(plans.lock_one, one, SPI_OK_SELECT);
		return;
	}
	Datum ensure[] = {Int32GetDatum(model_id), KeyArray(kt, n, keys), Int32GetDatum(stage_count)};
	Execute(plans.ensure, ensure, SPI_OK_INSERT);
	Datum lock[] = {Int32GetDatum(model_id), ensure[1]};
	Execute(plans.lock, lock, SPI_OK_SELECT);
}

// One lead's state as the write_one plan's parameters.
void WriteOne(std::int32_t model_id, const StateColumns &s) {
	bool caps_null = s.caps_len[0] == 0;
	Datum values[] = {Int32GetDatum(model_id),
	                  s.keys[0],
	                  Float8GetDatum(s.stored[0]),
	                  Float8Array(s.stages, s.stage_count),
	                  Int64GetDatum(s.activity_count[0]),
	                  Int64GetDatum(s.last_at[0]),
	                  caps_null ? Datum(0) : Int8Array(s.caps + s.caps_from[0] - 1, s.caps_len[0])};
	char nulls[] = {' ', ' ', ' ', ' ', ' ', s.last_at_null[0] ? 'n' : ' ', caps_null ? 'n' : ' '};
	if (SPI_execute_plan(plans.write_one, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "leadscore: writing lead state failed");
}

void WriteStates(const KeyType &kt, std::int32_t model_id, const StateColumns &s) {
	PreparePlans(kt);
	if (s.n == 1) {
		WriteOne(model_id, s);
		return;
	}
	Datum values[] = {Int32GetDatum(model_id),
	                  KeyArray(kt, s.n, s.keys),
	                  Float8Array(s.stored, s.n),
	                  Int8Array(s.activity_count, s.n),
	                  TimestampArray(s.last_at, s.last_at_null, s.n),
	                  Float8Array(s.stages, s.n * s.stage_count),
	                  Int32GetDatum(s.stage_count),
	                  Int8Array(s.caps, s.caps_from[s.n] - 1),
	                  Int4Array(s.caps_from, s.n),
	                  Int4Array(s.caps_len, s.n)};
	Execute(plans.write, values, SPI_OK_UPDATE);
}

void ClearStates(std::int32_t model_id) {
	Datum values[] = {Int32GetDatum(model_id)};
	Oid types[] = {INT4OID};
	if (SPI_execute_with_args("DELETE FROM leadscore.lead_state WHERE model_id = $1", 1, types, values, nullptr,
	                          false, 0) != SPI_OK_DELETE)
		elog(ERROR, "leadscore: clearing lead state failed");
}

void ResetStatePlans() {
	for (SPIPlanPtr *p : {&plans.add, &plans.ensure, &plans.lock, &plans.write, &plans.ensure_one, &plans.lock_one,
	                      &plans.write_one}) {
		if (*p != nullptr)
			SPI_freeplan(*p);
		*p = nullptr;
	}
	plans.key_type = InvalidOid;
}

} // namespace leadscore::pg
