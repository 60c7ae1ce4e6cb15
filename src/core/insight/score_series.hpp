// A lead's score over time: score_at() and score_history() (README "Score
// history").  The score at time t is what a recompute of the lead's rows
// dated up to t computes at t (LeadRecompute with SetNow(t)), as evaluate()
// scores a backtest at as_of: caps keep the newest N rows up to t, frequency
// windows score as of t, silence scorings count once due by t.
//
// One pass: the rows are sorted by time once and added to one LeadRecompute
// as the steps pass them; its Finish() is taken at each step that brought
// rows (Finish() leaves the added rows in place, so later rows can be added
// after it), and a step without new rows only folds the silence scorings
// that fell due since.  Steps cost O(rules) each plus one Finish() per
// distinct row time at most.
#pragma once

#include "core/base/scoring_cancel.hpp"
#include "core/base/value.hpp"
#include "core/lead/scoring_recompute.hpp"
#include "core/lead/scoring_status.hpp"
#include "core/model/grade.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::core {

// Every activity row of one lead, owned: the glue's rows live only while
// its scan visits them.
class LeadTimeline {
public:
	// `table` indexes the caller's schemas (the attached activity tables);
	// `row` has `columns` values.
	void Add(std::size_t table, std::string_view type, std::int64_t at, const Value *row, std::size_t columns);

	struct Row {
		std::size_t table;
		std::int64_t at;
		std::string_view type;
		std::size_t first_value; // into the values
	};
	const std::vector<Row> &rows() const noexcept {
		return rows_;
	}
	const Value *values(const Row &row) const noexcept {
		return values_.data() + row.first_value;
	}
	// The lead's ledger rows (adjustments and resets), any order: a step
	// counts those dated up to it, and only the rows and adjustments dated
	// from the latest reset up to it.
	void AddLedger(const std::vector<LedgerEntry> &entries) {
		ledger_.insert(ledger_.end(), entries.begin(), entries.end());
	}
	const std::vector<LedgerEntry> &ledger() const noexcept {
		return ledger_;
	}

private:
	std::string_view Keep(std::string_view text);

	std::deque<std::string> texts_; // a deque: Value::text keeps pointing at its element
	std::vector<Value> values_;
	std::vector<Row> rows_;
	std::vector<LedgerEntry> ledger_;
};

struct ScorePoint {
	std::int64_t at;
	double score; // decayed to `at`, clamped at max_score
	LeadStatus status;
	int band; // an index into the model's bands, kNoBand for none
};

// The score, status and band at each of `times` (ascending) of the lead whose rows
// `timeline` holds.  `schemas[i]` is the columns of table i of the timeline.
// `grade`: the lead's grade for the SQL gate (nullopt: none).  Each run of
// steps within kRebaseExponent half-lives is computed with the decay epoch
// at its last step, so every weight lies in [2^-256, 1] where it matters,
// however far the times lie from the model's own epoch.
std::vector<ScorePoint> ScoreSeries(const ModelSpec &model, const std::vector<Schema> &schemas,
                                    const LeadTimeline &timeline, const std::vector<std::int64_t> &times,
                                    std::optional<GradeRank> grade, const CancelCheck &cancel = {});

} // namespace leadscore::core
