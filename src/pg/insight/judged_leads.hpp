// The leads evaluate(), evaluate_leads(), fit_probability() and
// evaluate_calibration() judge: each lead's score at its as_of (exact, from
// its history), its grade today, its outcome in (as_of, as_of + horizon],
// its handoff and source, and its probability when the model has a link.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "core/insight/evaluation.hpp"
#include "core/insight/probability_link.hpp"
#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {

// Where a function has each argument; -1: it has none.
struct EvalArgPositions {
	int model, as_of, horizon, source_column, source_table, leads;
};

struct EvalArgs {
	std::string model;
	std::optional<TimestampTz> as_of;
	core::EvaluationWindow window; // when as_of is given
	Datum horizon;
	std::optional<std::string> source_column;
	Oid source_table = InvalidOid;
	Oid leads = InvalidOid;
};

// 22004 for a NULL model or horizon, or a NULL as_of without leads; 22023
// for a horizon that is not positive.
EvalArgs ReadEvalArgs(FunctionCallInfo fcinfo, const EvalArgPositions &at);

// t + interval as PostgreSQL adds them (months and days by the calendar of
// the session's time zone); 22023 unless the result lies after t.
std::int64_t AddInterval(FunctionCallInfo fcinfo, int t_arg, int interval_arg, const char *what);

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
	std::optional<core::ProbabilityLink> link; // the model's, if it has one
	std::vector<EvalLeadRow> leads;
};

// Connects SPI, reads, and finishes it.  `want_keys`: fill EvalLeadRow::key.
Evaluated CollectLeads(const EvalArgs &a, bool want_keys);

// The model's probability link (leadscore.models.probability_link), if
// it has one.  Needs SPI.
std::optional<core::ProbabilityLink> LoadProbabilityLink(std::int32_t model_id);

// The model's points_per_doubling (leadscore.models), if it has one.
// Needs SPI.
std::optional<double> ModelPointsPerDoubling(std::int32_t model_id);

// Raises 42501 unless the role that called into leadscore (from inside a
// SECURITY DEFINER function) may read `relation`: an admin function reads
// a population as a reader function would.
void RequireCallerMayRead(Oid relation);

// Fits the probability link of the judged leads of `args` and stores it
// as args.model's (leadscore.probability_links).  Connects and finishes SPI.
core::LinkFit FitStoredLink(const EvalArgs &args);

} // namespace leadscore::pg
