// Who an insight function judges, and as of when: every lead with history
// at one as_of, or the leads of a relation the caller names (`leads =>
// regclass`: a train or a test split, a cohort), each at its own as_of.
//
// The relation has a column lead_id of the lead key type and optionally a
// column as_of timestamptz: each row is one lead judged at its as_of (a row
// whose as_of is NULL, or every row without the column, at the function's
// as_of argument).  Its leads with no activity are judged too, with nothing
// to score: a population is never silently narrowed to the active.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"
#include "pg/insight/insight_data.hpp"

#include "core/insight/evaluation.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace leadscore::pg {

// A lead as judged: the text of its key (filled for the leads of a
// relation, and by WalkPopulation when asked) and its window.
struct JudgedLead {
	std::string key_text;
	core::EvaluationWindow window;
};

class Population {
public:
	// Every lead, each judged at `window`.
	explicit Population(core::EvaluationWindow window) : everyone_{{}, window} {
	}

	// The rows of `relation` (read with the caller's rights, as any query of
	// theirs).  `as_of`: for rows without one (nullopt: each row must have
	// its own).  Each window ends at as_of + `horizon` (an interval datum,
	// added as PostgreSQL adds it; `horizon_null`: the window ends at as_of).
	// `membership_only`: without an as_of column the caller needs only who
	// is listed (calibrate()'s own window applies), so rows may lack a time.
	// Throws 42703 without a lead_id column, 42804 for a lead_id of another
	// type than the lead key or an as_of of another type than timestamptz,
	// 22004 for a NULL lead_id or a missing as_of, 22023 for a lead listed
	// twice or a window beyond the core's time range.
	static Population Read(const KeyType &kt, Oid relation, std::optional<TimestampTz> as_of, Datum horizon,
	                       bool horizon_null, bool membership_only = false);

	// True for the leads of a relation, false for everyone.
	bool listed() const noexcept {
		return listed_;
	}
	// True when the relation has an as_of column: windows differ by lead.
	bool own_dates() const noexcept {
		return own_dates_;
	}
	// The lead's judgement; nullptr when it is not in the population.
	const JudgedLead *Find(const std::string &key_bytes) const;
	// The listed leads, by KeyBytes.
	const std::unordered_map<std::string, JudgedLead> &leads() const noexcept {
		return leads_;
	}

private:
	Population() = default;

	bool listed_ = false;
	bool own_dates_ = false;
	JudgedLead everyone_{};
	std::unordered_map<std::string, JudgedLead> leads_;
};

// WalkLeads (insight_data.hpp) over the population: `begin` gets each lead
// judged (key_text filled when `want_keys` or listed), then its rows, then
// `end`.  Listed leads without history come last, with no rows.
struct PopulationVisitor {
	std::function<void(const std::string &key_bytes, const JudgedLead &lead)> begin;
	std::function<void(const core::CompiledModel &table_model, const HistoryRow &row)> row;
	std::function<void()> end;
};
void WalkPopulation(const KeyType &kt, const InsightModel &model, const Population &population, bool want_keys,
                    const PopulationVisitor &visit);

} // namespace leadscore::pg
