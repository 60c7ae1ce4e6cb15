// The state of the aggregates score_agg and stage_agg (docs/design.md,
// "Insight"): a lead's score and buyer stage at `as_of`, computed from
// whatever rows a query feeds in, in any order and in parallel pieces.
//
// Semantics (the README has the user's view):
//   * Rows with occurred_at after as_of are left out: the score as it stood
//     at as_of.  Rows without a type or time are skipped.
//   * Every matching rule scores, as in the triggers; a capped rule counts
//     the N most recent matching rows; decay is relative to as_of; the score
//     is clamped at max_score; the stage is the furthest stage whose decayed
//     points reach stage_min_points.
//
// The state is a flat, self-describing byte string (a bytea in SQL, not
// `internal`): it carries what the combine and final steps need (half-life,
// points, stages, caps) so they need no catalog, and the bytes themselves are
// what crosses process and node boundaries (parallel workers, Citus).  Its
// size is fixed per model: uncapped rules keep a compensated sum of weights,
// capped rules a min-heap of their N newest times, since the N most recent
// of a union are the N most recent of the two parts' N most recent.  A fixed
// size lets the transition step update the state in place, so a group of a
// million rows costs a million small updates, not a million copies.
//
// Every field is read and written with memcpy: the bytes sit at whatever
// alignment PostgreSQL gives a varlena's data.
#pragma once

#include "core/condition/condition.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace leadscore::core {

// True when some rule of the model has a condition or a points expression.
bool HasConditions(const ModelSpec &model) noexcept;

class ScoreAggState {
public:
	// Bytes of the state of `model`.  Throws Error(TooComplex) past 64 MB.
	static std::size_t Size(const ModelSpec &model);
	// Writes the empty state of `model` at `as_of` (us since the Unix epoch)
	// into `buf` of Size(model) bytes.
	static void Init(unsigned char *buf, const ModelSpec &model, std::int64_t as_of);

	// A view of `len` bytes at `buf`.  Checks the layout (every offset and
	// count in bounds), so bytes from anywhere cannot make it read or write
	// out of bounds; throws Error(InvalidValue) if they are not a state.
	ScoreAggState(unsigned char *buf, std::size_t len);
	// Read-only: Add and Merge throw Error(Internal).
	ScoreAggState(const unsigned char *buf, std::size_t len);

	std::int32_t model_id() const noexcept;
	std::int64_t as_of() const noexcept;
	std::size_t rule_count() const noexcept;
	std::size_t stage_count() const noexcept;

	// One row matching rule `rule` at `at` (<= as_of; the caller filters);
	// `points`: the row's points of a rule with a points expression
	// (CompiledModel::PointsOf), 1 for any other (its points are the
	// rule's, kept in the state).
	void Add(std::size_t rule, std::int64_t at, double points = 1);
	// Adds in everything `other` holds.  Throws Error(InvalidValue) unless
	// both are states of the same model (same rules) at the same as_of.
	void Merge(const ScoreAggState &other);

	// The score at as_of: decayed, clamped at max_score.
	double Score() const noexcept;
	// The stage at as_of: an index, or kNoStage.  "" for kNoStage.
	int Stage() const;
	std::string_view StageName(int stage) const noexcept;

private:
	void Check() const;
	unsigned char *Writable() const;
	double RuleWeight(std::size_t rule) const noexcept;

	const unsigned char *data_;
	unsigned char *writable_; // null: read-only
	std::size_t len_;
};

} // namespace leadscore::core
