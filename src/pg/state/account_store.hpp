// leadscore.account_state and leadscore.lead_accounts: account sums kept by
// adding what each changed lead's share changed by (core/lead/account_score.hpp),
// status changes reported in leadscore.account_events, and the rebuild and
// check that rescore() and verify() run.
//
// Call inside Guarded with SPI connected.  Account rows are locked in key
// order by each statement, after its lead rows.
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include "core/lead/account_score.hpp"
#include "core/lead/lead_lifecycle.hpp"
#include "core/model/scoring_model.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::pg {

// One account's change in one model.
struct AccountDelta {
	Datum account;
	core::AccountShare share;
};

// Sums `deltas` by account (several leads of one account change together)
// into `out`, sorted by key bytes.
void MergeAccountDeltas(const KeyType &akt, std::vector<AccountDelta> *deltas);

// Adds the deltas to the accounts' sums (creating accounts) and reports the
// status changes they cause at `now`.
void ApplyAccountDeltas(const KeyType &akt, const core::ModelSpec &model, const std::vector<AccountDelta> &deltas,
                        std::int64_t now, core::TransitionCause cause);

// The accounts of `leads` (lead_accounts), as account Datums in the
// order of `leads`; a lead without one gets has_account false.
struct LeadAccount {
	bool has_account = false;
	Datum account = 0;
};
std::vector<LeadAccount> LookupAccounts(const KeyType &kt, const KeyType &akt, const std::vector<Datum> &leads);

// Reports hot accounts whose score decayed below the threshold by `now`
// (tick(): cause decay).
void SweepAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now, core::TransitionCause cause);

// Rebuilds one model's account sums from lead_state and lead_accounts;
// status changes are reported with cause rescore.
void RebuildAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now);

// (account as text, what differs) between stored sums and a recompute.
std::vector<std::pair<std::string, std::string>> VerifyAccounts(const KeyType &akt, const core::ModelSpec &model);

} // namespace leadscore::pg
