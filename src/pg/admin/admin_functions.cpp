// C entry points behind the admin functions of src/sql/*.sql: checks that
// the core does (so SQL and triggers agree on what is valid) and cache
// invalidation.
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/condition/condition.hpp"
#include "core/condition/expression.hpp"
#include "core/lead/scoring_status.hpp"
#include "core/model/scoring_model.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

using leadscore::core::Error;
using leadscore::core::ErrorKind;
using leadscore::pg::CallPg;
using leadscore::pg::Guarded;
using leadscore::pg::OptionalFloat8Arg;
using leadscore::pg::OptionalInt32Arg;
using leadscore::pg::OptionalTextArg;
using leadscore::pg::RequireArg;
using leadscore::pg::TextArg;
using leadscore::pg::TextArrayArg;

namespace {

double IntervalUs(Interval *iv) {
	// A month counts 30 days, as PostgreSQL's interval arithmetic does.
	return static_cast<double>(iv->time) + static_cast<double>(iv->day) * USECS_PER_DAY +
	       static_cast<double>(iv->month) * DAYS_PER_MONTH * USECS_PER_DAY;
}

// Stage k of a model is element k of its stages array, by position in
// C++ and by subscript in SQL (leadscore.stage_of, the events): the two
// agree only for a plain list.  Another shape (2-D, or subscripts from 0)
// once gave lead states rescore() could not make agree with verify().
void CheckStagesShape(const ArrayType *stages) {
	const char *hint = "List the stages in order, e.g. '{awareness,consideration,decision}'.";
	if (ARR_NDIM(stages) > 1)
		throw Error(ErrorKind::InvalidValue,
		            "stages must be a one-dimensional array, not " + std::to_string(ARR_NDIM(stages)) + "-dimensional",
		            {}, hint);
	if (ARR_NDIM(stages) == 1 && ARR_LBOUND(stages)[0] != 1)
		throw Error(ErrorKind::InvalidValue,
		            "stages must be subscripted from 1, not from " + std::to_string(ARR_LBOUND(stages)[0]), {}, hint);
	if (ARR_HASNULL(stages))
		throw Error(ErrorKind::InvalidValue, "stage names must not be NULL");
}

} // namespace

extern "C" {

// _check_model(name, half_life, mql, sql, stages, stage_min_points,
// max_score): raises the core's error for a bad setting.
PG_FUNCTION_INFO_V1(leadscore_check_model);
Datum leadscore_check_model(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		if (!PG_ARGISNULL(4))
			CheckStagesShape(CallPg([&] { return PG_GETARG_ARRAYTYPE_P(4); }));
		leadscore::core::ModelSpec spec;
		spec.name = TextArg(fcinfo, 0);
		// A NULL float8 argument reads as 0 and NaN means "none" to the
		// core: both are rejected here, where the setting has a name.
		const char *required[] = {nullptr, nullptr, "mql_threshold", "sql_threshold", nullptr, "stage_min_points"};
		for (int i = 2; i <= 5; i++)
			if (required[i] != nullptr)
				RequireArg(fcinfo, i, std::string(required[i]) + " of model \"" + spec.name + "\"");
		std::optional<double> max_score = OptionalFloat8Arg(fcinfo, 6);
		if (max_score && std::isnan(*max_score))
			throw Error(ErrorKind::InvalidValue,
			            "max_score of model \"" + spec.name + "\" must be a finite number, not NaN", {},
			            "Use NULL for a model whose scores have no maximum.");
		spec.half_life_us = PG_ARGISNULL(1) ? 0 : IntervalUs(PG_GETARG_INTERVAL_P(1));
		bool negative_half_life = !PG_ARGISNULL(1) && spec.half_life_us <= 0;
		spec.mql_threshold = PG_GETARG_FLOAT8(2);
		spec.sql_threshold = PG_GETARG_FLOAT8(3);
		spec.stages = TextArrayArg(fcinfo, 4);
		spec.stage_min_points = PG_GETARG_FLOAT8(5);
		if (max_score)
			spec.max_score = *max_score;
		if (negative_half_life)
			throw Error(ErrorKind::InvalidValue, "half_life must be positive",
			            "Use NULL for a model whose scores do not decay.");
		leadscore::core::ValidateModel(spec);
		leadscore::core::ValidateThresholdRange(spec);
		PG_RETURN_VOID();
	});
}

namespace {

// An interval argument given in microseconds as float8 (SQL's extract()),
// as the core's int64: anything past the core's bound stays past it.
std::int64_t WindowMicros(std::optional<double> us) {
	if (!us)
		return 0;
	double bound = static_cast<double>(leadscore::core::kMaxWindowUs) + 1;
	if (std::isnan(*us))
		return -1;
	return static_cast<std::int64_t>(std::clamp(*us, -bound, bound));
}

// _check_rule's model: its name, stages and the names of its other rules.
leadscore::core::ModelSpec RuleModel(FunctionCallInfo fcinfo) {
	leadscore::core::ModelSpec model;
	model.name = TextArg(fcinfo, 0);
	model.stages = TextArrayArg(fcinfo, 1);
	std::vector<std::string> names = TextArrayArg(fcinfo, 2);
	for (std::size_t i = 0; i < names.size(); i++) {
		leadscore::core::RuleSpec other;
		other.id = static_cast<std::int32_t>(i + 1);
		other.name = names[i];
		model.rules.push_back(other);
	}
	return model;
}

// Exactly one of points and points_expression; NULL points is not given.
void ReadPoints(FunctionCallInfo fcinfo, bool with_expression, leadscore::core::RuleSpec *rule) {
	std::optional<double> points = OptionalFloat8Arg(fcinfo, 5);
	std::optional<std::string> expression = with_expression ? OptionalTextArg(fcinfo, 12) : std::nullopt;
	if (points.has_value() == expression.has_value())
		throw Error(points ? ErrorKind::InvalidValue : ErrorKind::NullValue,
		            "rule \"" + rule->name + "\" needs " + (points ? "either" : "one of") +
		                " points or points_expression" + (points ? ", not both" : ""),
		            {}, "A NULL points counts as not given.");
	rule->points = points.value_or(0);
	rule->points_expression = expression.value_or(std::string());
}

// max_count, and the window of min_count, within and cooldown.  0 is how
// the core says "none", so an explicit 0 is refused here, where the user's
// NULL and 0 still differ.
void ReadCounts(FunctionCallInfo fcinfo, bool with_window, leadscore::core::RuleSpec *rule) {
	std::optional<std::int32_t> cap = OptionalInt32Arg(fcinfo, 8);
	if (cap && *cap <= 0)
		throw Error(ErrorKind::InvalidValue, "max_count must be at least 1, not " + std::to_string(*cap),
		            "Use NULL for a rule without a cap.");
	rule->max_count = cap.value_or(0);
	if (!with_window)
		return;
	std::optional<std::int32_t> min_count = OptionalInt32Arg(fcinfo, 9);
	if (min_count && *min_count == 0)
		throw Error(ErrorKind::InvalidValue, "min_count of rule \"" + rule->name + "\" must be at least 1, not 0", {},
		            "Use NULL for a rule that scores every activity.");
	rule->window.min_count = min_count.value_or(0);
	rule->window.within_us = WindowMicros(OptionalFloat8Arg(fcinfo, 10));
	rule->window.cooldown_us = WindowMicros(OptionalFloat8Arg(fcinfo, 11));
}

// The normalised texts as _check_rule returns them.
Datum NormalizedTexts(const std::optional<std::string> &condition, const std::string &expression,
                      bool as_array) {
	std::optional<std::string> texts[2];
	if (condition)
		texts[0] = leadscore::core::Normalize(*leadscore::core::ParseCondition(*condition));
	if (!expression.empty())
		texts[1] = leadscore::core::Normalize(*leadscore::core::ParseExpression(expression));
	if (!as_array)
		return texts[0] ? CallPg([&] { return leadscore::pg::TextDatum(*texts[0]); }) : Datum(0);
	const char *c_texts[2] = {texts[0] ? texts[0]->c_str() : nullptr, texts[1] ? texts[1]->c_str() : nullptr};
	return CallPg([&] { return leadscore::pg::TextArrayDatum(c_texts, 2); });
}

} // namespace

// _check_rule(model, stages, rule_names, name, activity_type, points,
// stage, condition, max_count, min_count, within_us, cooldown_us,
// points_expression) -> {the normalised condition, the normalised points
// expression} (NULL elements: none).  A NULL activity_type is every type.
// 0.2's add_rule (before ALTER EXTENSION UPDATE) passes the first 9 and
// takes the condition back as text.
PG_FUNCTION_INFO_V1(leadscore_check_rule);
Datum leadscore_check_rule(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		const bool current = PG_NARGS() >= 13;
		leadscore::core::ModelSpec model = RuleModel(fcinfo);
		leadscore::core::RuleSpec rule;
		rule.name = TextArg(fcinfo, 3);
		std::optional<std::string> type = OptionalTextArg(fcinfo, 4);
		if (type && type->empty())
			throw Error(ErrorKind::InvalidValue, "activity_type of rule \"" + rule.name + "\" must not be empty", {},
			            "Use NULL for a rule over every type.");
		rule.activity_type = type.value_or(std::string());
		ReadPoints(fcinfo, current, &rule);
		std::optional<std::string> stage = OptionalTextArg(fcinfo, 6), condition = OptionalTextArg(fcinfo, 7);
		rule.stage = stage ? leadscore::core::FindStage(model, *stage) : leadscore::core::kNoStage;
		rule.condition = condition.value_or(std::string());
		ReadCounts(fcinfo, current, &rule);
		leadscore::core::ValidateRule(model, rule);
		Datum result = NormalizedTexts(condition, rule.points_expression, current);
		if (result == Datum(0))
			PG_RETURN_NULL();
		return result;
	});
}

// _check_absence_rule(model, stages, rule_names, name, activity_type,
// response_types, within_us, points, in_a_row, stage): raises the core's
// error for a bad silence rule.
PG_FUNCTION_INFO_V1(leadscore_check_absence_rule);
Datum leadscore_check_absence_rule(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		leadscore::core::ModelSpec model = RuleModel(fcinfo);
		leadscore::core::RuleSpec rule;
		rule.name = TextArg(fcinfo, 3);
		RequireArg(fcinfo, 4, "activity_type of silence rule \"" + rule.name + "\"");
		RequireArg(fcinfo, 5, "response_types of silence rule \"" + rule.name + "\"");
		RequireArg(fcinfo, 6, "within of silence rule \"" + rule.name + "\"");
		RequireArg(fcinfo, 7, "points of silence rule \"" + rule.name + "\"");
		RequireArg(fcinfo, 8, "in_a_row of silence rule \"" + rule.name + "\"");
		rule.activity_type = TextArg(fcinfo, 4);
		rule.response_types = TextArrayArg(fcinfo, 5);
		if (rule.response_types.empty())
			throw Error(ErrorKind::InvalidValue, "response_types of silence rule \"" + rule.name + "\" are empty",
			            {}, "Name the activity types that answer, e.g. '{email_open,email_click}'.");
		rule.absence.within_us = WindowMicros(OptionalFloat8Arg(fcinfo, 6));
		rule.points = PG_GETARG_FLOAT8(7);
		rule.absence.in_a_row = PG_GETARG_INT32(8);
		std::optional<std::string> stage = OptionalTextArg(fcinfo, 9);
		rule.stage = stage ? leadscore::core::FindStage(model, *stage) : leadscore::core::kNoStage;
		leadscore::core::ValidateRule(model, rule);
		PG_RETURN_VOID();
	});
}

// _check_tables(): compiles every model against every attached activity
// table, so a rule naming a column a table lacks fails now, not on insert.
PG_FUNCTION_INFO_V1(leadscore_check_tables);
Datum leadscore_check_tables(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		leadscore::pg::ConnectSpi();
		auto models = leadscore::pg::LoadModels();
		for (const auto &table : leadscore::pg::LoadActivityTables())
			leadscore::pg::CompileModels(models, table);
		leadscore::pg::FinishSpi();
		PG_RETURN_VOID();
	});
}

// _invalidate(): every backend rebuilds its plans after this transaction.
PG_FUNCTION_INFO_V1(leadscore_invalidate);
Datum leadscore_invalidate(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		leadscore::pg::InvalidatePlans();
		PG_RETURN_VOID();
	});
}

// float8_array_add(a, b): element-wise a + b (stage sums in upserts).
PG_FUNCTION_INFO_V1(leadscore_float8_array_add);
Datum leadscore_float8_array_add(PG_FUNCTION_ARGS) {
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType *b = PG_GETARG_ARRAYTYPE_P(1);
	int na = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	int nb = ArrayGetNItems(ARR_NDIM(b), ARR_DIMS(b));
	if (na != nb || ARR_HASNULL(a) || ARR_HASNULL(b))
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
		                errmsg("stage sums of different lengths (%d and %d)", na, nb),
		                errhint("Run leadscore.rescore() after changing a model's stages.")));
	const double *x = reinterpret_cast<const double *>(ARR_DATA_PTR(a));
	const double *y = reinterpret_cast<const double *>(ARR_DATA_PTR(b));
	Datum *sum = static_cast<Datum *>(palloc(sizeof(Datum) * (na + 1)));
	for (int i = 0; i < na; i++)
		sum[i] = Float8GetDatum(x[i] + y[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(sum, na, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

// stage_of(stage_stored, stages, weight, min_points): the furthest stage
// whose decayed points (stored / weight) reach min_points; NULL if none.
// The lead_scores view calls it per row, so it is plain C with no
// allocation but the result.
PG_FUNCTION_INFO_V1(leadscore_stage_of);
Datum leadscore_stage_of(PG_FUNCTION_ARGS) {
	ArrayType *sums = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType *names = PG_GETARG_ARRAYTYPE_P(1);
	double weight = PG_GETARG_FLOAT8(2), min_points = PG_GETARG_FLOAT8(3);
	int n = ArrayGetNItems(ARR_NDIM(sums), ARR_DIMS(sums));
	if (ARR_HASNULL(sums) || n == 0)
		PG_RETURN_NULL();
	Datum *stage_names;
	bool *nulls;
	int count;
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &stage_names, &nulls, &count);
	const double *x = reinterpret_cast<const double *>(ARR_DATA_PTR(sums));
	for (int i = (n < count ? n : count) - 1; i >= 0; i--)
		if (!nulls[i] && x[i] / weight >= min_points)
			PG_RETURN_DATUM(stage_names[i]);
	PG_RETURN_NULL();
}

// band_of(stored, weight, min_scores, max_score): the 1-based index of the
// lead's band among a model's bands (core::BandOf), NULL for none.  Per row
// of lead_scores, like stage_of: no allocation.
PG_FUNCTION_INFO_V1(leadscore_band_of);
Datum leadscore_band_of(PG_FUNCTION_ARGS) {
	ArrayType *mins = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_HASNULL(mins))
		PG_RETURN_NULL();
	int n = ArrayGetNItems(ARR_NDIM(mins), ARR_DIMS(mins));
	int band = leadscore::core::BandOf(reinterpret_cast<const double *>(ARR_DATA_PTR(mins)),
	                                   static_cast<std::size_t>(n), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(0),
	                                   PG_GETARG_FLOAT8(1));
	if (band == leadscore::core::kNoBand)
		PG_RETURN_NULL();
	PG_RETURN_INT32(band + 1);
}

} // extern "C"
