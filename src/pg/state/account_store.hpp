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
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace leadscore::pg {

// One account's change in one model.  `lead`: a lead of the change, whose
// key puts it on the statement's shard on Citus (AppendShardDeltas).
struct AccountDelta {
	Datum account;
	core::AccountShare share;
	Datum lead = 0;
};

// Sums `deltas` by account (several leads of one account change together)
// into `out`, sorted by key bytes.
void MergeAccountDeltas(const KeyType &akt, std::vector<AccountDelta> *deltas);

// Adds the deltas to the accounts' sums (creating accounts) and reports the
// status changes they cause at `now`.  In a firing on a Citus shard, which
// may write its own group's shards only, appends them to account_deltas
// instead (src/sql/citus.sql), for FoldAccountDeltas.
void ApplyAccountDeltas(const KeyType &akt, const core::ModelSpec &model, const std::vector<AccountDelta> &deltas,
                        std::int64_t now, core::TransitionCause cause);

// The accounts of `leads` (lead_accounts), as account Datums in the
// order of `leads`; a lead without one gets has_account false.
struct LeadAccount {
	bool has_account = false;
	Datum account = 0;
};
std::vector<LeadAccount> LookupAccounts(const KeyType &kt, const KeyType &akt, const std::vector<Datum> &leads);

// On a distributed install's coordinator (tick()): moves what the shards
// appended to account_deltas into the accounts' sums, merged by account,
// and reports the status changes at `now`, each with its account's most
// telling cause (activity, then lead rows, then the rest by name).
void FoldAccountDeltas(const KeyType &akt, const std::vector<core::ModelSpec> &models, std::int64_t now);

// Reports hot accounts whose score decayed below the threshold by `now`
// (tick(): cause decay).
void SweepAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now, core::TransitionCause cause);

// Every account's share of one model's leads (on a Citus shard: of its
// group's leads), by key bytes, each with one of its leads.
using AccountShares = std::map<std::string, AccountDelta>;
AccountShares AccountSharesOf(const KeyType &akt, const core::ModelSpec &model);

// The deltas from `before` to `after` (AccountSharesOf around a rebuild of
// a Citus shard group's leads), merged by account.
std::vector<AccountDelta> ShareChanges(const KeyType &akt, const AccountShares &before, const AccountShares &after);

// Rebuilds one model's account sums from lead_state and lead_accounts
// (on Citus dropping the deltas not folded: the rebuild holds them);
// status changes are reported with cause rescore.  Writers wait (rescore()
// holds the attached tables).
void RebuildAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now);

// (account as text, what differs) between stored sums (on Citus with the
// deltas not folded yet) and a recompute.
std::vector<std::pair<std::string, std::string>> VerifyAccounts(const KeyType &akt, const core::ModelSpec &model);

} // namespace leadscore::pg
