// Scoring a statement's rows.  See score_scratch.hpp.
#include "pg/ingest/score_scratch.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/ingest/apply_deltas.hpp"
#include "pg/state/ingest_log.hpp"
#include "pg/state/state_buffers.hpp"
#include "pg/state/state_store.hpp"

extern "C" {
#include "access/xact.h"
}

#include <algorithm>
#include <vector>

namespace leadscore::pg {
namespace {

// The leads whose earliest inserted row named an account (NoteAccount in
// transition_rows.cpp), for ReportEffects.
FirstAccounts FirstAccountsOf(const StatementScratch *st) {
	FirstAccounts first;
	for (std::size_t lead = 0; lead < st->first_account_at.size(); lead++)
		if (st->first_account_at[lead] != core::kNoTime) {
			first.leads.push_back(st->leads.keys()[lead]);
			first.accounts.push_back(st->first_account[lead]);
		}
	return first;
}

void Finish(StatementScratch *st) {
	if (!st->finished)
		st->batch->Finish();
	st->finished = true;
}

// Whether st's plan scores model `model_id`, and at which index *m.
bool FindModel(const StatementScratch *st, std::int32_t model_id, std::size_t *m) {
	for (*m = 0; *m < st->tp->plan->model_count(); (*m)++)
		if (st->tp->plan->model(*m).spec().id == model_id)
			return true;
	return false;
}

// The keys of the leads the scratches will write in model `model_id`, in
// the one key order, each once.
std::vector<Datum> LeadsToWrite(const std::vector<StatementScratch *> &scratches, std::int32_t model_id,
                                const KeyType &kt) {
	std::vector<Datum> keys;
	for (StatementScratch *st : scratches) {
		std::size_t m;
		if (!FindModel(st, model_id, &m))
			continue;
		for (const core::LeadDelta &d : st->batch->model(m).leads())
			if (!d.noop)
				keys.push_back(st->leads.keys()[d.lead]);
	}
	auto less = [&](Datum a, Datum b) { return LeadMap::KeyLess(kt, a, b); };
	std::sort(keys.begin(), keys.end(), less);
	keys.erase(std::unique(keys.begin(), keys.end(), [&](Datum a, Datum b) { return !less(a, b) && !less(b, a); }),
	           keys.end());
	return keys;
}

} // namespace

void LockLeadsOf(const std::vector<StatementScratch *> &scratches) {
	for (StatementScratch *st : scratches)
		Finish(st);
	const TablePlan *tp = scratches.front()->tp;
	const KeyType &kt = tp->key_type;
	for (std::size_t m = 0; m < tp->plan->model_count(); m++) {
		const core::CompiledModel &model = tp->plan->model(m);
		std::vector<Datum> keys = LeadsToWrite(scratches, model.spec().id, kt);
		if (keys.empty())
			continue;
		ColumnBuffers b;
		core::LeadState empty;
		empty.Clear(model);
		core::LifecycleRecord record;
		for (Datum key : keys) {
			PushState(&b, key, empty);
			PushRecord(&b, model.spec(), record);
		}
		StateColumns columns = b.View(static_cast<int>(model.stage_count()), model.spec().momentum_ranking);
		std::vector<Datum> inserted;
		InsertStates(kt, model.spec().id, columns, &inserted);
	}
}

void ScoreScratch(StatementScratch *st) {
	// Scored where its rows were read: on their shard's tables.
	ShardScope shard(st->shard);
	TablePlan *tp = st->tp;
	const KeyType &kt = tp->key_type;
	Finish(st);
	std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	bool accounts = tp->account_key_type.oid != InvalidOid;
	std::vector<ModelEffects> effects;
	effects.reserve(tp->plan->model_count());
	for (std::size_t m = 0; m < tp->plan->model_count(); m++) {
		effects.emplace_back(tp->plan->model(m).spec(), now, accounts);
		ApplyModel(st, kt, m, &effects.back());
	}
	ReportEffects(kt, tp->account_key_type, effects, FirstAccountsOf(st), now);
	const core::IngestStats &stats = st->batch->stats();
	if (st->skipped != 0 || stats.unknown_type != 0 || stats.points_unscored != 0)
		AppendIngestLog(tp->table.relid, st->skipped, stats.unknown_type, stats.points_unscored);
}

} // namespace leadscore::pg
