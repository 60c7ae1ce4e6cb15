// What a statement's writes to lead states report beyond the states
// themselves: the lifecycle transitions of each lead (leadscore.events, with
// NOTIFY on handoff) and the change of each lead's share of its account
// (account_store.hpp).  The writer collects them per model while it computes
// the new states, writes the states with their records, then reports.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"
#include "pg/state/lifecycle_store.hpp"

#include "core/insight/history_crossings.hpp"
#include "core/lead/account_score.hpp"
#include "core/lead/lead_lifecycle.hpp"
#include "core/lead/scoring_state.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leadscore::pg {

// One side (before or after) of a lead's change, as the lifecycle and the
// account share read it.
struct LeadSide {
	double stored = 0;
	const double *stages = nullptr;
	std::size_t stage_count = 0;
	std::int64_t activity_count = 0;

	static LeadSide Of(const core::LeadState &s) {
		return LeadSide{s.stored, s.stage_stored.data(), s.stage_stored.size(), s.activity_count};
	}
	static LeadSide Of(const LifecycleLead &l) {
		return LeadSide{l.stored, l.stages.data(), l.stages.size(), l.activity_count};
	}
};

class ModelEffects {
public:
	// `model` must outlive this object; `accounts`: the database has
	// account keys, so shares are tracked; `cause`: what the changes Track
	// reports come from (tick()'s are Decay: time alone).
	ModelEffects(const core::ModelSpec &model, std::int64_t now, bool accounts,
	             core::TransitionCause cause = core::TransitionCause::Activity);

	// Advances `record` from `before` to `after`: first what decay did since
	// the last report (cause decay), then what the statement did (cause
	// activity); keeps the transitions and the share change of `key`.  With
	// `history` (a new lead whose back-dated rows share one time, walked at
	// once: apply_deltas.cpp), the crossings in it from `since` (the
	// statement's earliest row) on come in between, each at its own time.
	void Track(Datum key, const LeadSide &before, const LeadSide &after, core::LifecycleRecord *record,
	           const core::HistoryCrossings *history = nullptr, std::int64_t since = core::kNoTime);

	// Reports the pending silence scorings `due` (by time, due by now),
	// each at the time it fell due (cause decay, like the decay around it),
	// and adds them to `lead`'s sums and record: the side a change of the
	// lead's state starts from.
	void FoldDue(LifecycleLead *lead, const std::vector<core::LeadState::Pending> &due);

	// Drops what Track kept for `leads`: their insert did not happen
	// (another writer created their row first), so they are tracked again
	// from the rows they are locked in.
	void Forget(const std::vector<Datum> &leads, const KeyType &kt);

	const core::ModelSpec &model() const noexcept {
		return model_;
	}
	std::int64_t now() const noexcept {
		return now_;
	}
	core::TransitionCause cause() const noexcept {
		return cause_;
	}
	const std::vector<LeadEvent> &events() const noexcept {
		return events_;
	}

	struct ShareChange {
		Datum lead;
		core::AccountShare before, after;
	};
	const std::vector<ShareChange> &shares() const noexcept {
		return shares_;
	}

private:
	const core::ModelSpec &model_;
	std::int64_t now_;
	bool accounts_;
	core::TransitionCause cause_;
	std::vector<core::Transition> scratch_;
	std::vector<LeadEvent> events_;
	std::vector<ShareChange> shares_;
};

// Leads whose first account comes from this statement's activity rows (the
// activity table's account column): lead key and account, in the order the
// caller found them.
struct FirstAccounts {
	std::vector<Datum> leads, accounts;
};

// Reports every model's effects after the statement wrote its states:
// events, then account sums (accounts looked up once, after the lead rows
// are locked; leads that get their first account here bring their whole
// share).
void ReportEffects(const KeyType &kt, const KeyType &akt, const std::vector<ModelEffects> &effects,
                   const FirstAccounts &first, std::int64_t now);

} // namespace leadscore::pg
