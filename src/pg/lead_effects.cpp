// Lifecycle and account effects of lead state writes.  See lead_effects.hpp.
#include "pg/lead_effects.hpp"

#include "pg/account_store.hpp"
#include "pg/guard.hpp"
#include "pg/lead_key.hpp"
#include "pg/pg_arrays.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <algorithm>
#include <set>
#include <string>

namespace leadscore::pg {
namespace {

core::LifecycleInput Input(const LeadSide &side, const std::optional<core::GradeRank> &grade) {
	return core::LifecycleInput{side.stored, side.stages, side.stage_count, grade};
}

core::AccountShare Share(const core::ModelSpec &model, const LeadSide &side) {
	return core::LeadShare(model, side.stored, side.stages, side.stage_count, side.activity_count);
}

std::string Bytes(Datum key, Oid type) {
	std::string bytes;
	CallPg([&] { AppendKeyBytes(key, type, &bytes); });
	return bytes;
}

// Maps the leads of `first` that have no account yet; returns the key bytes
// of those that got one now.
std::set<std::string> MapFirstAccounts(const KeyType &kt, const KeyType &akt, const FirstAccounts &first) {
	std::set<std::string> mapped;
	int n = static_cast<int>(first.leads.size());
	if (n == 0)
		return mapped;
	std::uint64_t rows = CallPg([&] {
		Oid types[] = {kt.array_oid, akt.array_oid};
		Datum values[] = {KeyArrayDatum(kt, first.leads.data(), n), KeyArrayDatum(akt, first.accounts.data(), n)};
		if (SPI_execute_with_args("INSERT INTO leadscore.lead_accounts (lead_id, account_id)"
		                          " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(l, a)"
		                          " ORDER BY l ON CONFLICT DO NOTHING RETURNING lead_id",
		                          2, types, values, nullptr, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "leadscore: mapping leads to accounts failed");
		return SPI_processed;
	});
	SPITupleTable *table = SPI_tuptable;
	for (std::uint64_t i = 0; i < rows; i++) {
		Datum lead = CallPg([&] {
			bool isnull;
			return SPI_getbinval(table->vals[i], table->tupdesc, 1, &isnull);
		});
		mapped.insert(Bytes(lead, kt.oid));
	}
	return mapped;
}

} // namespace

ModelEffects::ModelEffects(const core::ModelSpec &model, std::int64_t now, bool accounts)
    : model_(model), now_(now), accounts_(accounts) {
}

void ModelEffects::Track(Datum key, const LeadSide &before, const LeadSide &after, core::LifecycleRecord *record) {
	scratch_.clear();
	core::Advance(model_, Input(before, record->grade), now_, core::TransitionCause::Decay, record, &scratch_);
	core::Advance(model_, Input(after, record->grade), now_, core::TransitionCause::Activity, record, &scratch_);
	for (const core::Transition &t : scratch_)
		events_.push_back(LeadEvent{key, t});
	if (accounts_)
		shares_.push_back(ShareChange{key, Share(model_, before), Share(model_, after)});
}

void ModelEffects::Forget(const std::vector<Datum> &leads, const KeyType &kt) {
	if (leads.empty())
		return;
	std::set<std::string> gone;
	for (Datum key : leads)
		gone.insert(Bytes(key, kt.oid));
	auto dropped = [&](Datum key) { return gone.count(Bytes(key, kt.oid)) > 0; };
	events_.erase(std::remove_if(events_.begin(), events_.end(), [&](const LeadEvent &e) { return dropped(e.key); }),
	              events_.end());
	shares_.erase(
	    std::remove_if(shares_.begin(), shares_.end(), [&](const ShareChange &c) { return dropped(c.lead); }),
	    shares_.end());
}

void ReportEffects(const KeyType &kt, const KeyType &akt, const std::vector<ModelEffects> &effects,
                   const FirstAccounts &first, std::int64_t now) {
	for (const ModelEffects &fx : effects)
		InsertEvents(kt, fx.model(), fx.events(), true);
	if (akt.oid == InvalidOid)
		return;
	std::set<std::string> newly_mapped = MapFirstAccounts(kt, akt, first);
	std::vector<Datum> leads;
	for (const ModelEffects &fx : effects)
		for (const auto &c : fx.shares())
			leads.push_back(c.lead);
	if (leads.empty())
		return;
	std::vector<LeadAccount> accounts = LookupAccounts(kt, akt, leads);
	std::size_t next = 0;
	for (const ModelEffects &fx : effects) {
		std::vector<AccountDelta> deltas;
		for (const auto &c : fx.shares()) {
			const LeadAccount &a = accounts[next++];
			if (!a.has_account)
				continue;
			AccountDelta d{a.account, c.after};
			// A lead new to its account brings its whole share; otherwise
			// the account already holds `before`.
			if (newly_mapped.count(Bytes(c.lead, kt.oid)) == 0)
				core::AddShare(c.before, -1, &d.share);
			deltas.push_back(std::move(d));
		}
		MergeAccountDeltas(akt, &deltas);
		ApplyAccountDeltas(akt, fx.model(), deltas, now, core::TransitionCause::Activity);
	}
}

} // namespace leadscore::pg
