// The write half of the activity trigger.
#include "pg/apply_deltas.hpp"

#include "pg/datum_value.hpp"
#include "pg/deferred_reloads.hpp"
#include "pg/guard.hpp"
#include "pg/lead_history.hpp"
#include "pg/lead_key.hpp"
#include "pg/state_buffers.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

void AddBlind(TablePlan *tp, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &blind) {
	const core::ModelBatch &mb = tp->batch->model(m);
	ColumnBuffers b;
	for (std::size_t i : blind) {
		const core::LeadDelta &d = mb.leads()[i];
		b.keys.push_back(tp->keys[d.lead]);
		b.stored.push_back(d.stored);
		b.stages.insert(b.stages.end(), mb.stage_deltas(i), mb.stage_deltas(i) + mb.stage_count());
		b.counts.push_back(d.activity_count);
		PushTime(&b, d.max_inserted_at);
	}
	StateColumns columns = b.View(static_cast<int>(mb.stage_count()));
	std::int32_t model_id = tp->plan->model(m).spec().id;
	CallPg([&] { AddToStates(kt, model_id, columns); });
}

// Locks the leads' state rows in key order (creating missing ones) and
// returns them as SPI read them.
std::vector<StateRow *> LockRows(TablePlan *tp, const KeyType &kt, std::size_t m,
                                 const std::vector<std::size_t> &locked) {
	const core::ModelBatch &mb = tp->batch->model(m);
	const core::CompiledModel &model = tp->plan->model(m);
	std::int32_t model_id = model.spec().id;
	std::vector<Datum> keys;
	for (std::size_t i : locked)
		keys.push_back(tp->keys[mb.leads()[i].lead]);
	int n = static_cast<int>(keys.size());
	int stage_count = static_cast<int>(model.stage_count());
	CallPg([&] { LockStates(kt, model_id, n, keys.data(), stage_count); });
	std::uint64_t rows = SPI_processed;
	std::vector<StateRow *> read(rows);
	for (std::uint64_t r = 0; r < rows; r++)
		read[r] = CallPg([&] { return ReadStateRow(r); });
	return read;
}

void ApplyLocked(TablePlan *tp, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &locked) {
	const core::ModelBatch &mb = tp->batch->model(m);
	const core::CompiledModel &model = tp->plan->model(m);
	std::int32_t model_id = model.spec().id;
	std::vector<StateRow *> rows = LockRows(tp, kt, m, locked);
	// Which delta each locked row belongs to, through the statement's map.
	std::vector<std::int64_t> delta_of_lead(tp->keys.size(), -1);
	for (std::size_t i : locked)
		delta_of_lead[mb.leads()[i].lead] = static_cast<std::int64_t>(i);

	ColumnBuffers b;
	core::LeadState state;
	for (StateRow *row : rows) {
		tp->key_buffer.clear();
		CallPg([&] { AppendKeyBytes(row->key, kt.oid, &tp->key_buffer); });
		auto found = tp->lead_index.find(tp->key_buffer);
		if (found == tp->lead_index.end())
			continue;
		std::int64_t i = delta_of_lead[found->second];
		bool fits = ToLeadState(model, *row, &state);
		core::ApplyOutcome outcome;
		if (fits)
			outcome = core::ApplyLeadDelta(model, mb, static_cast<std::size_t>(i), &state);
		if ((!fits || outcome.needs_reload) && InQueryFinish()) {
			// Another trigger of this statement may follow: reload after it.
			DeferReload(model_id, row->key, kt);
			continue;
		}
		if (!fits || outcome.needs_reload) {
			core::Recomputed recomputed;
			RecomputeLead(kt, row->key, model, &recomputed);
			state = recomputed.state;
		}
		PushState(&b, row->key, state);
	}
	StateColumns columns = b.View(static_cast<int>(model.stage_count()));
	CallPg([&] { WriteStates(kt, model_id, columns); });
}

} // namespace

void ApplyModel(TablePlan *tp, const KeyType &kt, std::size_t m) {
	const core::ModelBatch &mb = tp->batch->model(m);
	std::vector<std::size_t> blind, locked;
	for (std::size_t i = 0; i < mb.leads().size(); i++) {
		const core::LeadDelta &d = mb.leads()[i];
		if (d.noop)
			continue;
		bool simple = d.caps_begin == d.caps_end && d.max_deleted_at == core::kNoTime;
		(simple ? blind : locked).push_back(i);
	}
	// Locks must be taken in one key-ordered pass per model, or two
	// statements mixing both paths in opposite key order deadlock: once
	// any lead needs its row locked, every lead of the batch is.
	if (!locked.empty()) {
		locked.insert(locked.end(), blind.begin(), blind.end());
		ApplyLocked(tp, kt, m, locked);
	} else if (!blind.empty()) {
		AddBlind(tp, kt, m, blind);
	}
}

} // namespace leadscore::pg
