// What calibrate() and evaluate() read: the model compiled against every
// attached activity table, each lead's outcomes, each lead's source, each
// lead's current grade, and the activity history lead by lead.  Needs an SPI
// connection (BeginEngineCall).
//
// The functions run with the caller's rights (no SECURITY DEFINER): an
// analyst sees conversion figures only of CRM tables they may read.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"
#include "pg/catalog/model_catalog.hpp"
#include "pg/ingest/lead_history.hpp"

#include "core/insight/calibration.hpp"
#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace leadscore::pg {

// A type's and a relation's name as SQL spells them, for messages.
std::string TypeName(Oid type);
std::string RelationName(Oid relation);
// The type of column `column` of relation `relid`; InvalidOid when it has
// no such (live) column.
Oid ColumnTypeOrNone(Oid relid, const std::string &column);

// The model named `name`, compiled against each attached activity table.
// `epoch`: replace the model's decay epoch (evaluate() uses as_of, so every
// weight is 2^-(age / half-life) and nothing under- or overflows however
// far as_of lies from the model's own epoch).  Throws 42704 if unknown.
struct InsightModel {
	core::ModelSpec spec;
	std::vector<ActivityTable> tables;
	std::vector<core::CompiledModel> compiled; // one per table
};
InsightModel LoadInsightModel(const std::string &name, std::optional<std::int64_t> epoch = std::nullopt);

class Population;

// A lead's outcomes: the first one (any time), and the amounts of those in
// its window (as_of, end] (population.hpp).
struct LeadOutcome {
	std::int64_t first = core::kNeverConverted;
	double value_sum = 0;
	std::int64_t value_count = 0;
};
using OutcomeMap = std::unordered_map<std::string, LeadOutcome>; // by lead key bytes

// Every attached outcome table's rows with a lead and a finite time; times
// read as the triggers read activity times (timestamp and date as UTC).
// NULL, NaN and infinite amounts are ignored.  55000 without an outcome
// table.  Only the population's leads.
OutcomeMap LoadOutcomes(const KeyType &kt, const Population &population);

// Each lead's source: the value of `column` (as text) in `table` — an
// attached activity table or lead table — or, when `table` is InvalidOid, in
// the attached activity tables that have that column.  From activity tables
// the source is first touch: the value on the lead's earliest row at or
// before its as_of with a non-NULL value (ties: the smallest value).  From a
// lead table: the lead's row (several rows: the smallest value).  Only the
// population's leads.
std::unordered_map<std::string, std::string> LoadSources(const KeyType &kt, const std::string &column, Oid table,
                                                         const Population &population);

// Each lead's grade in model `model_id` as leadscore.lead_scores shows it
// now (leads without a grade are left out).  Grades are not historised:
// evaluate() uses today's grade for its SQL segment.
std::unordered_map<std::string, core::GradeRank> LoadGrades(const KeyType &kt, std::int32_t model_id);

// Each lead's latest handoff of `model` created up to its as_of, with its
// status and rejection reason ("" if none) as they stand now.  Only the
// population's leads.
struct LeadHandoff {
	std::string status;
	std::string reason;
};
std::unordered_map<std::string, LeadHandoff> LoadHandoffs(const KeyType &kt, const std::string &model,
                                                           const Population &population);

// (The maps above are keyed by KeyBytes, lead_key.hpp.)

// Visits every lead with history in an attached activity table, with all of
// its rows (any order) from every table.  begin/end bracket a lead; `row`
// gets the table's compiled model with each row.
struct LeadVisitor {
	std::function<void(Datum key, const std::string &key_bytes)> begin;
	std::function<void(const core::CompiledModel &table_model, const HistoryRow &row)> row;
	std::function<void()> end;
};
void WalkLeads(const KeyType &kt, const InsightModel &model, const LeadVisitor &visit);

} // namespace leadscore::pg
