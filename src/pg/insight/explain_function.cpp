// explain(model, lead_id): why a lead has its score — per rule, the
// activities that matched and counted, their raw points and what they are
// worth now, recomputed from the lead's history.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_history.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include <cmath>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

struct ExplainRow {
	std::string rule, type, stage;
	double points;
	std::int64_t matched, counted;
	double raw, now, share;
};

// The lead_id argument in the database's key type (a literal 42 arrives as
// integer when keys are bigint): converted through its text form.
Datum KeyArgument(FunctionCallInfo fcinfo, const KeyType &kt) {
	Oid given = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Datum value = PG_GETARG_DATUM(1);
	if (given == kt.oid)
		return value;
	Oid output, input, ioparam;
	bool varlena;
	getTypeOutputInfo(given, &output, &varlena);
	getTypeInputInfo(kt.oid, &input, &ioparam);
	return OidInputFunctionCall(input, OidOutputFunctionCall(output, value), ioparam, -1);
}

const core::CompiledModel *FindModel(const std::string &name) {
	for (const ActivityTable &t : LoadActivityTables())
		if (TablePlan *tp = GetTablePlan(t.relid))
			for (std::size_t m = 0; m < tp->plan->model_count(); m++)
				if (tp->plan->model(m).spec().name == name)
					return &tp->plan->model(m);
	return nullptr;
}

std::vector<ExplainRow> Explain(const KeyType &kt, Datum key, const std::string &name, std::int64_t now) {
	if (QueryText("SELECT 1 FROM leadscore.models WHERE name = $1", {name}).empty())
		throw core::Error(core::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist");
	const core::CompiledModel *model = FindModel(name);
	std::vector<ExplainRow> rows;
	if (model == nullptr)
		return rows; // no attached table: nothing scored
	core::Recomputed r;
	RecomputeLead(kt, key, *model, &r);
	double total = 0;
	for (std::size_t i = 0; i < model->rule_count(); i++) {
		const core::RuleSpec &spec = model->rule(i).spec;
		const core::RuleTally &tally = r.rules[i];
		ExplainRow row{spec.name, spec.activity_type,
		               spec.stage == core::kNoStage ? "" : model->spec().stages[static_cast<std::size_t>(spec.stage)],
		               spec.points_expression.empty() ? spec.points : std::nan(""), tally.matched, tally.counted,
		               tally.raw,
		               model->decay().Current(tally.stored, now), 0};
		total += row.now;
		rows.push_back(row);
	}
	// The lead's adjustments since its last reset (adjust(), reset()): a
	// line of their own, without type, points or stage.
	if (r.adjustments > 0) {
		ExplainRow row{"adjustments", "", "", std::nan(""), r.adjustments, r.adjustments, r.adjusted_raw,
		               model->decay().Current(r.adjusted, now), 0};
		total += row.now;
		rows.push_back(row);
	}
	// "+ 0.0" turns the -0 of zero activities times negative points into 0.
	for (ExplainRow &row : rows) {
		row.raw += 0.0;
		row.now += 0.0;
		row.share = total != 0 ? row.now / total + 0.0 : 0;
	}
	return rows;
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_explain);
Datum leadscore_explain(PG_FUNCTION_ARGS) {
	std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	return Guarded([&] {
		KeyType kt = BeginEngineCall();
		std::vector<ExplainRow> rows;
		if (kt.oid != InvalidOid) {
			Datum key = CallPg([&] { return KeyArgument(fcinfo, kt); });
			rows = Explain(kt, key, TextArg(fcinfo, 0), now);
		}
		FinishSpi();
		for (const ExplainRow &r : rows)
			CallPg([&] {
				Datum values[9] = {TextDatum(r.rule), TextDatum(r.type), Float8GetDatum(r.points), TextDatum(r.stage),
				                   Int64GetDatum(r.matched), Int64GetDatum(r.counted), Float8GetDatum(r.raw),
				                   Float8GetDatum(r.now), Float8GetDatum(r.share)};
				bool nulls[9] = {false, r.type.empty(), std::isnan(r.points), r.stage.empty(), false, false, false, false,
				                 false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		return Datum(0);
	});
}

} // extern "C"
