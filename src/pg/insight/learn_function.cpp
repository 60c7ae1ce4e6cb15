// learn(model, horizon, leads, candidate, as_of, points_per_doubling): the
// rule points and grade steps that predict conversion, fitted jointly on a
// population (core/insight/learned_points.hpp), into a shadow candidate
// model with a probability link.  Read (one walk of the histories, every
// candidate half-life at once) -> fit -> write (the candidate, scored at
// once, and its link).  The live model never changes.
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/insight/insight_criteria.hpp"
#include "pg/insight/insight_data.hpp"
#include "pg/insight/judged_leads.hpp"
#include "pg/insight/population.hpp"
#include "pg/insight/result_rows.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/snapmgr.h"
}

#include "core/base/error.hpp"
#include "core/base/float_text.hpp"
#include "core/insight/insight_stats.hpp"
#include "core/insight/learned_points.hpp"
#include "core/lead/scoring_recompute.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

constexpr double kDayUs = 86400e6;

// The model's own half-life first, then none, 7, 30 and 90 days.
std::vector<double> HalfLifeCandidates(double own) {
	std::vector<double> out = {own};
	for (double h : {0.0, 7 * kDayUs, 30 * kDayUs, 90 * kDayUs})
		if (h != own)
			out.push_back(h);
	return out;
}

std::string HalfLifeText(double us) {
	if (us == 0)
		return "none";
	char buf[64];
	std::snprintf(buf, sizeof buf, "%g days", us / kDayUs);
	return buf;
}

// The rules learn() fits: those with constant points (a points
// expression's rule keeps its expression and its points).
std::vector<std::size_t> LearnedRules(const core::ModelSpec &spec) {
	std::vector<std::size_t> out;
	for (std::size_t r = 0; r < spec.rules.size(); r++)
		if (spec.rules[r].points_expression.empty())
			out.push_back(r);
	return out;
}

// The model compiled with `half_life_us` and one point per learned rule:
// each rule's tally is then its feature, the decayed, capped count.
InsightModel FeatureModel(const InsightModel &base, double half_life_us, const std::vector<std::size_t> &learned) {
	InsightModel m;
	m.spec = base.spec;
	m.spec.half_life_us = half_life_us;
	for (std::size_t r : learned)
		m.spec.rules[r].points = 1;
	m.tables = base.tables;
	for (const ActivityTable &t : base.tables)
		m.compiled.push_back(core::CompiledModel::Compile(m.spec, t.schema));
	return m;
}

// A fold from the key's bytes (FNV-1a): the same lead, the same fold, on
// every machine.
std::uint32_t FoldOf(const std::string &bytes, std::uint32_t folds) {
	std::uint64_t h = 1469598103934665603ULL;
	for (unsigned char c : bytes)
		h = (h ^ c) * 1099511628211ULL;
	return static_cast<std::uint32_t>(h % folds);
}

// Rows of converted leads matching each learned rule, before and at or
// after the conversion: a rule whose activity comes almost only after
// conversion is a leak (a "contract signed" type).
struct AfterCounts {
	std::vector<std::int64_t> before, after;
};

struct Collected {
	core::LearnData data;
	AfterCounts rows;
	std::vector<core::CalibrationCriterionInfo> criteria;
	std::int64_t converted = 0;
};

Collected Collect(const KeyType &kt, const EvalArgs &a, const InsightModel &base, const std::vector<double> &half_lives,
                  const std::vector<std::size_t> &learned) {
	Collected out;
	Population population =
	    a.leads == InvalidOid ? Population(a.window) : Population::Read(kt, a.leads, a.as_of, a.horizon, false);
	std::vector<InsightModel> variants;
	for (double h : half_lives)
		variants.push_back(FeatureModel(base, h, learned));
	OutcomeMap outcomes = LoadOutcomes(kt, population);
	LeadCriteria criteria = LoadLeadCriteria(kt, base.spec);
	if (criteria.graded)
		out.criteria = criteria.criteria;
	Ledgers ledgers = LoadLedgers(kt, base.spec, nullptr);
	core::LearnData &d = out.data;
	d.rules = learned.size();
	d.criteria = out.criteria.size();
	d.rule_features.resize(variants.size());
	out.rows.before.assign(base.spec.rules.size(), 0);
	out.rows.after.assign(base.spec.rules.size(), 0);
	std::vector<core::LeadRecompute> recomputes;
	for (InsightModel &v : variants)
		recomputes.emplace_back(v.compiled[0], [] { return InterruptPending != 0; });
	core::Recomputed result;
	core::EvaluationWindow window{};
	std::int64_t conversion = core::kNeverConverted;
	std::string bytes;
	WalkPopulation(
	    kt, variants[0], population, false,
	    PopulationVisitor{[&](const std::string &key_bytes, const JudgedLead &lead) {
		                      window = lead.window;
		                      bytes = key_bytes;
		                      auto o = outcomes.find(key_bytes);
		                      conversion = o == outcomes.end() ? core::kNeverConverted : o->second.first;
		                      for (std::size_t k = 0; k < variants.size(); k++) {
			                      for (core::CompiledModel &m : variants[k].compiled)
				                      m.MoveEpoch(window.as_of); // each weight the feature's value at as_of
			                      recomputes[k].SetNow(window.as_of);
			                      recomputes[k].Reset();
			                      recomputes[k].AddLedger(LedgerOf(ledgers, key_bytes), window.as_of);
		                      }
	                      },
	                      [&](const core::CompiledModel &m, const HistoryRow &row) {
		                      std::size_t t = static_cast<std::size_t>(&m - variants[0].compiled.data());
		                      if (conversion != core::kNeverConverted)
			                      for (std::uint32_t r : m.RulesFor(row.type))
				                      if (m.Matches(r, row.values))
					                      (row.at >= conversion ? out.rows.after : out.rows.before)[r]++;
		                      if (!window.Counts(row.at))
			                      return;
		                      for (std::size_t k = 0; k < variants.size(); k++)
			                      recomputes[k].Add(variants[k].compiled[t], row.type, row.at, row.values);
	                      },
	                      [&] {
		                      if (window.Excluded(conversion))
			                      return;
		                      for (std::size_t k = 0; k < variants.size(); k++) {
			                      recomputes[k].Finish(&result);
			                      for (std::size_t r : learned)
				                      d.rule_features[k].push_back(result.rules[r].stored);
		                      }
		                      auto matched = criteria.matched.find(bytes);
		                      std::size_t first = d.criterion_features.size();
		                      d.criterion_features.resize(first + d.criteria, 0.0);
		                      if (matched != criteria.matched.end() && d.criteria > 0)
			                      for (std::uint32_t c : matched->second)
				                      d.criterion_features[first + c] = 1;
		                      bool converted = window.Converted(conversion);
		                      out.converted += converted ? 1 : 0;
		                      d.converted.push_back(converted ? 1 : 0);
		                      d.fold.push_back(FoldOf(bytes, d.folds));
		                      d.leads++;
	                      }});
	return out;
}

// Why a rule learned 0 points without trying (core::kNearConstantSpread).
constexpr const char *kNearlyConstantNote =
	"nearly the same for every lead of the population (spread at most a tenth of its mean): left out of the "
	"fit, 0 points, as its differences are chance";

// "" or why a feature (its value per lead) looks like a leak: alone it
// all but separates the classes.
std::string SeparationLeak(const core::LearnData &d, const std::vector<double> &column) {
	std::vector<core::ScoredLabel> items;
	for (std::size_t i = 0; i < d.leads; i++)
		items.push_back({column[i], d.converted[i] > 0});
	double auc = core::RocAuc(&items);
	if (std::isnan(auc) || (auc < 0.98 && auc > 0.02))
		return "";
	char buf[16];
	std::snprintf(buf, sizeof buf, "%.3f", auc);
	return std::string("alone it separates converted and unconverted leads (ROC AUC ") + buf + ")";
}

// "" or why rule `r` looks like a leak: its activity comes after the fact.
std::string AfterLeak(const AfterCounts &rows, std::size_t r) {
	std::int64_t all = rows.before[r] + rows.after[r];
	if (rows.after[r] < 5 || static_cast<double>(rows.after[r]) < 0.9 * static_cast<double>(all))
		return "";
	return std::to_string(rows.after[r]) + " of its " + std::to_string(all) +
	       " activities of converted leads come at or after the conversion";
}

std::vector<double> RuleColumn(const core::LearnData &d, std::size_t k, std::size_t j) {
	std::vector<double> out;
	for (std::size_t i = 0; i < d.leads; i++)
		out.push_back(d.rule_features[k][i * d.rules + j]);
	return out;
}

std::vector<double> CriterionColumn(const core::LearnData &d, std::size_t c) {
	std::vector<double> out;
	for (std::size_t i = 0; i < d.leads; i++)
		out.push_back(d.criterion_features[i * d.criteria + c]);
	return out;
}

struct OutRow {
	std::string kind, name, activity_type;
	double current, learned, error;
	bool leak;
	std::string note;
};

void PutOutRow(FunctionCallInfo fcinfo, const OutRow &r) {
	Datum v[8] = {};
	bool n[8] = {};
	n[1] = r.name.empty();
	n[2] = r.activity_type.empty();
	n[7] = r.note.empty();
	CallPg([&] {
		v[0] = TextDatum(r.kind);
		if (!n[1])
			v[1] = TextDatum(r.name);
		if (!n[2])
			v[2] = TextDatum(r.activity_type);
		if (!n[7])
			v[7] = TextDatum(r.note);
	});
	PutFloat(r.current, &v[3], &n[3]);
	PutFloat(r.learned, &v[4], &n[4]);
	PutFloat(r.error, &v[5], &n[5]);
	v[6] = BoolGetDatum(r.leak);
	PutRow(fcinfo, v, n);
}

// The model's points_per_doubling, or mql_threshold / 2 (an activity
// that quadruples the odds is worth the MQL threshold: calibrate()'s
// fallback scale), or 20.
double PointsPerDoubling(const core::ModelSpec &spec, std::optional<double> given) {
	if (given)
		return *given;
	if (std::optional<double> own = ModelPointsPerDoubling(spec.id))
		return *own;
	return spec.mql_threshold > 0 ? spec.mql_threshold / 2 : 20;
}

struct Learned {
	std::vector<OutRow> rows;
	std::string points_json, steps_json;
	std::optional<std::string> half_life; // the candidate's; nullopt: none
};

Learned Explain(const InsightModel &base, const Collected &c, const core::LearnedWeights &w,
                const std::vector<std::size_t> &learned, const std::vector<double> &half_lives, double ppd,
                const std::string &candidate) {
	Learned out;
	const core::LearnData &d = c.data;
	std::string tried;
	for (double h : half_lives)
		tried += (tried.empty() ? "" : ", ") + HalfLifeText(h);
	double loss = 0;
	for (const core::LearnTrial &t : w.trials)
		if (t.half_life == w.half_life && t.lambda == w.lambda)
			loss = t.log_loss;
	char note[512];
	std::snprintf(note, sizeof note,
	              "half-life %s (of %s), penalty %g, cross-validated log loss %.4f; %lld leads, %lld converted, "
	              "%lld skipped; %g points double the odds",
	              HalfLifeText(half_lives[w.half_life]).c_str(), tried.c_str(), w.lambda, loss,
	              static_cast<long long>(d.leads), static_cast<long long>(c.converted),
	              static_cast<long long>(w.skipped), ppd);
	out.rows.push_back({"model", candidate, "", std::nan(""), std::nan(""), std::nan(""), false, note});
	out.rows.push_back({"intercept", "", "", std::nan(""), w.intercept, std::nan(""), false,
	                    "log-odds of converting with no activity and no criterion met"});
	std::string points = "{", steps = "{";
	for (std::size_t r = 0, j = 0; r < base.spec.rules.size(); r++) {
		const core::RuleSpec &rule = base.spec.rules[r];
		if (j >= learned.size() || learned[j] != r) {
			out.rows.push_back({"rule", rule.name, rule.activity_type, std::nan(""), std::nan(""), std::nan(""), false,
			                    "points expression: kept as it is, not learned"});
			continue;
		}
		double p = core::LearnedPoints(w.rule_weight[j], ppd);
		std::string leak = AfterLeak(c.rows, r);
		if (leak.empty())
			leak = SeparationLeak(d, RuleColumn(d, w.half_life, j));
		std::string note = !leak.empty() ? leak : w.nearly_constant[j] ? kNearlyConstantNote : "";
		out.rows.push_back({"rule", rule.name, rule.activity_type, rule.points, p,
		                    core::LearnedPoints(w.rule_error[j], ppd), !leak.empty(), note});
		points += (points.size() > 1 ? "," : "") + JsonString(rule.name) + ":" + core::Float8Text(p);
		j++;
	}
	for (std::size_t k = 0; k < c.criteria.size(); k++) {
		int learned_steps = core::LearnedSteps(w.criterion_weight[k]);
		std::string leak = SeparationLeak(d, CriterionColumn(d, k));
		out.rows.push_back({"criterion", c.criteria[k].name, "", static_cast<double>(c.criteria[k].steps),
		                    static_cast<double>(learned_steps),
		                    w.criterion_error[k] * core::kLearnedStepsPerDoubling / std::log(2.0), !leak.empty(),
		                    !leak.empty() ? leak : learned_steps == 0 ? "0 steps: left out of the candidate's profile" : ""});
		steps += (steps.size() > 1 ? "," : "") + JsonString(c.criteria[k].name) + ":" + std::to_string(learned_steps);
	}
	out.points_json = points + "}";
	out.steps_json = steps + "}";
	double h = half_lives[w.half_life];
	if (h > 0)
		out.half_life = HalfLifeText(h);
	return out;
}

// The candidate's half-life as an interval: the model's own text when it
// won (months stay months), else whole days.
std::optional<std::string> CandidateHalfLife(const core::ModelSpec &spec, const Learned &l, bool own) {
	if (!own || !l.half_life)
		return l.half_life;
	auto rows = QueryText("SELECT half_life::pg_catalog.text FROM leadscore.models WHERE id OPERATOR(pg_catalog.=) $1::pg_catalog.int4",
	                      {std::to_string(spec.id)});
	return rows.empty() ? std::nullopt : rows[0][0];
}

// Creates the candidate and scores it; false on Citus, where the workers
// rescore in transactions of their own, which cannot see the candidate
// until this one commits: there the caller says what to run then.
bool CreateCandidate(const core::ModelSpec &spec, const std::string &candidate, const Learned &l, bool own_half_life,
                     double ppd) {
	ConnectSpi();
	QueryText("SELECT leadscore._create_learned($1::pg_catalog.int4, $2, $3::pg_catalog.interval, $4::pg_catalog.float8,"
	          " $5::pg_catalog.jsonb, $6::pg_catalog.jsonb)",
	          {std::to_string(spec.id), candidate, CandidateHalfLife(spec, l, own_half_life), core::Float8Text(ppd),
	           l.points_json, l.steps_json});
	bool scored = !LeadscoreDistributed();
	if (scored)
		QueryText("SELECT leadscore.rescore($1)", {candidate});
	FinishSpi();
	return scored;
}

// On Citus: the candidate is made, not scored (CreateCandidate).
void SayHowToScore(const std::string &candidate, const EvalArgs &args) {
	CallPg([&] {
		char *name = quote_literal_cstr(candidate.c_str());
		char *horizon = quote_literal_cstr(DatumGetCString(DirectFunctionCall1(interval_out, args.horizon)));
		char *population = quote_literal_cstr(DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(args.leads))));
		const char *as_of = "";
		if (args.as_of)
			as_of = psprintf(", as_of => %s", quote_literal_cstr(DatumGetCString(
			                                          DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(*args.as_of)))));
		ereport(NOTICE, (errmsg("leadscore.learn() made candidate model %s; on Citus it is scored after this transaction "
		                        "commits", name),
		                 errhint("Then run SELECT leadscore.rescore(%s), and SELECT * FROM leadscore.fit_probability(%s, "
		                         "%s, %s%s) for its probability link.",
		                         name, name, horizon, population, as_of)));
	});
}

// learn(model, horizon, leads, candidate DEFAULT NULL, as_of DEFAULT NULL,
//       points_per_doubling DEFAULT NULL)
constexpr EvalArgPositions kLearnArgs{0, 4, 1, -1, -1, 2};

} // namespace
} // namespace leadscore::pg

using namespace leadscore::pg;
namespace core = leadscore::core;

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_learn);
Datum leadscore_learn(PG_FUNCTION_ARGS) {
	InitMaterializedSRF(fcinfo, 0);
	return Guarded([&] {
		RequireArg(fcinfo, 2, "leads");
		RequireCallerMayRead(PG_GETARG_OID(2));
		EvalArgs args = ReadEvalArgs(fcinfo, kLearnArgs);
		std::string candidate = OptionalTextArg(fcinfo, 3).value_or(args.model + "_learned");
		std::optional<double> given = OptionalFloat8Arg(fcinfo, 5);
		if (given && !(*given > 0 && std::isfinite(*given)))
			throw core::Error(core::ErrorKind::InvalidValue, "points_per_doubling must be a positive number, not " +
			                                                     core::Float8Text(*given));
		KeyType kt = BeginEngineCall();
		InsightModel base = LoadInsightModel(args.model);
		if (candidate == args.model)
			throw core::Error(core::ErrorKind::InvalidValue, "the candidate must not be the model itself", {},
			                  "learn() never changes the live model; name the candidate, or leave it NULL.");
		double ppd = PointsPerDoubling(base.spec, given);
		std::vector<std::size_t> learned = LearnedRules(base.spec);
		std::vector<double> half_lives = HalfLifeCandidates(base.spec.half_life_us);
		Collected c = base.compiled.empty() ? Collected{} : Collect(kt, args, base, half_lives, learned);
		FinishSpi();
		core::LearnedWeights w = core::LearnWeights(c.data, [] { return InterruptPending != 0; });
		Learned l = Explain(base, c, w, learned, half_lives, ppd, candidate);
		if (CreateCandidate(base.spec, candidate, l, w.half_life == 0, ppd)) {
			// The link's grades are the candidate's, written by the rescore in
			// this statement: read them with a snapshot that sees them.
			EvalArgs link_args = args;
			link_args.model = candidate;
			CallPg([] {
				CommandCounterIncrement();
				PushCopiedSnapshot(GetActiveSnapshot());
				UpdateActiveSnapshotCommandId();
			});
			FitStoredLink(link_args);
			CallPg([] { PopActiveSnapshot(); });
		} else {
			SayHowToScore(candidate, args);
		}
		for (const OutRow &r : l.rows)
			PutOutRow(fcinfo, r);
		return Datum(0);
	});
}

} // extern "C"
