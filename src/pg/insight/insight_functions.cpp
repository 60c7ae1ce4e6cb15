// calibrate(), evaluate() and evaluate_leads(): read the inputs
// (insight_data.hpp), let the core count and compute (calibration.hpp,
// evaluation.hpp), return the rows.  Read -> compute -> write: the result
// rows are built from plain C++ structs after SPI is finished.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/insight/insight_criteria.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/insight/insight_data.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/insight/calibration.hpp"
#include "core/insight/evaluation.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

[[noreturn]] void Invalid(const std::string &message, const std::string &hint = {}) {
	throw core::Error(core::ErrorKind::InvalidValue, message, {}, hint);
}

std::string NameArg(FunctionCallInfo fcinfo, int n) {
	return NameStr(*PG_GETARG_NAME(n));
}

// t + interval as PostgreSQL adds them (months and days by the calendar of
// the session's time zone); 22023 unless the result lies after t.
std::int64_t AddInterval(FunctionCallInfo fcinfo, int t_arg, int interval_arg, const char *what) {
	RequireArg(fcinfo, interval_arg, what);
	TimestampTz end = CallPg([&] {
		return DatumGetTimestampTz(
		    DirectFunctionCall2(timestamptz_pl_interval, PG_GETARG_DATUM(t_arg), PG_GETARG_DATUM(interval_arg)));
	});
	std::int64_t unix_us;
	if (TIMESTAMP_NOT_FINITE(end) || end <= PG_GETARG_TIMESTAMPTZ(t_arg))
		Invalid(std::string(what) + " must be positive", "Give a positive interval, e.g. '90 days'.");
	if (!TimestampToCoreTime(end, &unix_us))
		Invalid(std::string(what) + " ends after the year 99999", "leadscore counts times up to the end of the year 99999.");
	return unix_us;
}

// A float8 column: NaN (undefined) is NULL.
void PutFloat(double x, Datum *value, bool *null) {
	*null = std::isnan(x);
	*value = *null ? Datum(0) : Float8GetDatum(x);
}

void PutRow(FunctionCallInfo fcinfo, Datum *values, bool *nulls) {
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	CallPg([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
}

// ---------------------------------------------------------------- calibrate

std::vector<core::CalibrationRow> Calibrate(const std::string &name, const core::CalibrationWindow &window,
                                            std::int64_t min_leads) {
	KeyType kt = BeginEngineCall();
	InsightModel model = LoadInsightModel(name);
	OutcomeMap outcomes = LoadOutcomes(kt, 0, 0);
	LeadCriteria criteria = LoadLeadCriteria(kt, model.spec);
	core::CalibrationTally tally(model.spec.rules.size(), criteria.criteria.size());
	std::int64_t conversion = core::kNeverConverted;
	WalkLeads(kt, model,
	          LeadVisitor{[&](Datum, const std::string &bytes) {
		                      tally.BeginLead();
		                      auto it = outcomes.find(bytes);
		                      conversion = it == outcomes.end() ? core::kNeverConverted : it->second.first;
		                      // Counted by EndLead only if the lead is in the population.
		                      auto lead = criteria.matched.find(bytes);
		                      if (lead != criteria.matched.end())
			                      for (std::uint32_t c : lead->second)
				                      tally.SeeCriterion(c);
	                      },
	                      [&](const core::CompiledModel &m, const HistoryRow &row) {
		                      if (!window.Observed(row.at, conversion))
			                      return;
		                      tally.SeeType(tally.TypeId(row.type));
		                      for (std::uint32_t r : m.RulesFor(row.type))
			                      if (m.Matches(r, row.values))
				                      tally.SeeRule(r);
	                      },
	                      [&] { tally.EndLead(window.Converted(conversion)); }});
	FinishSpi();
	std::vector<core::CalibrationRuleInfo> rules;
	for (const core::RuleSpec &r : model.spec.rules)
		rules.push_back({r.name, r.activity_type,
		                 r.points_expression.empty() ? r.points : std::numeric_limits<double>::quiet_NaN()});
	return core::CalibrationReport(tally, rules, min_leads, model.spec.mql_threshold,
	                               criteria.graded ? &criteria.criteria : nullptr);
}

void PutCalibrationRow(FunctionCallInfo fcinfo, const core::CalibrationRow &r) {
	bool population = r.kind == core::CalibrationKind::Population;
	bool no_type = population || r.kind == core::CalibrationKind::Criterion || r.activity_type.empty();
	Datum v[17] = {};
	bool n[17] = {};
	n[1] = population;
	n[2] = no_type;
	CallPg([&] {
		v[0] = TextDatum(core::CalibrationKindName(r.kind));
		if (!population)
			v[1] = TextDatum(r.name);
		if (!no_type)
			v[2] = TextDatum(r.activity_type);
	});
	PutFloat(r.current_points, &v[3], &n[3]);
	v[4] = Int64GetDatum(r.leads);
	v[5] = Int64GetDatum(r.converted);
	PutFloat(r.conversion_rate, &v[6], &n[6]);
	PutFloat(r.base_rate, &v[7], &n[7]);
	PutFloat(r.lift, &v[8], &n[8]);
	PutFloat(r.lift_low, &v[9], &n[9]);
	PutFloat(r.lift_high, &v[10], &n[10]);
	v[11] = BoolGetDatum(r.low_confidence);
	PutFloat(r.suggested_points, &v[12], &n[12]);
	PutFloat(r.points_per_doubling, &v[13], &n[13]);
	// Steps are whole numbers in -12..12.
	n[14] = std::isnan(r.current_steps);
	v[14] = n[14] ? Datum(0) : Int32GetDatum(static_cast<std::int32_t>(r.current_steps));
	n[15] = std::isnan(r.suggested_steps);
	v[15] = n[15] ? Datum(0) : Int32GetDatum(static_cast<std::int32_t>(r.suggested_steps));
	PutFloat(r.steps_per_doubling, &v[16], &n[16]);
	PutRow(fcinfo, v, n);
}

// ----------------------------------------------------------------- evaluate

struct EvalArgs {
	std::string model;
	core::EvaluationWindow window;
	std::optional<std::string> source_column;
	Oid source_table = InvalidOid;
};

EvalArgs ReadEvalArgs(FunctionCallInfo fcinfo) {
	EvalArgs a{TextArg(fcinfo, 0, "model"), {}, std::nullopt, InvalidOid};
	a.window.as_of = FiniteTimeArg(fcinfo, 1, "as_of");
	a.window.end = AddInterval(fcinfo, 1, 2, "horizon");
	if (!PG_ARGISNULL(3))
		a.source_column = NameArg(fcinfo, 3);
	if (!PG_ARGISNULL(4))
		a.source_table = PG_GETARG_OID(4);
	if (a.source_table != InvalidOid && !a.source_column)
		Invalid("source_table needs a source_column", "Name the column of the lead source in source_column.");
	return a;
}

struct EvalLeadRow {
	std::string key;                    // the lead key as text
	std::optional<std::string> source;
	std::optional<core::GradeRank> grade; // today's (models with a grade profile)
	std::string reason;                   // of a rejected handoff
	core::EvalLead lead;
	std::int64_t converted_at = 0;
};

struct Evaluated {
	core::ModelSpec spec;
	std::vector<EvalLeadRow> leads;
};

Evaluated CollectLeads(const EvalArgs &a, bool want_keys) {
	KeyType kt = BeginEngineCall();
	Evaluated out;
	InsightModel model = LoadInsightModel(a.model, a.window.as_of);
	out.spec = model.spec;
	OutcomeMap outcomes = LoadOutcomes(kt, a.window.as_of, a.window.end);
	std::unordered_map<std::string, std::string> sources;
	if (a.source_column)
		sources = LoadSources(kt, *a.source_column, a.source_table, a.window.as_of);
	// Grades are not historised: the SQL segment uses each lead's grade now.
	std::unordered_map<std::string, core::GradeRank> grades;
	if (!out.spec.grade_profile.empty())
		grades = LoadGrades(kt, out.spec.id);
	std::unordered_map<std::string, LeadHandoff> handoffs = LoadHandoffs(kt, out.spec.name, a.window.as_of);
	if (model.compiled.empty()) {
		FinishSpi();
		return out;
	}
	Oid output = InvalidOid;
	if (want_keys)
		CallPg([&] {
			bool varlena;
			getTypeOutputInfo(kt.oid, &output, &varlena);
		});
	// Adjustments and resets made by as_of count as of as_of.
	Ledgers ledgers = LoadLedgers(kt, model.spec, nullptr);
	core::LeadRecompute recompute(model.compiled[0], [] { return InterruptPending != 0; });
	recompute.SetNow(a.window.as_of);
	core::Recomputed result;
	EvalLeadRow current;
	bool any = false;
	std::string bytes;
	WalkLeads(kt, model,
	          LeadVisitor{[&](Datum key, const std::string &key_bytes) {
		                      recompute.Reset();
		                      recompute.AddLedger(LedgerOf(ledgers, key_bytes), a.window.as_of);
		                      any = false;
		                      bytes = key_bytes;
		                      if (want_keys)
			                      current.key = CallPg([&] { return OidOutputFunctionCall(output, key); });
	                      },
	                      [&](const core::CompiledModel &m, const HistoryRow &row) {
		                      if (!a.window.Counts(row.at))
			                      return;
		                      any = true;
		                      recompute.Add(m, row.type, row.at, row.values);
	                      },
	                      [&] {
		                      auto outcome = outcomes.find(bytes);
		                      LeadOutcome none;
		                      const LeadOutcome &o = outcome == outcomes.end() ? none : outcome->second;
		                      if (!any || a.window.Excluded(o.first))
			                      return;
		                      recompute.Finish(&result);
		                      core::EvalLead &lead = current.lead;
		                      lead = core::EvalLead();
		                      auto grade = grades.find(bytes);
		                      current.grade.reset();
		                      if (grade != grades.end())
			                      current.grade = grade->second;
		                      core::ScoreAt(out.spec, result.state.stored, a.window.as_of, current.grade, &lead);
		                      lead.converted = a.window.Converted(o.first);
		                      if (lead.converted) {
			                      lead.days_to_convert = static_cast<double>(o.first - a.window.as_of) / static_cast<double>(USECS_PER_DAY);
			                      lead.deal_value_sum = o.value_sum;
			                      lead.deal_count = o.value_count;
			                      current.converted_at = o.first;
		                      }
		                      auto handoff = handoffs.find(bytes);
		                      current.reason.clear();
		                      if (handoff != handoffs.end() &&
		                          core::ParseHandoffOutcome(handoff->second.status, &lead.handoff) &&
		                          lead.handoff == core::HandoffOutcome::Rejected)
			                      current.reason = handoff->second.reason;
		                      auto source = sources.find(bytes);
		                      current.source.reset();
		                      if (source != sources.end())
			                      current.source = source->second;
		                      out.leads.push_back(current);
	                      }});
	FinishSpi();
	return out;
}

// Sources sorted by value, the leads without one last; each lead's
// EvalLead::source set to its index.  Returns the sorted values.
std::vector<std::optional<std::string>> NumberSources(std::vector<EvalLeadRow> *leads) {
	std::map<std::string, std::uint32_t> ids;
	bool any_null = false;
	for (const EvalLeadRow &l : *leads) {
		if (l.source)
			ids.emplace(*l.source, 0);
		else
			any_null = true;
	}
	std::vector<std::optional<std::string>> names;
	for (auto &[name, id] : ids) {
		id = static_cast<std::uint32_t>(names.size());
		names.emplace_back(name);
	}
	if (any_null)
		names.emplace_back(std::nullopt);
	auto null_id = static_cast<std::uint32_t>(names.size() - (any_null ? 1 : 0));
	for (EvalLeadRow &l : *leads)
		l.lead.source = l.source ? ids[*l.source] : null_id;
	return names;
}

// The rejected leads' reasons sorted, each such lead's EvalLead::reason set
// to its index.
std::vector<std::string> NumberReasons(std::vector<EvalLeadRow> *leads) {
	std::map<std::string, std::uint32_t> ids;
	for (const EvalLeadRow &l : *leads)
		if (l.lead.handoff == core::HandoffOutcome::Rejected)
			ids.emplace(l.reason, 0);
	std::vector<std::string> names;
	for (auto &[name, id] : ids) {
		id = static_cast<std::uint32_t>(names.size());
		names.push_back(name);
	}
	for (EvalLeadRow &l : *leads)
		if (l.lead.handoff == core::HandoffOutcome::Rejected)
			l.lead.reason = ids[l.reason];
	return names;
}

// The outcome, or 'rejected: <reason>'.
std::string HandoffSegment(core::HandoffOutcome outcome, const std::string &reason) {
	std::string segment = core::HandoffOutcomeName(outcome);
	return outcome == core::HandoffOutcome::Rejected ? segment + ": " + reason : segment;
}

void PutHandoffRow(FunctionCallInfo fcinfo, const core::EvalRow &r, const std::vector<std::string> &reasons) {
	Datum v[13] = {};
	bool n[13] = {};
	n[1] = true;
	CallPg([&] {
		v[0] = TextDatum("handoff");
		v[2] = TextDatum(r.by_reason ? HandoffSegment(r.handoff, reasons[r.reason]) : core::HandoffOutcomeName(r.handoff));
	});
	n[3] = true;
	v[4] = Int64GetDatum(r.leads);
	v[5] = Int64GetDatum(r.converted);
	PutFloat(r.conversion_rate, &v[6], &n[6]);
	PutFloat(r.lift, &v[7], &n[7]);
	n[8] = n[9] = n[10] = true;
	PutFloat(r.avg_deal_value, &v[11], &n[11]);
	PutFloat(r.median_days_to_convert, &v[12], &n[12]);
	PutRow(fcinfo, v, n);
}

void PutEvalRow(FunctionCallInfo fcinfo, const core::EvalRow &r, const std::vector<std::optional<std::string>> &sources) {
	Datum v[13] = {};
	bool n[13] = {};
	n[1] = !r.by_source || !sources[r.source];
	CallPg([&] {
		v[0] = TextDatum(r.by_source ? "source" : "all");
		if (!n[1])
			v[1] = TextDatum(*sources[r.source]);
		v[2] = TextDatum(core::EvalSegmentName(r.segment));
	});
	PutFloat(r.threshold, &v[3], &n[3]);
	v[4] = Int64GetDatum(r.leads);
	v[5] = Int64GetDatum(r.converted);
	PutFloat(r.conversion_rate, &v[6], &n[6]);
	PutFloat(r.lift, &v[7], &n[7]);
	PutFloat(r.precision, &v[8], &n[8]);
	PutFloat(r.recall, &v[9], &n[9]);
	PutFloat(r.roc_auc, &v[10], &n[10]);
	PutFloat(r.avg_deal_value, &v[11], &n[11]);
	PutFloat(r.median_days_to_convert, &v[12], &n[12]);
	PutRow(fcinfo, v, n);
}

const char *StatusOf(const core::EvalLead &lead) {
	return lead.above_sql ? "sql" : lead.above_mql ? "mql" : "nurture";
}

void PutLeadRow(FunctionCallInfo fcinfo, const EvalLeadRow &l) {
	Datum v[10] = {};
	bool n[10] = {};
	n[1] = !l.source;
	n[9] = l.lead.handoff == core::HandoffOutcome::None;
	CallPg([&] {
		v[0] = TextDatum(l.key);
		if (l.source)
			v[1] = TextDatum(*l.source);
		v[3] = TextDatum(StatusOf(l.lead));
		if (!n[9])
			v[9] = TextDatum(HandoffSegment(l.lead.handoff, l.reason));
	});
	v[2] = Float8GetDatum(l.lead.score);
	v[4] = BoolGetDatum(l.lead.converted);
	n[5] = n[6] = !l.lead.converted;
	v[5] = TimestampTzGetDatum(UnixUsToTimestamp(l.converted_at));
	v[6] = Float8GetDatum(l.lead.days_to_convert);
	n[7] = l.lead.deal_count == 0;
	v[7] = Float8GetDatum(l.lead.deal_value_sum);
	n[8] = !l.grade;
	v[8] = l.grade ? CharGetDatum(static_cast<char>(*l.grade)) : Datum(0); // leadscore.grade: the rank
	PutRow(fcinfo, v, n);
}

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

// calibrate(model, since, until, horizon DEFAULT NULL, min_leads DEFAULT 30)
PG_FUNCTION_INFO_V1(leadscore_calibrate);
Datum leadscore_calibrate(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		std::string model = TextArg(fcinfo, 0, "model");
		leadscore::core::CalibrationWindow window{FiniteTimeArg(fcinfo, 1, "since"), FiniteTimeArg(fcinfo, 2, "until"), 0};
		if (window.until <= window.since)
			Invalid("until must lie after since", "calibrate() looks at activity in [since, until).");
		window.outcomes_until = PG_ARGISNULL(3) ? window.until : AddInterval(fcinfo, 2, 3, "horizon");
		std::int64_t min_leads = OptionalInt32Arg(fcinfo, 4).value_or(leadscore::core::kDefaultMinLeads);
		if (min_leads < 1)
			Invalid("min_leads must be at least 1, not " + std::to_string(min_leads));
		for (const leadscore::core::CalibrationRow &r : Calibrate(model, window, min_leads))
			PutCalibrationRow(fcinfo, r);
		return Datum(0);
	});
}

// evaluate(model, as_of, horizon, source_column DEFAULT NULL, source_table DEFAULT NULL)
PG_FUNCTION_INFO_V1(leadscore_evaluate);
Datum leadscore_evaluate(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		EvalArgs args = ReadEvalArgs(fcinfo);
		Evaluated e = CollectLeads(args, false);
		std::vector<std::optional<std::string>> sources;
		if (args.source_column)
			sources = NumberSources(&e.leads);
		std::vector<std::string> reasons = NumberReasons(&e.leads);
		std::vector<leadscore::core::EvalLead> leads;
		leads.reserve(e.leads.size());
		for (const EvalLeadRow &l : e.leads)
			leads.push_back(l.lead);
		for (const leadscore::core::EvalRow &r : leadscore::core::EvaluationReport(
		         leads, static_cast<std::uint32_t>(sources.size()), e.spec.mql_threshold, e.spec.sql_threshold))
			PutEvalRow(fcinfo, r, sources);
		for (const leadscore::core::EvalRow &r :
		     leadscore::core::HandoffReport(leads, static_cast<std::uint32_t>(reasons.size())))
			PutHandoffRow(fcinfo, r, reasons);
		return Datum(0);
	});
}

// evaluate_leads(...): the per-lead rows behind evaluate().
PG_FUNCTION_INFO_V1(leadscore_evaluate_leads);
Datum leadscore_evaluate_leads(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		for (const EvalLeadRow &l : CollectLeads(ReadEvalArgs(fcinfo), true).leads)
			PutLeadRow(fcinfo, l);
		return Datum(0);
	});
}

} // extern "C"
