// A lead's lifecycle (docs/design.md, "Status and handoff" and "The
// lifecycle record"):
// the status and stage last reported, when the lead reached MQL and SQL,
// and the transitions between them that become rows of leadscore.events.
//
// Scores are exact at any moment (the view computes status and stage from
// the stored sums at read time); what is recorded here is what has been
// *reported*.  Upward moves can only come from a write (an activity, a
// better grade), and the writer reports them in its own transaction.  Decay
// only ever moves a lead down, and nobody writes then: the record says when
// that will next happen (due_at, the moment decay alone changes the status or
// the stage), and tick() visits exactly the leads that are due, with an index
// on due_at.  Its cost follows the crossings, not the leads.
//
// A writer first advances the record to the old state at its `now` (cause
// Decay: what decay did since the last report, which tick() may not have
// seen yet), then to the new state (cause Activity or Lead): events keep
// their true causes, and neither a writer nor tick() reports a change twice.
// Time never runs backwards for a record: a writer whose transaction began
// before the last report evaluates at checked_at instead.
#pragma once

#include "core/lead/scoring_state.hpp"
#include "core/lead/scoring_status.hpp"
#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace leadscore::core {

enum class TransitionKind : std::uint8_t { Status, Stage, Grade, Band };
// Adjustment, Reset: sales' adjust() and reset() (src/sql/adjustments.sql).
enum class TransitionCause : std::uint8_t { Activity, Lead, Decay, Rescore, Adjustment, Reset };

// "status", "stage", "grade", "band" / "activity", "lead", "decay", "rescore",
// "adjustment", "reset".
const char *TransitionKindName(TransitionKind kind) noexcept;
const char *TransitionCauseName(TransitionCause cause) noexcept;

struct LifecycleRecord {
	LeadStatus status = LeadStatus::Nurture;
	int stage = kNoStage;
	int band = kNoBand; // an index into the model's bands
	std::optional<GradeRank> grade;
	std::int64_t mql_at = kNoTime;     // last move from nurture to mql or sql
	std::int64_t sql_at = kNoTime;     // last move to sql
	std::int64_t checked_at = kNoTime; // the time of the last Advance
	std::int64_t due_at = kNoTime;     // when decay alone next changes status or stage; kNoTime: never
};

// What the lifecycle reads of a lead's state.
struct LifecycleInput {
	double stored = 0;
	const double *stage_stored = nullptr;
	std::size_t stage_count = 0;
	std::optional<GradeRank> grade;
};

// From / to: a LeadStatus, a stage index, a grade rank or a band index; -1
// for none (no stage, no grade, no band).
struct Transition {
	TransitionKind kind;
	TransitionCause cause;
	int from;
	int to;
	std::int64_t at;
	double score; // at `at`, clamped by max_score
	std::optional<GradeRank> grade;
};

// Moves `record` to the lead's status, stage and grade at max(now,
// record->checked_at), appending one Transition per change to `out`, and
// sets checked_at and due_at.
void Advance(const ModelSpec &model, const LifecycleInput &lead, std::int64_t now, TransitionCause cause,
             LifecycleRecord *record, std::vector<Transition> *out);

// Brings record->due_at forward to the first of `pending` (a state's
// pending silence scorings, by time): tick() visits the lead then, folds
// the scoring in and reports what it changes.  Never to checked_at or
// before: a tick() with a `now` ahead of the clock moves records there but
// folds only what the clock has reached (scores are read at the clock), and
// must not find the same leads due again.
void WakeForPending(const std::vector<LeadState::Pending> &pending, LifecycleRecord *record) noexcept;

// The first time after the record's status and stage stop holding by decay
// alone (one microsecond past the crossing); kNoTime without decay or when
// the lead is in nurture with no stage.
std::int64_t NextDue(const ModelSpec &model, const LifecycleInput &lead, const LifecycleRecord &record);

// The name of a transition's from / to value: a status or stage name, a
// grade; nullptr for none.
const char *TransitionValueName(const ModelSpec &model, TransitionKind kind, int value) noexcept;

} // namespace leadscore::core
