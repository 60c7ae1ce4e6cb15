// score_at(model, lead_id, at) and score_history(model, lead_id, since,
// until, step): a lead's score as it stood at past times, recomputed from
// its history (README "Score history").  Read -> compute -> write: the
// lead's rows are read once (with the rights explain() reads them with:
// ScanHistory, owner_rights.hpp), the core computes every step
// (score_series.hpp) after SPI is finished, then the rows are returned.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/insight/insight_data.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/insight/score_series.hpp"
#include "core/model/grade.hpp"

#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// The limit on the points of one score_history() call.
constexpr std::size_t kMaxHistoryPoints = 100000;

[[noreturn]] void Invalid(const std::string &message, const std::string &hint = {}) {
	throw core::Error(core::ErrorKind::InvalidValue, message, {}, hint);
}

bool IsInteger(Oid type) {
	return type == INT2OID || type == INT4OID || type == INT8OID;
}

bool IsText(Oid type) {
	return type == TEXTOID || type == VARCHAROID;
}

// The lead_id argument in the database's key type.  A literal 42 arrives
// as integer when keys are bigint, and a varchar for text keys: those
// convert through their text form (as explain() converts).  Any other type
// is 42804, as in dna(): a text '42' for integer keys is a mistake worth
// naming, not a cast to guess.
Datum KeyArgument(FunctionCallInfo fcinfo, const KeyType &kt) {
	Oid given = CallPg([&] { return get_fn_expr_argtype(fcinfo->flinfo, 1); });
	if (given == kt.oid)
		return PG_GETARG_DATUM(1);
	if (!(IsInteger(given) && IsInteger(kt.oid)) && !(IsText(given) && IsText(kt.oid))) {
		std::string given_name = CallPg([&] { return format_type_be(given); });
		std::string key_name = CallPg([&] { return format_type_be(kt.oid); });
		throw core::Error(core::ErrorKind::TypeMismatch,
		                  "lead_id has type " + given_name + ", but this database's lead keys are " + key_name, {},
		                  "Cast it: lead_id::" + key_name + ".");
	}
	return CallPg([&] {
		Oid output, input, ioparam;
		bool varlena;
		getTypeOutputInfo(given, &output, &varlena);
		getTypeInputInfo(kt.oid, &input, &ioparam);
		return OidInputFunctionCall(input, OidOutputFunctionCall(output, PG_GETARG_DATUM(1)), ioparam, -1);
	});
}

// The lead's grade in the model as lead_scores shows it now (nullopt:
// none).  Grades are not historised: like evaluate(), the SQL gate of every
// step uses today's grade.
std::optional<core::GradeRank> TodaysGrade(const KeyType &kt, Datum key, std::int32_t model_id) {
	std::string key_text = CallPg([&] {
		Oid output;
		bool varlena;
		getTypeOutputInfo(kt.oid, &output, &varlena);
		return OidOutputFunctionCall(output, key);
	});
	std::string key_type = CallPg([&] { return format_type_be(kt.oid); });
	std::string sql = "SELECT grade::pg_catalog.text FROM leadscore.lead_scores"
	                  " WHERE model_id OPERATOR(pg_catalog.=) $1::pg_catalog.int4"
	                  " AND lead_id OPERATOR(pg_catalog.=) $2::" + key_type + " AND grade IS NOT NULL";
	core::GradeRank rank;
	for (const TextRow &row : QueryText(sql.c_str(), {std::to_string(model_id), key_text}))
		if (row[0] && core::ParseGrade(*row[0], &rank))
			return rank;
	return std::nullopt;
}

// The scores of lead argument 1 in model argument 0 at `times` (ascending);
// `bands`, when given, gets the names of the model's bands by index.
std::vector<core::ScorePoint> Scores(FunctionCallInfo fcinfo, const std::vector<std::int64_t> &times,
                                     std::vector<std::string> *bands = nullptr) {
	std::string name = TextArg(fcinfo, 0, "model");
	RequireArg(fcinfo, 1, "lead_id");
	KeyType kt = BeginEngineCall();
	InsightModel model = LoadInsightModel(name);
	std::vector<core::Schema> schemas;
	for (const ActivityTable &t : model.tables)
		schemas.push_back(t.schema);
	core::LeadTimeline timeline;
	std::optional<core::GradeRank> grade;
	if (kt.oid != InvalidOid) {
		Datum key = KeyArgument(fcinfo, kt);
		std::int64_t last = times.back();
		for (std::size_t t = 0; t < model.tables.size(); t++)
			ScanHistory(model.tables[t], kt, &key, [&](const HistoryRow &row) {
				if (row.at <= last)
					timeline.Add(t, row.type, row.at, row.values, model.tables[t].schema.size());
			});
		// Adjustments and resets: an adjustment scores at its time, a reset
		// drops the rows before it (from the steps after it on).
		std::vector<Datum> keys{key};
		Ledgers ledgers = LoadLedgers(kt, model.spec, &keys);
		if (!ledgers.empty())
			timeline.AddLedger(ledgers.begin()->second.entries);
		if (!model.spec.grade_profile.empty())
			grade = TodaysGrade(kt, key, model.spec.id);
	}
	FinishSpi();
	if (bands != nullptr)
		for (const core::ScoreBand &b : model.spec.bands)
			bands->push_back(b.name);
	return core::ScoreSeries(model.spec, schemas, timeline, times, grade, [] { return InterruptPending != 0; });
}

// since, since + step, since + 2 step ... up to until, added as
// generate_series() adds them (months and days by the session's calendar).
std::vector<std::int64_t> Steps(FunctionCallInfo fcinfo) {
	std::int64_t since = FiniteTimeArg(fcinfo, 2, "since");
	std::int64_t until = FiniteTimeArg(fcinfo, 3, "until");
	RequireArg(fcinfo, 4, "step");
	if (since > until)
		Invalid("since must not lie after until", "score_history() returns the scores from since to until.");
	std::vector<std::int64_t> times;
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(2);
	TimestampTz end = PG_GETARG_TIMESTAMPTZ(3);
	while (at <= end) {
		if (times.size() == kMaxHistoryPoints)
			Invalid("score_history() returns at most " + std::to_string(kMaxHistoryPoints) + " points",
			        "Use a longer step or a shorter span.");
		times.push_back(TimestampToUnixUs(at));
		TimestampTz next = CallPg([&] {
			return DatumGetTimestampTz(
			    DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(at), PG_GETARG_DATUM(4)));
		});
		if (next <= at)
			Invalid("step must be a positive interval", "Give e.g. '1 day'.");
		at = next;
	}
	return times;
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

// score_at(model, lead_id, at)
PG_FUNCTION_INFO_V1(leadscore_score_at);
Datum leadscore_score_at(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		std::int64_t at = FiniteTimeArg(fcinfo, 2, "at");
		return Float8GetDatum(Scores(fcinfo, {at})[0].score);
	});
}

// score_history(model, lead_id, since, until, step)
PG_FUNCTION_INFO_V1(leadscore_score_history);
Datum leadscore_score_history(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	return Guarded([&] {
		std::vector<std::int64_t> times = Steps(fcinfo);
		std::vector<std::string> bands;
		for (const leadscore::core::ScorePoint &p : Scores(fcinfo, times, &bands))
			CallPg([&] {
				bool no_band = p.band == leadscore::core::kNoBand;
				Datum values[4] = {TimestampTzGetDatum(UnixUsToTimestamp(p.at)), Float8GetDatum(p.score),
				                   no_band ? Datum(0) : TextDatum(bands[static_cast<std::size_t>(p.band)].c_str()),
				                   TextDatum(leadscore::core::LeadStatusName(p.status))};
				bool nulls[4] = {false, false, no_band, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		return Datum(0);
	});
}

} // extern "C"
