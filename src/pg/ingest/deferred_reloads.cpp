// Reloads that wait for rows still to be scored.  See deferred_reloads.hpp.
#include "pg/ingest/deferred_reloads.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/lead_effects.hpp"
#include "pg/ingest/lead_history.hpp"
#include "pg/state/account_store.hpp"
#include "pg/state/lifecycle_store.hpp"
#include "pg/state/state_buffers.hpp"

extern "C" {
#include "access/xact.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

struct Deferred {
	int depth;
	std::int32_t model_id;
	Datum key; // in TopTransactionContext
	KeyType kt;
};

int pending_level = 0;
// Created on first use: a static object's constructor would run at
// dlopen, outside any Guarded().
std::vector<Deferred> *deferred = nullptr;

} // namespace

void ReloadLead(std::int32_t model_id, Datum key, const KeyType &kt, const KeyType &akt, std::int64_t now,
                core::TransitionCause cause) {
	const core::CompiledModel *model = CompiledModelById(model_id);
	if (model == nullptr)
		return;
	// The row as the statement's triggers left it: the lead is locked,
	// and its record and account share are what the reload moves from.
	std::vector<LifecycleLead> before = LockLifecycle(kt, model->spec(), {key});
	core::Recomputed recomputed;
	RecomputeLead(kt, key, *model, &recomputed);
	ColumnBuffers b;
	PushState(&b, key, recomputed.state);
	StateColumns columns = b.View(static_cast<int>(model->stage_count()), model->spec().momentum_ranking);
	PutStates(kt, model_id, columns);
	LifecycleLead after = before.empty() ? LifecycleLead{key} : before[0];
	std::vector<ModelEffects> effects;
	effects.emplace_back(model->spec(), now, akt.oid != InvalidOid, cause);
	LeadSide from = before.empty() ? LeadSide{} : LeadSide::Of(before[0]);
	effects[0].Track(key, from, LeadSide::Of(recomputed.state), &after.record);
	WriteLifecycle(kt, model->spec(), {after});
	ReportEffects(kt, akt, effects, FirstAccounts{}, now);
}

void SetPendingLevel(int depth) {
	pending_level = depth;
}

bool ReloadsWait() {
	return pending_level > 0;
}

void DeferReload(std::int32_t model_id, Datum key, const KeyType &kt) {
	if (deferred == nullptr)
		deferred = new std::vector<Deferred>();
	Datum copy = CallPg([&] {
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
		Datum c = CopyKey(key, kt);
		MemoryContextSwitchTo(old);
		return c;
	});
	deferred->push_back(Deferred{pending_level, model_id, copy, kt});
}

bool HasReloads(int depth) {
	if (deferred == nullptr)
		return false;
	for (const Deferred &d : *deferred)
		if (d.depth == depth)
			return true;
	return false;
}

// Takes this depth's entries out of the list first (so a reload that
// errors leaves nothing behind).
void RunReloads(int depth) {
	if (deferred == nullptr)
		return;
	std::vector<Deferred> mine;
	for (const Deferred &d : *deferred)
		if (d.depth == depth)
			mine.push_back(d);
	if (mine.empty())
		return;
	DropReloads(depth);
	std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	KeyType akt = AccountKeyType();
	for (const Deferred &d : mine)
		ReloadLead(d.model_id, d.key, d.kt, akt, now, core::TransitionCause::Activity);
}

void DropReloads(int depth) {
	if (deferred == nullptr)
		return;
	std::size_t kept = 0;
	for (std::size_t i = 0; i < deferred->size(); i++)
		if ((*deferred)[i].depth < depth)
			(*deferred)[kept++] = (*deferred)[i];
	deferred->resize(kept);
}

} // namespace leadscore::pg
