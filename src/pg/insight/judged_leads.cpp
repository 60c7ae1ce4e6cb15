// Judging leads for evaluate() and friends.  See judged_leads.hpp.
#include "pg/insight/judged_leads.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/insight/insight_data.hpp"
#include "pg/insight/population.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <cstdlib>
#include <sstream>
#include <unordered_map>

namespace leadscore::pg {
namespace {

[[noreturn]] void Invalid(const std::string &message, const std::string &hint = {}) {
	throw core::Error(core::ErrorKind::InvalidValue, message, {}, hint);
}

std::string NameArg(FunctionCallInfo fcinfo, int n) {
	return NameStr(*PG_GETARG_NAME(n));
}

} // namespace

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

EvalArgs ReadEvalArgs(FunctionCallInfo fcinfo, const EvalArgPositions &at) {
	EvalArgs a{TextArg(fcinfo, at.model, "model"), std::nullopt, {}, Datum(0), std::nullopt, InvalidOid, InvalidOid};
	if (at.leads >= 0 && !PG_ARGISNULL(at.leads))
		a.leads = PG_GETARG_OID(at.leads);
	RequireArg(fcinfo, at.horizon, "horizon");
	a.horizon = PG_GETARG_DATUM(at.horizon);
	// A population with an as_of column may leave as_of NULL.
	if (a.leads == InvalidOid || !PG_ARGISNULL(at.as_of)) {
		a.window.as_of = FiniteTimeArg(fcinfo, at.as_of, "as_of");
		a.window.end = AddInterval(fcinfo, at.as_of, at.horizon, "horizon");
		a.as_of = PG_GETARG_TIMESTAMPTZ(at.as_of);
	}
	if (at.source_column >= 0 && !PG_ARGISNULL(at.source_column))
		a.source_column = NameArg(fcinfo, at.source_column);
	if (at.source_table >= 0 && !PG_ARGISNULL(at.source_table))
		a.source_table = PG_GETARG_OID(at.source_table);
	if (a.source_table != InvalidOid && !a.source_column)
		Invalid("source_table needs a source_column", "Name the column of the lead source in source_column.");
	return a;
}

namespace {

Population ReadPopulation(const KeyType &kt, const EvalArgs &a) {
	if (a.leads == InvalidOid)
		return Population(a.window);
	return Population::Read(kt, a.leads, a.as_of, a.horizon, false);
}

// The lead's row of evaluate_leads(): its score at its as_of (`spec`: with
// the epoch its stored sum is relative to), outcome, grade, handoff, source.
void JudgeLead(const core::ModelSpec &spec, const core::Recomputed &result, const core::EvaluationWindow &window,
               const LeadOutcome &o, EvalLeadRow *current) {
	core::EvalLead &lead = current->lead;
	lead = core::EvalLead();
	core::ScoreAt(spec, result.state.stored, window.as_of, current->grade, &lead);
	lead.converted = window.Converted(o.first);
	if (lead.converted) {
		lead.days_to_convert = static_cast<double>(o.first - window.as_of) / static_cast<double>(USECS_PER_DAY);
		lead.deal_value_sum = o.value_sum;
		lead.deal_count = o.value_count;
		current->converted_at = o.first;
	}
}

template <typename Map>
const typename Map::mapped_type *Lookup(const Map &map, const std::string &key) {
	auto it = map.find(key);
	return it == map.end() ? nullptr : &it->second;
}

} // namespace

Evaluated CollectLeads(const EvalArgs &a, bool want_keys) {
	KeyType kt = BeginEngineCall();
	Evaluated out;
	Population population = ReadPopulation(kt, a);
	InsightModel model = LoadInsightModel(a.model, a.as_of ? std::optional(a.window.as_of) : std::nullopt);
	out.spec = model.spec;
	out.link = LoadProbabilityLink(out.spec.id);
	OutcomeMap outcomes = LoadOutcomes(kt, population);
	std::unordered_map<std::string, std::string> sources;
	if (a.source_column)
		sources = LoadSources(kt, *a.source_column, a.source_table, population);
	// Grades are not historised: the SQL segment uses each lead's grade now.
	std::unordered_map<std::string, core::GradeRank> grades;
	if (!out.spec.grade_profile.empty())
		grades = LoadGrades(kt, out.spec.id);
	std::unordered_map<std::string, LeadHandoff> handoffs = LoadHandoffs(kt, out.spec.name, population);
	if (model.compiled.empty()) {
		FinishSpi();
		return out;
	}
	// Adjustments and resets made by as_of count as of as_of.
	Ledgers ledgers = LoadLedgers(kt, model.spec, nullptr);
	core::LeadRecompute recompute(model.compiled[0], [] { return InterruptPending != 0; });
	core::Recomputed result;
	EvalLeadRow current;
	core::EvaluationWindow window{};
	bool any = false;
	std::string bytes;
	WalkPopulation(kt, model, population, want_keys,
	               PopulationVisitor{[&](const std::string &key_bytes, const JudgedLead &lead) {
		                                 window = lead.window;
		                                 // Weights near 1 at each lead's own as_of.
		                                 if (population.own_dates())
			                                 for (core::CompiledModel &m : model.compiled)
				                                 m.MoveEpoch(window.as_of);
		                                 recompute.SetNow(window.as_of);
		                                 recompute.Reset();
		                                 recompute.AddLedger(LedgerOf(ledgers, key_bytes), window.as_of);
		                                 any = false;
		                                 bytes = key_bytes;
		                                 current.key = lead.key_text;
	                                 },
	                                 [&](const core::CompiledModel &m, const HistoryRow &row) {
		                                 if (!window.Counts(row.at))
			                                 return;
		                                 any = true;
		                                 recompute.Add(m, row.type, row.at, row.values);
	                                 },
	                                 [&] {
		                                 LeadOutcome none;
		                                 const LeadOutcome *o = Lookup(outcomes, bytes);
		                                 if (o == nullptr)
			                                 o = &none;
		                                 // A listed lead counts even when idle by its as_of.
		                                 if ((!any && !population.listed()) || window.Excluded(o->first))
			                                 return;
		                                 recompute.Finish(&result);
		                                 const core::GradeRank *grade = Lookup(grades, bytes);
		                                 current.grade = grade ? std::optional(*grade) : std::nullopt;
		                                 JudgeLead(model.compiled[0].spec(), result, window, *o, &current);
		                                 if (out.link)
			                                 current.lead.probability = out.link->Probability(current.lead.score, current.grade);
		                                 const LeadHandoff *handoff = Lookup(handoffs, bytes);
		                                 current.reason.clear();
		                                 if (handoff != nullptr &&
		                                     core::ParseHandoffOutcome(handoff->status, &current.lead.handoff) &&
		                                     current.lead.handoff == core::HandoffOutcome::Rejected)
			                                 current.reason = handoff->reason;
		                                 const std::string *source = Lookup(sources, bytes);
		                                 current.source = source ? std::optional(*source) : std::nullopt;
		                                 out.leads.push_back(current);
	                                 }});
	FinishSpi();
	return out;
}

std::optional<core::ProbabilityLink> LoadProbabilityLink(std::int32_t model_id) {
	// As text: exact with the default extra_float_digits (1), to 15 digits
	// at worst (0), far below any difference a probability could show.
	auto rows = QueryText("SELECT pg_catalog.array_to_string(link, ' ') FROM leadscore.probability_links"
	                      " WHERE model_id OPERATOR(pg_catalog.=) $1::pg_catalog.int4",
	                      {std::to_string(model_id)});
	if (rows.empty() || !rows[0][0])
		return std::nullopt;
	std::vector<double> values;
	std::istringstream in(*rows[0][0]);
	for (std::string word; in >> word;)
		values.push_back(std::strtod(word.c_str(), nullptr));
	core::ProbabilityLink link;
	if (!core::DecodeLink(values.data(), values.size(), &link))
		return std::nullopt;
	return link;
}

std::optional<double> ModelPointsPerDoubling(std::int32_t model_id) {
	auto rows = QueryText("SELECT points_per_doubling FROM leadscore.models WHERE id OPERATOR(pg_catalog.=) $1::pg_catalog.int4",
	                      {std::to_string(model_id)});
	if (rows.empty() || !rows[0][0])
		return std::nullopt;
	return std::strtod(rows[0][0]->c_str(), nullptr);
}

} // namespace leadscore::pg
