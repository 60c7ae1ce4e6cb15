// When a lead's score crossed the MQL and SQL thresholds in its history
// (docs/design.md, "The lifecycle record", back-filled history): what
// mql_at and sql_at mean when rows arrive dated before the lead's record,
// as a first load or a replicated backlog brings them.
//
// The walk replays the lifecycle's status moves over the lead's rows in
// time order: the status just before and just after each distinct row time,
// since decay only lowers a score between rows and an upward move happens
// only where rows land (silence scorings between rows are folded in at the
// next row, as score_history() folds them at its steps).  Grades are not historised: the SQL
// gate uses the lead's grade as it is now, as score_history() does.
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/insight/score_series.hpp"
#include "core/lead/lead_lifecycle.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace leadscore::core {

struct StatusMove {
	std::int64_t at;
	LeadStatus from, to;
	double score; // at `at`, clamped by max_score
};

struct HistoryCrossings {
	std::int64_t mql_at = kNoTime; // the last move from nurture to mql or sql
	std::int64_t sql_at = kNoTime; // the last move to sql
	// The moves that set them, by time (one when both are the same move).
	std::vector<StatusMove> moves;
};

// The crossings of the rows of `timeline` dated up to `until`, in one pass:
// the rows are added to one LeadRecompute in time order and its Finish() is
// taken at each distinct row time.  `table_models[i]` is the model compiled
// for table i of the timeline (one ModelSpec).  Rows dated more than 900
// half-lives before the model's epoch count but are not searched.
HistoryCrossings WalkHistory(const std::vector<const CompiledModel *> &table_models, const LeadTimeline &timeline,
                             std::int64_t until, std::optional<GradeRank> grade, const CancelCheck &cancel = {});

// The same for a lead whose every row lies at `at`, `stored` its stored sum:
// no rows to read, the sum at `at` is the lead's.
HistoryCrossings CrossingAt(const ModelSpec &model, double stored, std::int64_t at, std::optional<GradeRank> grade);

// Whether a lead whose stored sum is `stored` now may have reached MQL or
// SQL at some time from `since` on, so that a walk of its history could
// find a crossing there.  False only when no point of the model can be
// negative (no negative rule, no points expression, no ledger): the sum
// at any such time t is then at most `stored`, which reads at t as at most
// its score at `since` (decay only lowers it), below both thresholds.
bool MayHaveCrossed(const ModelSpec &model, double stored, std::int64_t since);

// Moves `record` through `history` before the writer's own Advance: each
// crossing at or after `since` (the earliest row the statement brought:
// those before it were in the history already, and reported) to a status
// above the record's becomes a status Transition at its own time, cause
// Activity, from the record's status (a move to sql only for a lead that is
// sql now: a handoff); the record takes the
// crossings' times; a lead that has cooled since goes down at `now`, cause
// Decay, so the record's status is the lead's now and stale_leads() sees a
// lead that was an MQL.
void AdvanceThroughHistory(const ModelSpec &model, const HistoryCrossings &history, const LifecycleInput &lead,
                           std::int64_t since, std::int64_t now, LifecycleRecord *record, std::vector<Transition> *out);

} // namespace leadscore::core
