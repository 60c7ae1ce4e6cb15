// The aggregates score_agg and stage_agg: a transition step, a combine step
// and two final steps over the byte-string state of core/insight/score_aggregate.hpp.
//
// Performance: the step runs once per input row.  The model is read once per
// query and call site (cached in fn_extra, freed with the query's memory),
// and the state, whose size is fixed per model, is updated in place when
// PostgreSQL calls the step as an aggregate (AggCheckCallContext): no copy
// per row.  Called directly as a function, the step copies first, as a
// function must not change its argument.
//
// The step reads the catalog through SPI read-only queries, which parallel
// workers may run, and sets no search_path (a SET clause would save and
// restore GUCs on every row): its queries are fully qualified, operators
// included.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/model_catalog.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/insight/score_aggregate.hpp"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// ------------------------------------------------------------ the model

// SPI, read-only (a parallel worker may not take new snapshots or bump the
// command counter), text in and out.
std::vector<TextRow> ReadOnlyQuery(const char *sql, const std::string &arg) {
	std::vector<TextRow> out;
	SPITupleTable *table = CallPg([&] {
		Oid types[1] = {TEXTOID};
		Datum values[1] = {TextDatum(arg)};
		if (SPI_execute_with_args(ShardSql(sql), 1, types, values, nullptr, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: reading a model failed");
		return SPI_tuptable;
	});
	std::uint64_t n = SPI_processed;
	for (std::uint64_t i = 0; i < n; i++) {
		TextRow row;
		for (int c = 1; c <= table->tupdesc->natts; c++) {
			char *cell = CallPg([&] { return SPI_getvalue(table->vals[i], table->tupdesc, c); });
			row.push_back(cell ? std::optional<std::string>(cell) : std::nullopt);
		}
		out.push_back(std::move(row));
	}
	return out;
}

double ToDouble(const std::optional<std::string> &s, double null_value) {
	return s ? std::strtod(s->c_str(), nullptr) : null_value;
}

core::ModelSpec LoadModel(const std::string &name) {
	ConnectSpi();
	// Pushed down to a Citus shard, it reads the configuration's placements.
	ShardScope node(CurrentShard() != nullptr ? CurrentShard() : NodeContext());
	auto models = ReadOnlyQuery(
	    "SELECT m.id, pg_catalog.numeric_mul(pg_catalog.extract('epoch', m.half_life), 1000000),"
	    " m.mql_threshold, m.sql_threshold, m.stage_min_points, m.max_score"
	    " FROM leadscore.models m WHERE m.name OPERATOR(pg_catalog.=) $1",
	    name);
	if (models.empty())
		throw core::Error(core::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist", {},
		                  "leadscore.models lists the models; leadscore.create_model() makes one.");
	const TextRow &r = models[0];
	core::ModelSpec m;
	m.id = static_cast<std::int32_t>(std::strtol(r[0]->c_str(), nullptr, 10));
	m.name = name;
	m.half_life_us = ToDouble(r[1], 0);
	m.mql_threshold = ToDouble(r[2], 0);
	m.sql_threshold = ToDouble(r[3], 0);
	m.stage_min_points = ToDouble(r[4], core::kDefaultStageMinPoints);
	m.max_score = ToDouble(r[5], std::numeric_limits<double>::quiet_NaN());
	for (const TextRow &s : ReadOnlyQuery("SELECT s.name FROM leadscore.models m,"
	                                      " pg_catalog.unnest(m.stages) WITH ORDINALITY AS s(name, i)"
	                                      " WHERE m.name OPERATOR(pg_catalog.=) $1 ORDER BY s.i",
	                                      name))
		m.stages.push_back(*s[0]);
	std::string rules = std::string("SELECT ") + kRuleColumns +
	                    " FROM leadscore.rules r"
	                    " WHERE r.model_id OPERATOR(pg_catalog.=) $1::pg_catalog.int4 ORDER BY r.id";
	for (const TextRow &x : ReadOnlyQuery(rules.c_str(), *r[0]))
		m.rules.push_back(RuleFromRow(m, x, 0));
	FinishSpi();
	return m;
}

struct AggModel {
	std::string name;
	core::CompiledModel compiled; // conditions over the jsonb attributes
	std::vector<core::Value> row; // one per attribute
};

std::unique_ptr<AggModel> BuildModel(const std::string &name, bool with_attributes) {
	core::ModelSpec spec = LoadModel(name);
	if (!with_attributes && core::HasConditions(spec))
		throw core::Error(core::ErrorKind::NotSupported,
		                  "model \"" + name + "\" has rules with conditions or points expressions, which need the activity row", {},
		                  "Pass the row as jsonb: leadscore.score_agg(model, activity_type, occurred_at, as_of, "
		                  "to_jsonb(t)); '{}' scores as if every column were NULL.");
	core::Schema attributes = core::RuleAttributes(spec);
	auto m = std::make_unique<AggModel>(AggModel{name, core::CompiledModel::Compile(spec, attributes), {}});
	m->row.resize(attributes.size());
	return m;
}

// The models of one aggregate call site, for the query's lifetime.
struct AggCache {
	std::vector<std::unique_ptr<AggModel>> models;
	AggModel *last = nullptr;
};

struct CacheHolder {
	AggCache *cache;
	MemoryContextCallback callback;
};

void DeleteCache(void *arg) {
	delete static_cast<AggCache *>(arg);
}

AggCache *Cache(FunctionCallInfo fcinfo) {
	FmgrInfo *flinfo = fcinfo->flinfo;
	if (flinfo->fn_extra != nullptr)
		return static_cast<CacheHolder *>(flinfo->fn_extra)->cache;
	auto cache = std::make_unique<AggCache>();
	auto *holder = static_cast<CacheHolder *>(
	    CallPg([&] { return MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(CacheHolder)); }));
	holder->cache = cache.get();
	holder->callback.func = DeleteCache;
	holder->callback.arg = cache.get();
	CallPg([&] { MemoryContextRegisterResetCallback(flinfo->fn_mcxt, &holder->callback); });
	flinfo->fn_extra = holder;
	return cache.release();
}

AggModel *Model(FunctionCallInfo fcinfo, const std::string &name, bool with_attributes) {
	AggCache *cache = Cache(fcinfo);
	if (cache->last != nullptr && cache->last->name == name)
		return cache->last;
	for (auto &m : cache->models)
		if (m->name == name)
			return cache->last = m.get();
	cache->models.emplace_back(BuildModel(name, with_attributes));
	return cache->last = cache->models.back().get();
}

// ------------------------------------------------------------ a row

core::Value JsonValue(const JsonbValue &v) {
	switch (v.type) {
	case jbvString:
		return core::Value::Text(std::string_view(v.val.string.val, static_cast<std::size_t>(v.val.string.len)));
	case jbvNumeric:
		return core::Value::Float(DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric))));
	case jbvBool:
		return core::Value::Bool(v.val.boolean);
	case jbvBinary:
		// An object or array: compared as its JSON text.
		return core::Value::Text(JsonbToCString(nullptr, v.val.binary.data, v.val.binary.len));
	default:
		return core::Value::Null();
	}
}

// PostgreSQL side: the attributes `model` reads, from jsonb `attrs` (NULL:
// none), into model->row; text points into the jsonb (per-row memory).
void ReadAttributes(AggModel *model, Jsonb *attrs) {
	const core::Schema &schema = model->compiled.schema();
	for (std::size_t i = 0; i < schema.size(); i++) {
		model->row[i] = core::Value::Null();
		if (attrs == nullptr)
			continue;
		JsonbValue key;
		key.type = jbvString;
		key.val.string.val = const_cast<char *>(schema[i].name.c_str());
		key.val.string.len = static_cast<int>(schema[i].name.size());
		JsonbValue *v = findJsonbValueFromContainer(&attrs->root, JB_FOBJECT, &key);
		if (v != nullptr)
			model->row[i] = JsonValue(*v);
	}
}

// ------------------------------------------------------------ the state

bytea *NewState(const core::ModelSpec &spec, std::int64_t as_of) {
	std::size_t size = core::ScoreAggState::Size(spec);
	auto *state = static_cast<bytea *>(CallPg([&] { return palloc(VARHDRSZ + size); }));
	SET_VARSIZE(state, VARHDRSZ + size);
	core::ScoreAggState::Init(reinterpret_cast<unsigned char *>(VARDATA(state)), spec, as_of);
	return state;
}

// Argument n as a state this call may change: the aggregate's own when
// called as an aggregate, else a copy.
bytea *WritableState(FunctionCallInfo fcinfo, int n) {
	return CallPg([&] {
		return AggCheckCallContext(fcinfo, nullptr) != 0 ? PG_GETARG_BYTEA_P(n) : PG_GETARG_BYTEA_P_COPY(n);
	});
}

core::ScoreAggState View(bytea *state) {
	return core::ScoreAggState(reinterpret_cast<unsigned char *>(VARDATA(state)), VARSIZE(state) - VARHDRSZ);
}

core::ScoreAggState ReadOnlyView(FunctionCallInfo fcinfo, int n) {
	bytea *state = CallPg([&] { return PG_GETARG_BYTEA_PP(n); });
	return core::ScoreAggState(reinterpret_cast<const unsigned char *>(VARDATA_ANY(state)), VARSIZE_ANY_EXHDR(state));
}

std::int64_t AsOf(FunctionCallInfo fcinfo, bool given) {
	if (!given)
		return TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	return FiniteTimeArg(fcinfo, 4, "as_of");
}

// The rows's time when it counts at as_of; false for NULL, infinite (or
// beyond the core's range, as the triggers skip it) or after as_of.
bool RowTime(FunctionCallInfo fcinfo, std::int64_t as_of, std::int64_t *at) {
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return false;
	return TimestampToCoreTime(PG_GETARG_TIMESTAMPTZ(3), at) && *at <= as_of;
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;
namespace core = leadscore::core;

extern "C" {

// _score_agg_step(state, model, activity_type, occurred_at [, as_of [, attrs jsonb]])
PG_FUNCTION_INFO_V1(leadscore_score_agg_step);
Datum leadscore_score_agg_step(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		int nargs = PG_NARGS();
		bool with_as_of = nargs >= 5, with_attributes = nargs >= 6;
		RequireArg(fcinfo, 1, "model");
		std::int64_t as_of = AsOf(fcinfo, with_as_of);
		AggModel *model = Model(fcinfo, TextArg(fcinfo, 1), with_attributes);
		const core::ModelSpec &spec = model->compiled.spec();
		bytea *state = PG_ARGISNULL(0) ? NewState(spec, as_of) : WritableState(fcinfo, 0);
		core::ScoreAggState s = View(state);
		if (s.model_id() != spec.id || s.as_of() != as_of)
			throw core::Error(core::ErrorKind::InvalidValue,
			                  "every row of a score_agg or stage_agg group must name the same model and as_of");
		std::int64_t at;
		if (!RowTime(fcinfo, as_of, &at))
			PG_RETURN_BYTEA_P(state);
		std::string_view type = TextView(CallPg([&] { return PG_GETARG_TEXT_PP(2); }));
		core::IndexSpan rules = model->compiled.RulesFor(type);
		if (rules.empty())
			PG_RETURN_BYTEA_P(state);
		if (with_attributes) {
			Jsonb *attrs = PG_ARGISNULL(5) ? nullptr : CallPg([&] { return PG_GETARG_JSONB_P(5); });
			if (attrs != nullptr && !JB_ROOT_IS_OBJECT(attrs))
				throw core::Error(core::ErrorKind::InvalidValue, "the activity row must be a jsonb object",
				                  {}, "Pass to_jsonb(t) of the row t.");
			CallPg([&] { ReadAttributes(model, attrs); });
		}
		const core::CompiledModel &compiled = model->compiled;
		for (std::uint32_t r : rules) {
			double points = 0;
			if (!compiled.Matches(r, model->row.data()) || !compiled.PointsOf(r, model->row.data(), &points))
				continue;
			s.Add(r, at, compiled.rule(r).points ? points : 1.0);
		}
		PG_RETURN_BYTEA_P(state);
	});
}

// _score_agg_combine(a, b): a with b's rows added in (strict).
PG_FUNCTION_INFO_V1(leadscore_score_agg_combine);
Datum leadscore_score_agg_combine(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		bytea *state = WritableState(fcinfo, 0);
		View(state).Merge(ReadOnlyView(fcinfo, 1));
		PG_RETURN_BYTEA_P(state);
	});
}

// _score_agg_final(state) -> the score at as_of (strict).
PG_FUNCTION_INFO_V1(leadscore_score_agg_final);
Datum leadscore_score_agg_final(PG_FUNCTION_ARGS) {
	return Guarded([&] { PG_RETURN_FLOAT8(ReadOnlyView(fcinfo, 0).Score()); });
}

// _stage_agg_final(state) -> the stage at as_of, NULL for none (strict).
PG_FUNCTION_INFO_V1(leadscore_stage_agg_final);
Datum leadscore_stage_agg_final(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		core::ScoreAggState s = ReadOnlyView(fcinfo, 0);
		int stage = s.Stage();
		if (stage == core::kNoStage)
			PG_RETURN_NULL();
		std::string_view name = s.StageName(stage);
		return CallPg([&] { return TextDatum(name); });
	});
}

} // extern "C"
