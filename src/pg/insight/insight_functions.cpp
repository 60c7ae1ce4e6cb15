// calibrate(), evaluate() and evaluate_leads(): read the inputs
// (insight_data.hpp, judged_leads.hpp), let the core count and compute (calibration.hpp,
// evaluation.hpp), return the rows.  Read -> compute -> write: the result
// rows are built from plain C++ structs after SPI is finished.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/insight/insight_criteria.hpp"
#include "pg/insight/insight_data.hpp"
#include "pg/insight/judged_leads.hpp"
#include "pg/insight/result_rows.hpp"
#include "pg/insight/population.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/insight/calibration.hpp"
#include "core/insight/evaluation.hpp"

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

// ---------------------------------------------------------------- calibrate

struct CalibrateArgs {
	std::string model;
	core::CalibrationWindow window;
	std::int64_t min_leads;
	double z;
	Oid leads;
};

// Each listed lead's window: with its own as_of, its activity counts up to
// then (within [since, until)) and it converts in (as_of, as_of + horizon];
// without, the call's window.
core::CalibrationWindow LeadWindow(const CalibrateArgs &a, const Population &population, const JudgedLead &lead) {
	if (!population.own_dates())
		return a.window;
	core::CalibrationWindow w = a.window;
	w.until = std::min(w.until, lead.window.as_of + 1);
	w.outcomes_until = lead.window.end + 1;
	w.after = lead.window.as_of;
	return w;
}

std::vector<core::CalibrationRow> Calibrate(const CalibrateArgs &a, FunctionCallInfo fcinfo) {
	KeyType kt = BeginEngineCall();
	std::optional<TimestampTz> until;
	if (!PG_ARGISNULL(2))
		until = PG_GETARG_TIMESTAMPTZ(2);
	Population population = a.leads == InvalidOid ? Population(core::EvaluationWindow{0, 0})
	                                              : Population::Read(kt, a.leads, until, PG_GETARG_DATUM(3), PG_ARGISNULL(3), true);
	if (population.own_dates() && PG_ARGISNULL(3))
		throw core::Error(core::ErrorKind::NullValue, "horizon must not be NULL",
		                  {}, "Each lead of leads converts or not in (as_of, as_of + horizon].");
	InsightModel model = LoadInsightModel(a.model);
	double ppd = ModelPointsPerDoubling(model.spec.id).value_or(std::numeric_limits<double>::quiet_NaN());
	OutcomeMap outcomes = LoadOutcomes(kt, population);
	LeadCriteria criteria = LoadLeadCriteria(kt, model.spec);
	core::CalibrationTally tally(model.spec.rules.size(), criteria.criteria.size());
	std::int64_t conversion = core::kNeverConverted;
	core::CalibrationWindow window = a.window;
	WalkPopulation(kt, model, population, false,
	               PopulationVisitor{[&](const std::string &bytes, const JudgedLead &lead) {
		                                 tally.BeginLead();
		                                 window = LeadWindow(a, population, lead);
		                                 auto it = outcomes.find(bytes);
		                                 conversion = it == outcomes.end() ? core::kNeverConverted : it->second.first;
		                                 // Counted by EndLead only if the lead is in the population.
		                                 auto matched = criteria.matched.find(bytes);
		                                 if (matched != criteria.matched.end())
			                                 for (std::uint32_t c : matched->second)
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
	                                 [&] {
		                                 if (!window.Excluded(conversion))
			                                 tally.EndLead(window.Converted(conversion), population.listed());
	                                 }});
	FinishSpi();
	std::vector<core::CalibrationRuleInfo> rules;
	for (const core::RuleSpec &r : model.spec.rules)
		rules.push_back({r.name, r.activity_type,
		                 r.points_expression.empty() ? r.points : std::numeric_limits<double>::quiet_NaN()});
	return core::CalibrationReport(tally, rules, a.min_leads, model.spec.mql_threshold,
	                               criteria.graded ? &criteria.criteria : nullptr, a.z, ppd);
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
	Datum v[15] = {};
	bool n[15] = {};
	n[13] = n[14] = true;
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
	Datum v[15] = {};
	bool n[15] = {};
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
	PutFloat(r.brier, &v[13], &n[13]);
	PutFloat(r.log_loss, &v[14], &n[14]);
	PutRow(fcinfo, v, n);
}

const char *StatusOf(const core::EvalLead &lead) {
	return lead.above_sql ? "sql" : lead.above_mql ? "mql" : "nurture";
}

void PutLeadRow(FunctionCallInfo fcinfo, const EvalLeadRow &l) {
	Datum v[11] = {};
	bool n[11] = {};
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
	PutFloat(l.lead.probability, &v[10], &n[10]);
	PutRow(fcinfo, v, n);
}

constexpr EvalArgPositions kEvaluateArgs{0, 1, 2, 3, 4, 5};

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

// A time argument, or `open` when it is NULL and `may_be_null`.
std::int64_t TimeOrOpen(FunctionCallInfo fcinfo, int n, const char *what, bool may_be_null, std::int64_t open) {
	return may_be_null && PG_ARGISNULL(n) ? open : FiniteTimeArg(fcinfo, n, what);
}

// calibrate(model, since, until, horizon DEFAULT NULL, min_leads DEFAULT 30,
//           leads DEFAULT NULL, confidence DEFAULT 0.95)
PG_FUNCTION_INFO_V1(leadscore_calibrate);
Datum leadscore_calibrate(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		CalibrateArgs a{TextArg(fcinfo, 0, "model"), {}, 0, 0, PG_ARGISNULL(5) ? InvalidOid : PG_GETARG_OID(5)};
		// A population's leads may leave either end open.
		bool listed = a.leads != InvalidOid;
		a.window.since = TimeOrOpen(fcinfo, 1, "since", listed, std::numeric_limits<std::int64_t>::min());
		a.window.until = TimeOrOpen(fcinfo, 2, "until", listed, std::numeric_limits<std::int64_t>::max());
		if (a.window.until <= a.window.since)
			Invalid("until must lie after since", "calibrate() looks at activity in [since, until).");
		if (PG_ARGISNULL(3))
			a.window.outcomes_until = a.window.until;
		else if (PG_ARGISNULL(2))
			a.window.outcomes_until = std::numeric_limits<std::int64_t>::max();
		else
			a.window.outcomes_until = AddInterval(fcinfo, 2, 3, "horizon");
		a.min_leads = OptionalInt32Arg(fcinfo, 4).value_or(leadscore::core::kDefaultMinLeads);
		if (a.min_leads < 1)
			Invalid("min_leads must be at least 1, not " + std::to_string(a.min_leads));
		double confidence = OptionalFloat8Arg(fcinfo, 6).value_or(0.95);
		a.z = leadscore::core::TwoSidedZ(confidence);
		if (std::isnan(a.z))
			Invalid("confidence must lie strictly between 0 and 1",
			        "confidence is the Wilson interval's level, e.g. 0.95; lower it to let smaller effects earn points.");
		for (const leadscore::core::CalibrationRow &r : Calibrate(a, fcinfo))
			PutCalibrationRow(fcinfo, r);
		return Datum(0);
	});
}

// evaluate(model, as_of, horizon, source_column DEFAULT NULL, source_table DEFAULT NULL, leads DEFAULT NULL)

PG_FUNCTION_INFO_V1(leadscore_evaluate);
Datum leadscore_evaluate(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		EvalArgs args = ReadEvalArgs(fcinfo, kEvaluateArgs);
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
		for (const EvalLeadRow &l : CollectLeads(ReadEvalArgs(fcinfo, kEvaluateArgs), true).leads)
			PutLeadRow(fcinfo, l);
		return Datum(0);
	});
}

} // extern "C"
