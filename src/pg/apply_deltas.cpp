// The write half of the activity trigger.
#include "pg/apply_deltas.hpp"

#include "pg/deferred_reloads.hpp"
#include "pg/guard.hpp"
#include "pg/lead_history.hpp"
#include "pg/state_buffers.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <vector>

namespace leadscore::pg {
namespace {

Datum KeyOf(const TablePlan *tp, const core::ModelBatch &mb, std::size_t i) {
	return tp->leads.keys()[mb.leads()[i].lead];
}

void AddBlind(TablePlan *tp, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &blind) {
	const core::ModelBatch &mb = tp->batch->model(m);
	ColumnBuffers b;
	for (std::size_t i : blind)
		PushDelta(&b, KeyOf(tp, mb, i), mb, i);
	StateColumns columns = b.View(static_cast<int>(mb.stage_count()));
	std::int32_t model_id = tp->plan->model(m).spec().id;
	CallPg([&] { AddToStates(kt, model_id, columns); });
}

// Locks the rows of `leads` (delta indexes) that exist and returns them as
// SPI read them.
std::vector<StateRow *> LockRows(TablePlan *tp, const KeyType &kt, std::size_t m,
                                 const std::vector<std::size_t> &leads) {
	const core::ModelBatch &mb = tp->batch->model(m);
	std::int32_t model_id = tp->plan->model(m).spec().id;
	std::vector<Datum> keys;
	keys.reserve(leads.size());
	for (std::size_t i : leads)
		keys.push_back(KeyOf(tp, mb, i));
	int n = static_cast<int>(keys.size());
	std::uint64_t rows = CallPg([&] {
		LockStates(kt, model_id, n, keys.data());
		return SPI_processed;
	});
	std::vector<StateRow *> read(rows);
	for (std::uint64_t r = 0; r < rows; r++)
		read[r] = CallPg([&] { return ReadStateRow(r); });
	return read;
}

// Inserts the rows of the leads of `fresh` that have none, with their final
// state: ApplyLeadDelta on an empty state, so a new lead is written once.
// The rows of the others are locked.  Returns the leads whose rows must
// still be read, applied and written: those that had a row (they exist, or
// a concurrent writer inserted them first), and those whose delta needs
// their history (a deletion for a lead without state): they get a
// placeholder row, an empty state, so that they too are locked.
std::vector<std::size_t> InsertFresh(TablePlan *tp, const KeyType &kt, std::size_t m,
                                     const std::vector<std::size_t> &fresh) {
	const core::ModelBatch &mb = tp->batch->model(m);
	const core::CompiledModel &model = tp->plan->model(m);
	std::int32_t model_id = model.spec().id;
	ColumnBuffers b;
	core::LeadState state;
	std::vector<char> placeholder(fresh.size(), 0);
	for (std::size_t k = 0; k < fresh.size(); k++) {
		state.Clear(model);
		if (core::ApplyLeadDelta(model, mb, fresh[k], &state).needs_reload) {
			state.Clear(model);
			placeholder[k] = 1;
		}
		PushState(&b, KeyOf(tp, mb, fresh[k]), state);
	}
	StateColumns columns = b.View(static_cast<int>(model.stage_count()));
	std::uint64_t inserted = CallPg([&] {
		InsertStates(kt, model_id, columns);
		return SPI_processed;
	});

	// Usually every lead was new; otherwise find out which were not.
	std::vector<char> done(fresh.size(), inserted == fresh.size());
	if (inserted < fresh.size()) {
		std::vector<std::int64_t> position(tp->leads.keys().size(), -1);
		for (std::size_t k = 0; k < fresh.size(); k++)
			position[mb.leads()[fresh[k]].lead] = static_cast<std::int64_t>(k);
		SPITupleTable *returned = SPI_tuptable;
		for (std::uint64_t r = 0; r < inserted; r++) {
			Datum key = CallPg([&] {
				bool isnull;
				return SPI_getbinval(returned->vals[r], returned->tupdesc, 1, &isnull);
			});
			std::uint32_t lead = tp->leads.Find(kt, key);
			if (lead != kNoLead && position[lead] >= 0)
				done[static_cast<std::size_t>(position[lead])] = 1;
		}
	}
	std::vector<std::size_t> again;
	for (std::size_t k = 0; k < fresh.size(); k++)
		if (!done[k] || placeholder[k])
			again.push_back(fresh[k]);
	return again;
}

// Applies the deltas to locked rows and writes them back.
void ApplyRows(TablePlan *tp, const KeyType &kt, std::size_t m, const std::vector<StateRow *> &rows) {
	if (rows.empty())
		return;
	const core::ModelBatch &mb = tp->batch->model(m);
	const core::CompiledModel &model = tp->plan->model(m);
	std::int32_t model_id = model.spec().id;
	// Which delta each row belongs to, through the statement's lead map.
	std::vector<std::int64_t> delta_of_lead(tp->leads.keys().size(), -1);
	for (std::size_t i = 0; i < mb.leads().size(); i++)
		delta_of_lead[mb.leads()[i].lead] = static_cast<std::int64_t>(i);

	ColumnBuffers b;
	core::LeadState state;
	for (StateRow *row : rows) {
		std::uint32_t lead = tp->leads.Find(kt, row->key);
		if (lead == kNoLead || delta_of_lead[lead] < 0)
			continue;
		auto i = static_cast<std::size_t>(delta_of_lead[lead]);
		bool fits = ToLeadState(model, *row, &state);
		core::ApplyOutcome outcome;
		if (fits)
			outcome = core::ApplyLeadDelta(model, mb, i, &state);
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
	if (b.keys.empty())
		return;
	StateColumns columns = b.View(static_cast<int>(model.stage_count()));
	CallPg([&] { WriteStates(kt, model_id, columns); });
}

// The locked path (state_store.hpp): one lead waits for its row first and
// is inserted only if it has none; several go through InsertFresh, whose
// key-ordered pass is the only place they wait for other writers.
void ApplyLocked(TablePlan *tp, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &locked) {
	std::vector<StateRow *> rows;
	std::vector<std::size_t> fresh;
	if (locked.size() == 1) {
		rows = LockRows(tp, kt, m, locked);
		if (rows.empty())
			fresh = locked;
	} else {
		fresh = locked;
	}
	if (!fresh.empty()) {
		std::vector<std::size_t> again = InsertFresh(tp, kt, m, fresh);
		if (!again.empty())
			rows = LockRows(tp, kt, m, again);
	}
	ApplyRows(tp, kt, m, rows);
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
	std::vector<std::size_t> &leads = locked.empty() ? blind : locked;
	if (!locked.empty())
		locked.insert(locked.end(), blind.begin(), blind.end());
	tp->leads.SortByKey(&leads, [&](std::size_t i) { return mb.leads()[i].lead; });
	if (!locked.empty())
		ApplyLocked(tp, kt, m, locked);
	else if (!blind.empty())
		AddBlind(tp, kt, m, blind);
}

} // namespace leadscore::pg
