// The write half of the activity trigger.
#include "pg/ingest/apply_deltas.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/ingest/deferred_reloads.hpp"
#include "pg/ingest/lead_history.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/state/lifecycle_store.hpp"
#include "pg/state/state_buffers.hpp"
#include "pg/state/walk_queue.hpp"

extern "C" {
#include "executor/spi.h"
}

#include <algorithm>
#include <optional>
#include <vector>

namespace leadscore::pg {
namespace {

Datum KeyOf(const StatementScratch *st, const core::ModelBatch &mb, std::size_t i) {
	return st->leads.keys()[mb.leads()[i].lead];
}

// By position in `keys`, the leads with a reset, looked up again once the
// statement holds their rows (locked, or written by the additive upsert).
// reset() writes its ledger row and reloads the lead under that row's lock,
// so a reset that ApplyModel's lookup missed (it committed while this
// statement waited for the lead) is seen now, read as the reload reads the
// ledger.  Only for a model with resets: a model's first reset waits for
// the writers already running instead (_ledger_entry,
// src/sql/adjustments.sql).
template <typename Rows, typename KeyOfRow>
std::vector<char> LateResets(const KeyType &kt, const core::ModelSpec &spec, const Rows &rows, KeyOfRow key_of) {
	if (!spec.resets || rows.empty())
		return std::vector<char>(rows.size(), 0);
	std::vector<Datum> keys;
	keys.reserve(rows.size());
	for (const auto &row : rows)
		keys.push_back(key_of(row));
	return LeadsWithReset(kt, spec, keys);
}

// The statement's earliest row of the lead of delta `i` (kNoTime: it
// inserted none).
std::int64_t EarliestRow(const StatementScratch *st, const core::ModelBatch &mb, std::size_t i) {
	std::uint32_t lead = mb.leads()[i].lead;
	return lead < st->earliest_at.size() ? st->earliest_at[lead] : core::kNoTime;
}

// What the lead of delta `i` needs when the statement brought rows dated
// before its record (without a record: before the statement's now), so
// that its mql_at and sql_at are the crossings of its history, not the
// statement's time; rows in time order need nothing.  A new lead whose
// rows all lie at one time is walked here: its sum is its score then.  A
// lead that cannot have reached a threshold since its earliest such row
// needs nothing either (core::MayHaveCrossed).  The others go to `queue`,
// for tick() to walk their history (maintenance/queued_walks.hpp): a
// back-dated load reads nothing back.  `record`: the lead's before the
// statement; `had_rows`: whether it had activity then; `stored`: its sum
// after.
std::optional<core::HistoryCrossings> HistoryOf(StatementScratch *st, std::size_t m, std::size_t i,
                                                const core::LifecycleRecord &record, bool had_rows, double stored,
                                                std::int64_t now, WalkQueue *queue) {
	const core::ModelBatch &mb = st->batch->model(m);
	const core::ModelSpec &spec = st->tp->plan->model(m).spec();
	std::int64_t earliest = EarliestRow(st, mb, i);
	std::int64_t recorded = record.checked_at != core::kNoTime ? record.checked_at : now;
	if (earliest == core::kNoTime || earliest >= recorded)
		return std::nullopt;
	if (!had_rows && earliest == mb.leads()[i].max_inserted_at)
		return core::CrossingAt(spec, stored, earliest, record.grade);
	if (core::MayHaveCrossed(spec, stored, earliest))
		queue->Add(KeyOf(st, mb, i), earliest);
	return std::nullopt;
}

// ModelEffects::Track with what HistoryOf found for the lead of delta `i`.
void Track(ModelEffects *fx, StatementScratch *st, std::size_t m, std::size_t i, Datum key, const LeadSide &before,
           const LeadSide &after, core::LifecycleRecord *record, bool had_rows, WalkQueue *queue) {
	std::optional<core::HistoryCrossings> history =
	    HistoryOf(st, m, i, *record, had_rows, after.stored, fx->now(), queue);
	fx->Track(key, before, after, record, history ? &*history : nullptr, EarliestRow(st, st->batch->model(m), i));
}

// The additive path: one upsert, no read before it.  It returns the rows as
// they are now; their records are advanced in C++ from the state before
// (now minus the delta) to the state after, and written back only when they
// report something, a crossing moved earlier (a negative rule) or a walk of
// back-dated rows moved mql_at or sql_at.  A record
// left as it was stays sound: added points only move a due time later, and
// tick() looks again at a lead that turns out not to be due yet.  A lead
// whose reset the upsert waited for is recomputed and written again.
void AddBlind(StatementScratch *st, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &blind,
              ModelEffects *fx) {
	const core::ModelBatch &mb = st->batch->model(m);
	const core::ModelSpec &spec = st->tp->plan->model(m).spec();
	ColumnBuffers b;
	for (std::size_t i : blind)
		PushDelta(&b, KeyOf(st, mb, i), mb, i);
	StateColumns columns = b.View(static_cast<int>(mb.stage_count()), spec.momentum_ranking);
	std::vector<LifecycleLead> leads = AddToStates(kt, spec, columns);
	std::vector<std::int64_t> delta_of_lead(st->leads.keys().size(), -1);
	for (std::size_t i : blind)
		delta_of_lead[mb.leads()[i].lead] = static_cast<std::int64_t>(i);
	std::vector<char> late = LateResets(kt, spec, leads, [](const LifecycleLead &l) { return l.key; });
	WalkQueue queue;
	std::vector<std::size_t> late_rows;
	std::vector<Datum> late_keys;
	std::vector<LifecycleLead> changed;
	std::vector<double> before_stages;
	for (std::size_t r = 0; r < leads.size(); r++) {
		LifecycleLead &after = leads[r];
		std::uint32_t lead = st->leads.Find(kt, after.key);
		if (lead == kNoLead || delta_of_lead[lead] < 0)
			continue;
		auto i = static_cast<std::size_t>(delta_of_lead[lead]);
		const core::LeadDelta &d = mb.leads()[i];
		before_stages.assign(after.stages.begin(), after.stages.end());
		for (std::size_t k = 0; k < before_stages.size() && k < mb.stage_count(); k++)
			before_stages[k] -= mb.stage_deltas(i)[k];
		LeadSide before{after.stored - d.stored, before_stages.data(), before_stages.size(),
		                after.activity_count - d.activity_count};
		if (late[r] && !ReloadsWait()) {
			// Tracked from `before` once recomputed, below.
			after.stored = before.stored;
			after.stages = before_stages;
			after.activity_count = before.activity_count;
			late_rows.push_back(r);
			late_keys.push_back(after.key);
			continue;
		}
		// Rows still to be scored: the recompute waits for them.
		if (late[r])
			DeferReload(spec.id, after.key, kt);
		core::LifecycleRecord was = after.record;
		std::size_t reported = fx->events().size();
		Track(fx, st, m, i, after.key, before, LeadSide::Of(after), &after.record, before.activity_count != 0, &queue);
		bool earlier = after.record.due_at != core::kNoTime &&
		               (was.due_at == core::kNoTime || after.record.due_at < was.due_at);
		bool moved = after.record.mql_at != was.mql_at || after.record.sql_at != was.sql_at; // a walk's times
		if (fx->events().size() != reported || earlier || moved)
			changed.push_back(after);
	}
	WriteLifecycle(kt, spec, changed);
	QueueWalks(kt, spec.id, queue);
	if (late_keys.empty())
		return;
	const core::CompiledModel &model = st->tp->plan->model(m);
	ColumnBuffers rb;
	RecomputeLeads(kt, late_keys, model, [&](std::size_t k, const core::Recomputed &recomputed) {
		LifecycleLead &lead = leads[late_rows[k]];
		PushState(&rb, lead.key, recomputed.state);
		fx->Track(lead.key, LeadSide::Of(lead), LeadSide::Of(recomputed.state), &lead.record);
		core::WakeForPending(recomputed.state.pending, &lead.record);
		PushRecord(&rb, spec, lead.record);
	});
	StateColumns recomputed_columns = rb.View(static_cast<int>(mb.stage_count()), spec.momentum_ranking);
	WriteStates(kt, spec.id, recomputed_columns);
}

// The lead of delta `i` has a reset: its rows dated before it must not
// count, which only its history tells.
bool Resets(const StatementScratch *st, std::size_t i) {
	return i < st->reset_leads.size() && st->reset_leads[i];
}

// The keys of `leads` (delta indexes), in their order.
std::vector<Datum> KeysOf(StatementScratch *st, std::size_t m, const std::vector<std::size_t> &leads) {
	const core::ModelBatch &mb = st->batch->model(m);
	std::vector<Datum> keys;
	keys.reserve(leads.size());
	for (std::size_t i : leads)
		keys.push_back(KeyOf(st, mb, i));
	return keys;
}

// Locks the rows of `leads` (delta indexes) that exist and reads them, in
// key order.
LockedStates LockRows(StatementScratch *st, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &leads) {
	return LockStates(kt, st->tp->plan->model(m).spec(), KeysOf(st, m, leads));
}

// LockAllStates of `leads` (delta indexes, in key order).
bool LockAllRows(StatementScratch *st, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &leads,
                 LockedStates *rows) {
	return LockAllStates(kt, st->tp->plan->model(m).spec(), KeysOf(st, m, leads), rows);
}

// Inserts the rows of the leads of `fresh` that have none, with their final
// state: ApplyLeadDelta on an empty state, so a new lead is written once.
// The rows of the others are locked.  Returns the leads whose rows must
// still be read, applied and written: those that had a row (they exist, or
// a concurrent writer inserted them first), and those whose delta needs
// their history (a deletion for a lead without state): they get a
// placeholder row, an empty state, so that they too are locked.
std::vector<std::size_t> InsertFresh(StatementScratch *st, const KeyType &kt, std::size_t m,
                                     const std::vector<std::size_t> &fresh, ModelEffects *fx) {
	const core::ModelBatch &mb = st->batch->model(m);
	const core::CompiledModel &model = st->tp->plan->model(m);
	std::int32_t model_id = model.spec().id;
	ColumnBuffers b;
	core::LeadState empty, state;
	empty.Clear(model);
	std::vector<char> placeholder(fresh.size(), 0);
	WalkQueue queue;
	for (std::size_t k = 0; k < fresh.size(); k++) {
		state.Clear(model);
		if (core::ApplyLeadDelta(model, mb, fresh[k], &state).needs_reload || Resets(st, fresh[k])) {
			state.Clear(model);
			placeholder[k] = 1;
		}
		Datum key = KeyOf(st, mb, fresh[k]);
		PushState(&b, key, state);
		// A new lead's record starts empty; placeholders are tracked when
		// their real state is written.
		core::LifecycleRecord record;
		if (!placeholder[k])
			Track(fx, st, m, fresh[k], key, LeadSide::Of(empty), LeadSide::Of(state), &record, false, &queue);
		PushRecord(&b, model.spec(), record);
	}
	StateColumns columns = b.View(static_cast<int>(model.stage_count()), model.spec().momentum_ranking);
	std::vector<Datum> inserted;
	std::uint64_t count = InsertStates(kt, model_id, columns, &inserted);
	// Every lead of the queue now has its row locked (another writer's
	// lead too, applied again below: queued twice, kept once).
	QueueWalks(kt, model_id, queue);

	// Usually every lead was new; otherwise find out which were not.
	std::vector<char> done(fresh.size(), count == fresh.size());
	if (count < fresh.size()) {
		std::vector<std::int64_t> position(st->leads.keys().size(), -1);
		for (std::size_t k = 0; k < fresh.size(); k++)
			position[mb.leads()[fresh[k]].lead] = static_cast<std::int64_t>(k);
		for (Datum key : inserted) {
			std::uint32_t lead = st->leads.Find(kt, key);
			if (lead != kNoLead && position[lead] >= 0)
				done[static_cast<std::size_t>(position[lead])] = 1;
		}
	}
	std::vector<std::size_t> again;
	std::vector<Datum> not_inserted;
	for (std::size_t k = 0; k < fresh.size(); k++) {
		if (!done[k] || placeholder[k])
			again.push_back(fresh[k]);
		if (!done[k] && !placeholder[k])
			not_inserted.push_back(KeyOf(st, mb, fresh[k]));
	}
	// Leads another writer created first are tracked again from their rows.
	fx->Forget(not_inserted, kt);
	return again;
}

// The new state of each locked row, and whether to write it: its delta
// applied, or its history recomputed, all such leads in one read (a
// frequency window reloads every lead it touches).  A lead whose history
// still has rows to score is reloaded after them, not written now.  The
// silence scorings that fell due since the row was written are reported
// and folded into the row's side first (FoldDue), so the statement's
// change starts from the score lead_scores shows.
std::vector<char> NewStates(StatementScratch *st, const KeyType &kt, std::size_t m, LockedStates &locked,
                            std::vector<core::LeadState> *states, ModelEffects *fx) {
	const std::vector<StateRow *> &rows = locked.rows;
	const core::ModelBatch &mb = st->batch->model(m);
	const core::CompiledModel &model = st->tp->plan->model(m);
	// Which delta each row belongs to, through the statement's lead map.
	std::vector<std::int64_t> delta_of_lead(st->leads.keys().size(), -1);
	for (std::size_t i = 0; i < mb.leads().size(); i++)
		delta_of_lead[mb.leads()[i].lead] = static_cast<std::int64_t>(i);

	std::vector<char> late = LateResets(kt, model.spec(), rows, [](const StateRow *row) { return row->key; });

	states->assign(rows.size(), core::LeadState());
	std::vector<char> write(rows.size(), 0);
	std::vector<std::size_t> reload_rows;
	std::vector<Datum> reload_keys;
	for (std::size_t r = 0; r < rows.size(); r++) {
		std::uint32_t lead = st->leads.Find(kt, rows[r]->key);
		if (lead == kNoLead || delta_of_lead[lead] < 0)
			continue;
		bool fits = ToLeadState(model, *rows[r], &(*states)[r]);
		core::ApplyOutcome outcome;
		if (fits)
			outcome = core::ApplyLeadDelta(model, mb, static_cast<std::size_t>(delta_of_lead[lead]), &(*states)[r]);
		outcome.needs_reload =
		    outcome.needs_reload || Resets(st, static_cast<std::size_t>(delta_of_lead[lead])) || late[r];
		// With no activity left ApplyLeadDelta sets the sums to exactly 0,
		// but the lead's adjustments still count: only the recompute reads
		// them.
		if (fits && model.spec().ledger && (*states)[r].activity_count == 0)
			outcome.needs_reload = true;
		if ((!fits || outcome.needs_reload) && ReloadsWait()) {
			DeferReload(model.spec().id, rows[r]->key, kt);
			continue;
		}
		write[r] = 1;
		std::vector<core::LeadState::Pending> &pending = (*states)[r].pending;
		auto due = std::find_if(pending.begin(), pending.end(),
		                        [&](const core::LeadState::Pending &p) { return p.at > fx->now(); });
		if (due != pending.begin()) {
			fx->FoldDue(&locked.records[r], {pending.begin(), due});
			core::FoldPending(&(*states)[r], fx->now());
		}
		if (!fits || outcome.needs_reload) {
			reload_rows.push_back(r);
			reload_keys.push_back(rows[r]->key);
		}
	}
	if (!reload_keys.empty())
		RecomputeLeads(kt, reload_keys, model, [&](std::size_t k, const core::Recomputed &recomputed) {
			(*states)[reload_rows[k]] = recomputed.state;
		});
	return write;
}

// Applies the deltas to locked rows and writes them back with their
// records, in the rows' order.
void ApplyRows(StatementScratch *st, const KeyType &kt, std::size_t m, LockedStates &locked, ModelEffects *fx) {
	if (locked.rows.empty())
		return;
	const core::CompiledModel &model = st->tp->plan->model(m);
	std::vector<core::LeadState> states;
	std::vector<char> write = NewStates(st, kt, m, locked, &states, fx);
	const core::ModelBatch &mb = st->batch->model(m);
	std::vector<std::int64_t> delta_of_lead(st->leads.keys().size(), -1);
	for (std::size_t i = 0; i < mb.leads().size(); i++)
		delta_of_lead[mb.leads()[i].lead] = static_cast<std::int64_t>(i);
	WalkQueue queue;
	ColumnBuffers b;
	for (std::size_t r = 0; r < locked.rows.size(); r++) {
		if (!write[r])
			continue;
		LifecycleLead &before = locked.records[r];
		PushState(&b, locked.rows[r]->key, states[r]);
		// Written rows have a delta (NewStates).
		auto i = static_cast<std::size_t>(delta_of_lead[st->leads.Find(kt, locked.rows[r]->key)]);
		Track(fx, st, m, i, locked.rows[r]->key, LeadSide::Of(before), LeadSide::Of(states[r]), &before.record,
		      before.activity_count != 0, &queue);
		core::WakeForPending(states[r].pending, &before.record);
		PushRecord(&b, model.spec(), before.record);
	}
	if (b.keys.empty())
		return;
	StateColumns columns = b.View(static_cast<int>(model.stage_count()), model.spec().momentum_ranking);
	WriteStates(kt, model.spec().id, columns);
	QueueWalks(kt, model.spec().id, queue);
}

// The locked path (state_store.hpp): one lead waits for its row first and
// is inserted only if it has none; several (not all with a row: see
// ApplyModel) go through InsertFresh, whose key-ordered pass is the only
// place they wait for other writers.
void ApplyLocked(StatementScratch *st, const KeyType &kt, std::size_t m, const std::vector<std::size_t> &locked,
                 ModelEffects *fx) {
	LockedStates rows;
	std::vector<std::size_t> fresh;
	if (locked.size() == 1) {
		rows = LockRows(st, kt, m, locked);
		if (rows.rows.empty())
			fresh = locked;
	} else {
		fresh = locked;
	}
	if (!fresh.empty()) {
		std::vector<std::size_t> again = InsertFresh(st, kt, m, fresh, fx);
		if (!again.empty())
			rows = LockRows(st, kt, m, again);
	}
	ApplyRows(st, kt, m, rows, fx);
}

} // namespace

void ApplyModel(StatementScratch *st, const KeyType &kt, std::size_t m, ModelEffects *fx) {
	const core::ModelBatch &mb = st->batch->model(m);
	// A model with silence rules reads every row it writes: a state may
	// hold scorings that fell due since, to fold in (NewStates).
	bool silence = !st->tp->plan->model(m).silence_rules().empty();
	st->reset_leads.clear();
	if (st->tp->plan->model(m).spec().resets) {
		std::vector<std::size_t> all(mb.leads().size());
		for (std::size_t i = 0; i < all.size(); i++)
			all[i] = i;
		st->reset_leads = LeadsWithReset(kt, st->tp->plan->model(m).spec(), KeysOf(st, m, all));
	}
	std::vector<std::size_t> blind, locked;
	for (std::size_t i = 0; i < mb.leads().size(); i++) {
		const core::LeadDelta &d = mb.leads()[i];
		if (d.noop)
			continue;
		bool simple = d.caps_begin == d.caps_end && !d.window && d.max_deleted_at == core::kNoTime && !silence &&
		              !Resets(st, i);
		(simple ? blind : locked).push_back(i);
	}
	// Locks must be taken in one key-ordered pass per model, or two
	// statements mixing both paths in opposite key order deadlock: once
	// any lead needs its row locked, every lead of the batch is.
	std::vector<std::size_t> &leads = locked.empty() ? blind : locked;
	if (!locked.empty())
		locked.insert(locked.end(), blind.begin(), blind.end());
	st->leads.SortByKey(&leads, [&](std::size_t i) { return mb.leads()[i].lead; });
	// Several leads that all have a row (a sync batch): read and written
	// once each, whatever their deltas.  Else LockAllRows holds the rows
	// of the leads before the first without one, which the key-ordered
	// pass of either path takes again without waiting.
	LockedStates rows;
	if (leads.size() > 1 && LockAllRows(st, kt, m, leads, &rows))
		ApplyRows(st, kt, m, rows, fx);
	else if (!locked.empty())
		ApplyLocked(st, kt, m, locked, fx);
	else if (!blind.empty())
		AddBlind(st, kt, m, blind, fx);
}

} // namespace leadscore::pg
