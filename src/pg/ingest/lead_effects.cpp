// Lifecycle and account effects of lead state writes.  See lead_effects.hpp.
#include "pg/ingest/lead_effects.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/state/account_store.hpp"

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
		if (ExecuteWriterSql("INSERT INTO leadscore.lead_accounts (lead_id, account_id)"
		                     " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(l, a)"
		                     " ORDER BY l ON CONFLICT DO NOTHING RETURNING lead_id",
		                     2, types, values, nullptr) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "leadscore: mapping leads to accounts failed");
		return SPI_processed;
	});
	SPITupleTable *table = SPI_tuptable;
	for (std::uint64_t i = 0; i < rows; i++) {
		Datum lead = CallPg([&] {
			bool isnull;
			return SPI_getbinval(table->vals[i], table->tupdesc, 1, &isnull);
		});
		mapped.insert(KeyBytes(lead, kt.oid));
	}
	return mapped;
}

} // namespace

ModelEffects::ModelEffects(const core::ModelSpec &model, std::int64_t now, bool accounts,
                           core::TransitionCause cause)
    : model_(model), now_(now), accounts_(accounts), cause_(cause) {
}

void ModelEffects::Track(Datum key, const LeadSide &before, const LeadSide &after, core::LifecycleRecord *record,
                         const core::HistoryCrossings *history, std::int64_t since) {
	scratch_.clear();
	core::Advance(model_, Input(before, record->grade), now_, core::TransitionCause::Decay, record, &scratch_);
	if (history != nullptr)
		core::AdvanceThroughHistory(model_, *history, Input(after, record->grade), since, now_, record, &scratch_);
	core::Advance(model_, Input(after, record->grade), now_, cause_, record, &scratch_);
	// A move up that Advance saw at now_ happened in the history, earlier.
	if (history != nullptr && history->mql_at != core::kNoTime)
		record->mql_at = history->mql_at;
	if (history != nullptr && history->sql_at != core::kNoTime)
		record->sql_at = history->sql_at;
	for (const core::Transition &t : scratch_)
		events_.push_back(LeadEvent{key, t});
	if (accounts_)
		shares_.push_back(ShareChange{key, Share(model_, before), Share(model_, after)});
}

void ModelEffects::FoldDue(LifecycleLead *lead, const std::vector<core::LeadState::Pending> &due) {
	if (due.empty())
		return;
	LeadSide before = LeadSide::Of(*lead);
	std::vector<double> before_stages = lead->stages;
	before.stages = before_stages.data();
	scratch_.clear();
	for (std::size_t k = 0; k < due.size();) {
		// Scorings at one time land together.
		std::int64_t at = due[k].at;
		core::Advance(model_, lead->Input(), at, core::TransitionCause::Decay, &lead->record, &scratch_);
		for (; k < due.size() && due[k].at == at; k++)
			core::AddScoring(due[k], &lead->stored, &lead->stages);
		core::Advance(model_, lead->Input(), at, core::TransitionCause::Decay, &lead->record, &scratch_);
	}
	for (const core::Transition &t : scratch_)
		events_.push_back(LeadEvent{lead->key, t});
	if (accounts_)
		shares_.push_back(ShareChange{lead->key, Share(model_, before), Share(model_, LeadSide::Of(*lead))});
}

void ModelEffects::Forget(const std::vector<Datum> &leads, const KeyType &kt) {
	if (leads.empty())
		return;
	std::set<std::string> gone;
	for (Datum key : leads)
		gone.insert(KeyBytes(key, kt.oid));
	auto dropped = [&](Datum key) { return gone.count(KeyBytes(key, kt.oid)) > 0; };
	events_.erase(std::remove_if(events_.begin(), events_.end(), [&](const LeadEvent &e) { return dropped(e.key); }),
	              events_.end());
	shares_.erase(
	    std::remove_if(shares_.begin(), shares_.end(), [&](const ShareChange &c) { return dropped(c.lead); }),
	    shares_.end());
}

namespace {

// The shares of leads newly mapped to an account in models where this
// statement did not touch them: their whole share joins the account too.
// Locks those lead rows now, before any account row (the statement's lock
// order).
std::vector<std::vector<ModelEffects::ShareChange>> UntouchedShares(const KeyType &kt,
                                                                      const std::vector<ModelEffects> &effects,
                                                                      const std::set<std::string> &newly_mapped,
                                                                      const FirstAccounts &first) {
	std::vector<std::vector<ModelEffects::ShareChange>> extra(effects.size());
	if (newly_mapped.empty())
		return extra;
	for (std::size_t m = 0; m < effects.size(); m++) {
		std::set<std::string> touched;
		for (const auto &c : effects[m].shares())
			touched.insert(KeyBytes(c.lead, kt.oid));
		std::vector<Datum> leads;
		for (Datum lead : first.leads) {
			std::string bytes = KeyBytes(lead, kt.oid);
			if (newly_mapped.count(bytes) && !touched.count(bytes))
				leads.push_back(lead);
		}
		if (leads.empty())
			continue;
		const core::ModelSpec &model = effects[m].model();
		for (const LifecycleLead &l : LockLifecycle(kt, model, leads))
			extra[m].push_back({l.key, {}, Share(model, LeadSide::Of(l))});
	}
	return extra;
}

} // namespace

void ReportEffects(const KeyType &kt, const KeyType &akt, const std::vector<ModelEffects> &effects,
                   const FirstAccounts &first, std::int64_t now) {
	for (const ModelEffects &fx : effects)
		InsertEvents(kt, fx.model(), fx.events(), true);
	if (akt.oid == InvalidOid)
		return;
	std::set<std::string> newly_mapped = MapFirstAccounts(kt, akt, first);
	std::vector<std::vector<ModelEffects::ShareChange>> extra = UntouchedShares(kt, effects, newly_mapped, first);
	std::vector<Datum> leads;
	for (std::size_t m = 0; m < effects.size(); m++) {
		for (const auto &c : effects[m].shares())
			leads.push_back(c.lead);
		for (const auto &c : extra[m])
			leads.push_back(c.lead);
	}
	if (leads.empty())
		return;
	std::vector<LeadAccount> accounts = LookupAccounts(kt, akt, leads);
	std::size_t next = 0;
	for (std::size_t m = 0; m < effects.size(); m++) {
		std::vector<AccountDelta> deltas;
		auto add = [&](const ModelEffects::ShareChange &c) {
			const LeadAccount &a = accounts[next++];
			if (!a.has_account)
				return;
			AccountDelta d{a.account, c.after, c.lead};
			// A lead new to its account brings its whole share; otherwise
			// the account already holds `before`.
			if (newly_mapped.count(KeyBytes(c.lead, kt.oid)) == 0)
				core::AddShare(c.before, -1, &d.share);
			deltas.push_back(std::move(d));
		};
		for (const auto &c : effects[m].shares())
			add(c);
		for (const auto &c : extra[m])
			add(c);
		MergeAccountDeltas(akt, &deltas);
		ApplyAccountDeltas(akt, effects[m].model(), deltas, now, effects[m].cause());
	}
}

} // namespace leadscore::pg
