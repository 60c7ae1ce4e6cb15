// Prepared statements over leadscore.lead_state.
#include "pg/state/state_store.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/state/state_layout.hpp"

#include <cstring>
#include <string>

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "jit/jit.h"
#include "nodes/params.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace leadscore::pg {
namespace {

// The state columns (LEADSCORE_STATE_COLUMNS, state_columns.hpp) go in one
// of two parameter layouts, which BatchParams and OneParams below build:
//
// A batch of leads ($1 model_id, then arrays):
//   $2 keys, $3 stored, $4 activity_count, $5 last_activity_at,
//   $6 stage_stored of every lead concatenated, $7 stages per lead,
//   $8 caps of every lead concatenated, $9 / $10 each lead's slice of $8
// One lead ($1 model_id, then scalars):
//   $2 key, $3 stored, $4 stage_stored, $5 activity_count,
//   $6 last_activity_at, $7 caps
constexpr int kBatchParams = 10;
// The arrays as rows, in array order: set-returning functions in a select
// list run in lockstep (a ProjectSet node, which streams; ROWS FROM would
// first copy each array into a tuplestore of its own, spilling big batches
// to disk).
constexpr const char *kBatchRows =
    "(SELECT pg_catalog.unnest($2) AS k, pg_catalog.unnest($3) AS d, pg_catalog.unnest($4) AS c,"
    " pg_catalog.unnest($5) AS t, pg_catalog.unnest($9) AS cf, pg_catalog.unnest($10) AS cl,"
    " pg_catalog.generate_series(1, pg_catalog.cardinality($2)) AS i) AS u";
constexpr const char *kBatchValues = "u.d, $6[(u.i - 1) * $7 + 1 : u.i * $7], u.c, u.t,"
                                     " CASE WHEN u.cl > 0 THEN $8[u.cf : u.cf + u.cl - 1] END";
constexpr int kOneParams = 7;
constexpr const char *kOneValues = "$3, $4, $5, $6, $7";

// The lifecycle record (LEADSCORE_RECORD_COLUMNS, then the band, which only
// 0.3's layout stores: see kBandColumn), written with whole states by
// InsertStates and WriteStates: batch arrays $11 .. $18, one lead's scalars
// $8 .. $15.
constexpr int kLifeParams = 8;
constexpr const char *kBatchLifeRows =
    "(SELECT pg_catalog.unnest($2) AS k, pg_catalog.unnest($3) AS d, pg_catalog.unnest($4) AS c,"
    " pg_catalog.unnest($5) AS t, pg_catalog.unnest($9) AS cf, pg_catalog.unnest($10) AS cl,"
    " pg_catalog.unnest($11) AS g, pg_catalog.unnest($12) AS st, pg_catalog.unnest($13) AS sg,"
    " pg_catalog.unnest($14) AS mq, pg_catalog.unnest($15) AS sq, pg_catalog.unnest($16) AS ch,"
    " pg_catalog.unnest($17) AS du, pg_catalog.unnest($18) AS b,"
    " pg_catalog.generate_series(1, pg_catalog.cardinality($2)) AS i) AS u";
constexpr const char *kBatchLifeValues = "u.g::leadscore.grade, u.st, u.sg, u.mq, u.sq, u.ch, u.du";
constexpr const char *kOneLifeValues = "$8::leadscore.grade, $9, $10, $11, $12, $13, $14";
// The record's band: a column of 0.3's layout only (state_layout.hpp), so
// written only there, its parameter ($15 / $18) passed in both.
constexpr const char *kBandColumn = ", band";
constexpr const char *kBatchBand = ", u.b";
constexpr const char *kOneBand = ", $15";
constexpr const char *kSetBatchBand = ", band = u.b";
constexpr const char *kSetOneBand = ", band = $15";
constexpr const char *kSetExcludedBand = ", band = excluded.band";
// What the indexes read (state_tables.sql), written with every state in
// 0.3's layout (state_layout.hpp; in 0.2's these parts are ""):
// score_rank, top_leads()'s key, from the stored sum it is written with;
// due_hint, tick()'s key: a new row's is its due_at, and an activity only
// ever lowers it, so that a due_at that moves later leaves the index alone
// and the update can be HOT.
constexpr const char *kRankColumn = ", score_rank";
constexpr const char *kBatchRank = ", leadscore.score_rank(u.d)";
constexpr const char *kOneRank = ", leadscore.score_rank($3)";
constexpr const char *kSetBatchRank = ", score_rank = leadscore.score_rank(u.d)";
constexpr const char *kSetOneRank = ", score_rank = leadscore.score_rank($3)";
constexpr const char *kSetAddedRank = ", score_rank = leadscore.score_rank(s.stored + excluded.stored)";
constexpr const char *kSetExcludedRank = ", score_rank = excluded.score_rank";
constexpr const char *kHintColumn = ", due_hint";
constexpr const char *kBatchHint = ", u.du";
constexpr const char *kOneHint = ", $14";
constexpr const char *kBatchLowerHint = ", due_hint = LEAST(s.due_hint, u.du)";
constexpr const char *kOneLowerHint = ", due_hint = LEAST(s.due_hint, $14)";
constexpr const char *kUpsertLowerHint = ", due_hint = LEAST(s.due_hint, excluded.due_hint)";
// Momentum (core/lead/scoring_state.hpp) and momentum_rank, top_momentum()'s
// key, in 0.3's layout: every statement that writes states takes the
// momentum and whether the model ranks it (ModelSpec::momentum_ranking) as
// its last two parameters (MomentumParam), which 0.2's ignores.
constexpr const char *kMomentumColumns = ", momentum, momentum_rank";
constexpr const char *kSetExcludedMomentum = ", momentum = excluded.momentum, momentum_rank = excluded.momentum_rank";

// The momentum parameter's number: the one after a statement's others.
int MomentumParam(bool one, bool life) {
	return (one ? kOneParams : kBatchParams) + (life ? kLifeParams : 0) + 1;
}

// The rank of momentum `value` (state_tables.sql): 0 unless the model ranks
// it, so that in the others a lead's next activity leaves the index alone.
std::string MomentumRank(const std::string &value, bool one, bool life) {
	return "leadscore.momentum_rank(" + value + ", $" + std::to_string(MomentumParam(one, life) + 1) + ")";
}

// The batch's rows with the momentum array unnested beside the others.
std::string WithMomentumRows(const char *rows, bool life) {
	std::string out = rows;
	const std::string series = " pg_catalog.generate_series(";
	out.insert(out.find(series), " pg_catalog.unnest($" + std::to_string(MomentumParam(false, life)) + ") AS mo,");
	return out;
}

// The momentum values of a new row (one lead's, or the batch's).
std::string MomentumValues(bool one, bool life) {
	std::string value = one ? "$" + std::to_string(MomentumParam(true, life)) : "u.mo";
	return ", " + value + ", " + MomentumRank(value, one, life);
}

// Setting momentum to `value`.
std::string SetMomentum(const std::string &value, bool one, bool life) {
	return ", momentum = " + value + ", momentum_rank = " + MomentumRank(value, one, life);
}

// The parameter types of a statement: `types`, then the momentum's and the
// ranking switch's.
std::vector<Oid> WithMomentumType(const Oid *types, bool one, bool life) {
	std::vector<Oid> out(types, types + MomentumParam(one, life) - 1);
	out.push_back(one ? FLOAT8OID : FLOAT8ARRAYOID);
	out.push_back(BOOLOID);
	return out;
}

// Adding a blind delta to a row that exists.
constexpr const char *kAddSet = "stored = s.stored + excluded.stored,"
                                " stage_stored = leadscore.float8_array_add(s.stage_stored, excluded.stage_stored),"
                                " activity_count = s.activity_count + excluded.activity_count,"
                                " last_activity_at = GREATEST(s.last_activity_at, excluded.last_activity_at)";
// Locking a row that exists without changing it: DO UPDATE locks the row
// before it tests WHERE, and naming a key column in SET makes the lock as
// strong as FOR UPDATE, the strength LockStates takes (a weaker one would not
// conflict with FOR KEY SHARE).  Not updated, so not RETURNed.
constexpr const char *kLockOnly = "lead_id = excluded.lead_id WHERE false";

// A list of columns ("a, b") as "excluded.a, excluded.b".
std::string Excluded(const char *list) {
	std::string out = "excluded.";
	for (const char *c = list; *c != '\0'; c++) {
		out += *c;
		if (*c == ' ')
			out += "excluded.";
	}
	return out;
}

// The kept plans (kept_plans.hpp) of the lead key type in use, looked up
// once per key type (and Citus shard) rather than by their text on every
// statement.
struct Plans {
	Oid key_type = InvalidOid;
	Oid shard = InvalidOid; // ShardKey()
	bool hot = false; // 0.3's layout
	SPIPlanPtr add = nullptr;
	SPIPlanPtr insert = nullptr;
	SPIPlanPtr lock = nullptr;
	SPIPlanPtr lock_all = nullptr;
	SPIPlanPtr write = nullptr;
	SPIPlanPtr overwrite = nullptr;
	SPIPlanPtr put = nullptr;
	// One lead (a single-row statement): scalars and equality on the primary
	// key, cheaper to run than unnest and right whatever the table's size.
	SPIPlanPtr add_one = nullptr;
	SPIPlanPtr insert_one = nullptr;
	SPIPlanPtr lock_one = nullptr;
	SPIPlanPtr write_one = nullptr;
	SPIPlanPtr overwrite_one = nullptr;
};
Plans plans;

// A part of a statement that only 0.3's layout has, or nothing.
const char *Hot(const char *part) {
	return plans.hot ? part : "";
}

// Plans and parameters of batch statements.  Those that look rows up in
// lead_state (lock, write) are planned for each call (CURSOR_OPT_CUSTOM_PLAN):
// a generic plan made while lead_state was small reads every lead of the
// model, and the backend would keep it.  Those that only insert have one
// sensible plan and keep it (CURSOR_OPT_GENERIC_PLAN).  Either way the
// arrays are not folded into the plan (ExecuteBatch): a custom plan then
// copies no 100,000-element array around, and estimates the batch at a few
// rows, so it looks each lead up by the primary key, right for any batch.
SPIPlanPtr Prepare(const std::string &sql, int nargs, const Oid *types, int options = 0) {
	return KeptPlan(sql.c_str(), nargs, types, options);
}

// INSERT of a batch, or of one lead, with an ON CONFLICT action and a tail;
// with the lifecycle record when `life` (InsertStates: new leads' records).
// A batch goes in the order of its arrays, which the caller sorted the way
// every writer does (LeadMap::SortByKey): the plan is ModifyTable over a scan of
// kBatchRows, which keeps that order.  No ORDER BY: a Sort node would carry
// (and spill) the wide rows, and ORDER BY u.k would sort by the key type's
// collation, not LeadMap's order.  (isolation/opposite_key_order deadlocks
// if the order is lost.)
SPIPlanPtr PrepareInsert(bool one, bool life, const Oid *types, const std::string &on_conflict,
                         const char *tail = "") {
	std::string columns = std::string(LEADSCORE_STATE_COLUMNS) + Hot(kRankColumn) + Hot(kMomentumColumns);
	std::string values = std::string(one ? kOneValues : kBatchValues) + Hot(one ? kOneRank : kBatchRank) +
	                     (plans.hot ? MomentumValues(one, life) : std::string());
	if (life) {
		columns += std::string(", " LEADSCORE_RECORD_COLUMNS) + Hot(kHintColumn) + Hot(kBandColumn);
		values += std::string(", ") + (one ? kOneLifeValues : kBatchLifeValues) + Hot(one ? kOneHint : kBatchHint) +
		          Hot(one ? kOneBand : kBatchBand);
	}
	std::string sql = "INSERT INTO leadscore.lead_state AS s (model_id, lead_id, " + columns + ")";
	if (one)
		sql += " VALUES ($1, $2, " + values + ")";
	else
		sql += " SELECT $1, u.k, " + values + " FROM " + WithMomentumRows(life ? kBatchLifeRows : kBatchRows, life);
	sql += " ON CONFLICT (model_id, lead_id) DO UPDATE SET " + on_conflict + tail;
	std::vector<Oid> t = WithMomentumType(types, one, life);
	int nargs = static_cast<int>(t.size());
	return one ? Prepare(sql, nargs, t.data()) : Prepare(sql, nargs, t.data(), CURSOR_OPT_GENERIC_PLAN);
}

// `$2::<key type>[]` in SQL text is the parameter's declared type, so the
// plans are per key type.
void PreparePlans(const KeyType &kt) {
	bool hot = HotStateLayout();
	if (plans.key_type == kt.oid && plans.hot == hot && plans.shard == ShardKey())
		return;
	plans.hot = hot;
	const Oid batch[kBatchParams + kLifeParams] = {
	    INT4OID,      kt.array_oid, FLOAT8ARRAYOID, INT8ARRAYOID,        TIMESTAMPTZARRAYOID, FLOAT8ARRAYOID,
	    INT4OID,      INT8ARRAYOID, INT4ARRAYOID,   INT4ARRAYOID,        TEXTARRAYOID,        TEXTARRAYOID,
	    TEXTARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
	    TEXTARRAYOID};
	const Oid one[kOneParams + kLifeParams] = {INT4OID,        kt.oid,         FLOAT8OID,      FLOAT8ARRAYOID,
	                                           INT8OID,        TIMESTAMPTZOID, INT8ARRAYOID,   TEXTOID,
	                                           TEXTOID,        TEXTOID,        TIMESTAMPTZOID, TIMESTAMPTZOID,
	                                           TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};
	std::string put_set = "(" LEADSCORE_STATE_COLUMNS ") = ROW(" + Excluded(LEADSCORE_STATE_COLUMNS) + ")" +
	                      Hot(kSetExcludedRank) + Hot(kSetExcludedMomentum);
	auto add_set = [](bool one_lead) {
		return std::string(kAddSet) + Hot(kSetAddedRank) +
		       (plans.hot ? SetMomentum("s.momentum + excluded.momentum", one_lead, false) : std::string());
	};

	// What a blind add returns: the row as it is now (see AddToStates).
	std::string returning = std::string(" RETURNING " LEADSCORE_LIFECYCLE_SELECT) + BandColumn();
	plans.add = PrepareInsert(false, false, batch, add_set(false), returning.c_str());
	plans.add_one = PrepareInsert(true, false, one, add_set(true), returning.c_str());
	plans.insert = PrepareInsert(false, true, batch, kLockOnly, " RETURNING lead_id");
	plans.insert_one = PrepareInsert(true, true, one, kLockOnly, " RETURNING lead_id");
	plans.put = PrepareInsert(false, false, batch, put_set);
	// Only for rows InsertStates locked already: no order to keep.  A join
	// with the keys, not lead_id = ANY ($2): with the array a parameter, a
	// bitmap scan's recheck of ANY would search it linearly for every row.
	std::string band = std::string(BandColumn()) + MomentumColumn();
	plans.lock = Prepare("SELECT " LEADSCORE_STATE_SELECT + band +
	                         " FROM (SELECT pg_catalog.unnest($2) AS k) AS u"
	                         " JOIN leadscore.lead_state AS s ON s.model_id = $1 AND s.lead_id = u.k FOR UPDATE OF s",
	                     2, batch, CURSOR_OPT_CUSTOM_PLAN);
	// Locks key after key in the order of the array and stops at the first
	// key without a row: a recursive walk, whose step (a primary key lookup
	// with its own FOR UPDATE) yields nothing there, which ends it.
	plans.lock_all = Prepare(
	    "WITH RECURSIVE w AS (SELECT 1 AS i, s.* FROM (SELECT " LEADSCORE_STATE_SELECT + band +
	        " FROM leadscore.lead_state"
	        " WHERE model_id = $1 AND lead_id = $2[1] FOR UPDATE) AS s"
	        " UNION ALL SELECT w.i + 1, s.* FROM w, LATERAL (SELECT " LEADSCORE_STATE_SELECT +
	        band +
	        " FROM leadscore.lead_state"
	        " WHERE model_id = $1 AND lead_id = $2[w.i + 1] FOR UPDATE) AS s WHERE w.i < pg_catalog.cardinality($2))"
	        " SELECT lead_id, " LEADSCORE_STATE_COLUMNS ", " LEADSCORE_RECORD_COLUMNS ", band, momentum FROM w",
	    2, batch, CURSOR_OPT_CUSTOM_PLAN);
	plans.lock_one = Prepare("SELECT " LEADSCORE_STATE_SELECT + band + " FROM leadscore.lead_state"
	                         " WHERE model_id = $1 AND lead_id = $2 FOR UPDATE",
	                         2, one);
	std::vector<Oid> write_types = WithMomentumType(batch, false, true);
	plans.write = Prepare(std::string("UPDATE leadscore.lead_state AS s SET (" LEADSCORE_STATE_COLUMNS
	                                  ", " LEADSCORE_RECORD_COLUMNS ") = ROW(") +
	                          kBatchValues + ", " + kBatchLifeValues + ")" + Hot(kSetBatchRank) + Hot(kBatchLowerHint) + Hot(kSetBatchBand) +
	                          (plans.hot ? SetMomentum("u.mo", false, true) : std::string()) + " FROM " +
	                          WithMomentumRows(kBatchLifeRows, true) +
	                          " WHERE s.model_id = $1 AND s.lead_id = u.k",
	                      static_cast<int>(write_types.size()), write_types.data(), CURSOR_OPT_CUSTOM_PLAN);
	std::vector<Oid> write_one_types = WithMomentumType(one, true, true);
	std::string set_one_momentum = SetMomentum("$" + std::to_string(MomentumParam(true, true)), true, true);
	plans.write_one = Prepare(std::string("UPDATE leadscore.lead_state AS s SET (" LEADSCORE_STATE_COLUMNS
	                                      ", " LEADSCORE_RECORD_COLUMNS ") = ROW(") +
	                              kOneValues + ", " + kOneLifeValues + ")" + Hot(kSetOneRank) + Hot(kOneLowerHint) + Hot(kSetOneBand) +
	                              Hot(set_one_momentum.c_str()) + " WHERE model_id = $1 AND lead_id = $2",
	                          static_cast<int>(write_one_types.size()), write_one_types.data());
	// A writer's rows under SERIALIZABLE: an UPDATE scans for its rows, and
	// with the writer's SnapshotSelf (consistent_reads.hpp) may meet the row
	// versions it has just written; this upsert finds them through the
	// primary key's conflict check instead.
	std::string overwrite_set = "(" LEADSCORE_STATE_COLUMNS ", " LEADSCORE_RECORD_COLUMNS ") = ROW(" +
	                            Excluded(LEADSCORE_STATE_COLUMNS) + ", " + Excluded(LEADSCORE_RECORD_COLUMNS) + ")" +
	                            Hot(kSetExcludedRank) + Hot(kUpsertLowerHint) + Hot(kSetExcludedBand) +
	                            Hot(kSetExcludedMomentum);
	plans.overwrite = PrepareInsert(false, true, batch, overwrite_set);
	plans.overwrite_one = PrepareInsert(true, true, one, overwrite_set);
	plans.key_type = kt.oid;
	plans.shard = ShardKey();
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

// The batch layout of `s`.
void BatchParams(const KeyType &kt, std::int32_t model_id, const StateColumns &s, Datum *values) {
	values[0] = Int32GetDatum(model_id);
	values[1] = KeyArrayDatum(kt, s.keys, s.n);
	values[2] = Float8ArrayDatum(s.stored, s.n);
	values[3] = Int8ArrayDatum(s.activity_count, s.n);
	values[4] = TimestampArray(s.last_at, s.last_at_null, s.n);
	values[5] = Float8ArrayDatum(s.stages, s.n * s.stage_count);
	values[6] = Int32GetDatum(s.stage_count);
	values[7] = Int8ArrayDatum(s.caps, s.caps_from[s.n] - 1);
	values[8] = Int4ArrayDatum(s.caps_from, s.n);
	values[9] = Int4ArrayDatum(s.caps_len, s.n);
}

// The one-lead layout of lead 0 of `s`.
void OneParams(std::int32_t model_id, const StateColumns &s, Datum *values, char *nulls) {
	bool caps_null = s.caps_len[0] == 0;
	values[0] = Int32GetDatum(model_id);
	values[1] = s.keys[0];
	values[2] = Float8GetDatum(s.stored[0]);
	values[3] = Float8ArrayDatum(s.stages, s.stage_count);
	values[4] = Int64GetDatum(s.activity_count[0]);
	values[5] = Int64GetDatum(s.last_at[0]);
	values[6] = caps_null ? Datum(0) : Int8ArrayDatum(s.caps + s.caps_from[0] - 1, s.caps_len[0]);
	for (int i = 0; i < kOneParams; i++)
		nulls[i] = ' ';
	nulls[5] = s.last_at_null[0] ? 'n' : ' ';
	nulls[6] = caps_null ? 'n' : ' ';
}

Datum TimeOrNull(std::int64_t unix_us, char *null) {
	*null = unix_us == core::kNoTime ? 'n' : ' ';
	return unix_us == core::kNoTime ? Datum(0) : TimestampTzGetDatum(UnixUsToTimestamp(unix_us));
}

Datum TextOrNull(const char *text, char *null) {
	*null = text == nullptr ? 'n' : ' ';
	return text == nullptr ? Datum(0) : CStringGetTextDatum(text);
}

// The lifecycle parameters of `s` after `first` others.
void BatchLifeParams(const StateColumns &s, int first, Datum *values) {
	values[first] = TextArrayDatum(s.grade, s.n);
	values[first + 1] = TextArrayDatum(s.status, s.n);
	values[first + 2] = TextArrayDatum(s.stage, s.n);
	values[first + 3] = TimestampArrayDatum(s.mql_at, s.n);
	values[first + 4] = TimestampArrayDatum(s.sql_at, s.n);
	values[first + 5] = TimestampArrayDatum(s.checked_at, s.n);
	values[first + 6] = TimestampArrayDatum(s.due_at, s.n);
	values[first + 7] = TextArrayDatum(s.band, s.n);
}

void OneLifeParams(const StateColumns &s, int first, Datum *values, char *nulls) {
	values[first] = TextOrNull(s.grade[0], &nulls[first]);
	values[first + 1] = TextOrNull(s.status[0], &nulls[first + 1]);
	values[first + 2] = TextOrNull(s.stage[0], &nulls[first + 2]);
	values[first + 3] = TimeOrNull(s.mql_at[0], &nulls[first + 3]);
	values[first + 4] = TimeOrNull(s.sql_at[0], &nulls[first + 4]);
	values[first + 5] = TimeOrNull(s.checked_at[0], &nulls[first + 5]);
	values[first + 6] = TimeOrNull(s.due_at[0], &nulls[first + 6]);
	values[first + 7] = TextOrNull(s.band[0], &nulls[first + 7]);
}

void Check(int rc, int expected) {
	if (rc != expected)
		elog(ERROR, "leadscore: writing lead state failed (SPI code %d)", rc);
}

void Execute(SPIPlanPtr plan, Datum *values, const char *nulls, int expected) {
	Check(ExecuteWriterPlan(plan, values, nulls), expected);
}

// A batch statement (no NULL parameters), its arrays not folded into a
// custom plan (see Prepare), except with a writer's snapshot
// (consistent_reads.hpp), which only SPI_execute_snapshot takes, with every
// parameter a constant.
void RunBatch(SPIPlanPtr plan, int nargs, Datum *values, int expected) {
	if (WriterSnapshot() != InvalidSnapshot) {
		Execute(plan, values, nullptr, expected);
		return;
	}
	ParamListInfo params = makeParamList(nargs);
	for (int i = 0; i < nargs; i++) {
		ParamExternData &p = params->params[i];
		p.value = values[i];
		p.isnull = false;
		p.ptype = SPI_getargtypeid(plan, i);
		p.pflags = get_element_type(p.ptype) == InvalidOid ? PARAM_FLAG_CONST : 0;
	}
	SPIExecuteOptions options;
	memset(&options, 0, sizeof options);
	options.params = params;
	Check(SPI_execute_plan_extended(plan, &options), expected);
}

// RunBatch without JIT: a batch of many leads looks costly (so many primary
// key lookups) though it runs in microseconds per lead, and compiling it
// took longer than running it.  The setting's nest level ends with the
// statement, or with the (sub)transaction an error aborts.
void ExecuteBatch(SPIPlanPtr plan, int nargs, Datum *values, int expected) {
	int nest = NewGUCNestLevel();
	if (jit_enabled)
		set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	RunBatch(plan, nargs, values, expected);
	AtEOXact_GUC(true, nest);
}

// Runs the one-lead or the batch form of a statement over `s`, with the
// lifecycle record when `life`.
void ExecuteStates(SPIPlanPtr one, SPIPlanPtr batch, const KeyType &kt, std::int32_t model_id,
                   const StateColumns &s, int expected, bool life = false) {
	if (s.n == 1 && one != nullptr) {
		Datum values[kOneParams + kLifeParams + 2];
		char nulls[kOneParams + kLifeParams + 2];
		OneParams(model_id, s, values, nulls);
		if (life)
			OneLifeParams(s, kOneParams, values, nulls);
		int m = MomentumParam(true, life) - 1;
		values[m] = Float8GetDatum(s.momentum[0]);
		values[m + 1] = BoolGetDatum(s.rank_momentum);
		nulls[m] = nulls[m + 1] = ' ';
		Execute(one, values, nulls, expected);
		return;
	}
	Datum values[kBatchParams + kLifeParams + 2];
	BatchParams(kt, model_id, s, values);
	if (life)
		BatchLifeParams(s, kBatchParams, values);
	int m = MomentumParam(false, life) - 1;
	values[m] = Float8ArrayDatum(s.momentum, s.n);
	values[m + 1] = BoolGetDatum(s.rank_momentum);
	ExecuteBatch(batch, m + 2, values, expected);
}

} // namespace

std::vector<LifecycleLead> AddToStates(const KeyType &kt, const core::ModelSpec &model, const StateColumns &s) {
	PreparePlans(kt);
	std::uint64_t rows = CallPg([&] {
		ExecuteStates(plans.add_one, plans.add, kt, model.id, s, SPI_OK_INSERT_RETURNING);
		return SPI_processed;
	});
	return ReadLifecycleRows(SPI_tuptable, rows, StateSelect::Lifecycle, model);
}

std::uint64_t InsertStates(const KeyType &kt, std::int32_t model_id, const StateColumns &s,
                           std::vector<Datum> *inserted) {
	PreparePlans(kt);
	std::uint64_t rows = CallPg([&] {
		ExecuteStates(plans.insert_one, plans.insert, kt, model_id, s, SPI_OK_INSERT_RETURNING, true);
		return SPI_processed;
	});
	if (rows == static_cast<std::uint64_t>(s.n))
		return rows;
	inserted->resize(rows);
	SPITupleTable *table = SPI_tuptable;
	CallPg([&] {
		bool isnull;
		for (std::uint64_t r = 0; r < rows; r++)
			(*inserted)[r] = SPI_getbinval(table->vals[r], table->tupdesc, 1, &isnull);
	});
	return rows;
}

// The rows of the last SELECT, decoded.
LockedStates ReadLocked(const core::ModelSpec &model, std::uint64_t rows) {
	SPITupleTable *table = SPI_tuptable;
	LockedStates locked;
	locked.rows.resize(rows);
	CallPg([&] {
		for (std::uint64_t r = 0; r < rows; r++)
			locked.rows[r] = ReadStateRow(table, r);
	});
	locked.records = ReadLifecycleRows(table, rows, StateSelect::State, model);
	return locked;
}

LockedStates LockStates(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys) {
	PreparePlans(kt);
	std::uint64_t rows = CallPg([&] {
		if (keys.size() == 1) {
			Datum one[] = {Int32GetDatum(model.id), keys[0]};
			Execute(plans.lock_one, one, nullptr, SPI_OK_SELECT);
		} else {
			Datum lock[] = {Int32GetDatum(model.id), KeyArrayDatum(kt, keys.data(), static_cast<int>(keys.size()))};
			ExecuteBatch(plans.lock, 2, lock, SPI_OK_SELECT);
		}
		return SPI_processed;
	});
	return ReadLocked(model, rows);
}

bool LockAllStates(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys,
                   LockedStates *locked) {
	PreparePlans(kt);
	std::uint64_t rows = CallPg([&] {
		Datum values[] = {Int32GetDatum(model.id), KeyArrayDatum(kt, keys.data(), static_cast<int>(keys.size()))};
		ExecuteBatch(plans.lock_all, 2, values, SPI_OK_SELECT);
		return SPI_processed;
	});
	if (rows != keys.size())
		return false;
	*locked = ReadLocked(model, rows);
	return true;
}

void WriteStates(const KeyType &kt, std::int32_t model_id, const StateColumns &s) {
	PreparePlans(kt);
	// The UPDATE is the cheaper of the two (bench/sync_batch.sh).
	bool overwrite = WriterSnapshot() != InvalidSnapshot;
	CallPg([&] {
		if (overwrite)
			ExecuteStates(plans.overwrite_one, plans.overwrite, kt, model_id, s, SPI_OK_INSERT, true);
		else
			ExecuteStates(plans.write_one, plans.write, kt, model_id, s, SPI_OK_UPDATE, true);
	});
}

void PutStates(const KeyType &kt, std::int32_t model_id, const StateColumns &s) {
	PreparePlans(kt);
	CallPg([&] { ExecuteStates(nullptr, plans.put, kt, model_id, s, SPI_OK_INSERT); });
}

} // namespace leadscore::pg
