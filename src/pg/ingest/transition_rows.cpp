// Reading transition tables: see transition_rows.hpp.
#include "pg/ingest/transition_rows.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/lead_key.hpp"

extern "C" {
#include "utils/datum.h"
#include "utils/memutils.h"
}

#include <algorithm>

namespace leadscore::pg {
namespace {

// Reads the scored columns of `slot` (row->slot, or it in the attached
// table's layout; deformed up to `last_attnum`) into `row`; false for a row
// that is not scored (counted).
bool DecodeRow(StatementScratch *st, TupleTableSlot *slot, int last_attnum, PendingRow *row) {
	const ActivityTable &t = st->tp->table;
	// One deforming pass over the columns read below, not one per column.
	slot_getsomeattrs(slot, last_attnum);
	MemoryContextReset(row->context);
	MemoryContext outer = MemoryContextSwitchTo(row->context);
	bool lead_null, type_null, time_null;
	Datum lead = slot_getattr(slot, t.attnums[t.lead], &lead_null);
	Datum type = slot_getattr(slot, t.attnums[t.type], &type_null);
	Datum time = slot_getattr(slot, t.attnums[t.time], &time_null);
	if (lead_null || type_null || time_null || !TimeDatumToUnixUs(time, t.types[t.time], &row->at) ||
	    KeyTooLong(lead, t.types[t.lead])) {
		st->skipped++;
		MemoryContextSwitchTo(outer);
		return false;
	}
	for (std::size_t c : st->tp->plan->columns_used()) {
		bool isnull;
		Datum v = slot_getattr(slot, t.attnums[c], &isnull);
		row->values[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
	}
	row->type = DatumToValue(type, t.types[t.type]);
	row->lead = lead;
	row->has_account = false;
	if (t.account >= 0) {
		bool account_null;
		row->account = slot_getattr(slot, t.attnums[t.account], &account_null);
		row->has_account = !account_null && !KeyTooLong(row->account, t.types[t.account]);
	}
	st->leads.Prefetch(lead, t.types[t.lead]); // a detoasted key: in the row's context
	MemoryContextSwitchTo(outer);
	return true;
}

// The last attribute any scored column needs.
int LastAttnum(const StatementScratch *st) {
	const ActivityTable &t = st->tp->table;
	int last = std::max({t.attnums[t.lead], t.attnums[t.type], t.attnums[t.time]});
	for (std::size_t c : st->tp->plan->columns_used())
		last = std::max<int>(last, t.attnums[c]);
	return last;
}

// Step 1: the next tuple of `store` into `row` (and, read in the attached
// table's layout, into *converted).  False at the end of the store;
// otherwise row->valid tells whether the row is scored.
bool ReadRow(StatementScratch *st, Tuplestorestate *store, TupleDesc desc, const MemberRows &layout,
             int last_attnum, PendingRow *row, TupleTableSlot **converted) {
	row->valid = false;
	// Made on first use: a single-row statement needs one.
	if (row->slot == nullptr) {
		row->slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		*converted = MakeConvertedSlot(layout);
		row->context = AllocSetContextCreate(CurrentMemoryContext, "leadscore row", ALLOCSET_SMALL_SIZES);
		row->values.assign(st->tp->table.schema.size(), core::Value::Null());
	}
	if (!tuplestore_gettupleslot(store, true, false, row->slot))
		return false;
	row->valid = DecodeRow(st, InRootLayout(layout, row->slot, *converted), last_attnum, row);
	return true;
}

// Keeps the account of the lead's earliest inserted row that names one: the
// lead's account unless lead_accounts already has one (account_store.hpp).
void NoteAccount(StatementScratch *st, std::uint32_t lead, Datum account, std::int64_t at) {
	if (st->first_account.size() <= lead) {
		st->first_account.resize(lead + 1, 0);
		st->first_account_at.resize(lead + 1, core::kNoTime);
	}
	if (st->first_account_at[lead] != core::kNoTime && st->first_account_at[lead] <= at)
		return;
	const KeyType &akt = st->tp->account_key_type;
	st->first_account[lead] = datumCopy(account, akt.byval, akt.typlen);
	st->first_account_at[lead] = at;
}

void NoteEarliest(StatementScratch *st, std::uint32_t lead, std::int64_t at) {
	if (st->earliest_at.size() <= lead)
		st->earliest_at.resize(lead + 1, core::kNoTime);
	std::int64_t &earliest = st->earliest_at[lead];
	if (earliest == core::kNoTime || at < earliest)
		earliest = at;
}

} // namespace

void ReadTransitionRows(StatementScratch *st, const KeyType &kt, Tuplestorestate *store, TupleDesc desc,
                        const MemberRows &layout, core::RowChange change) {
	const ActivityTable &t = st->tp->table;
	std::array<PendingRow, 3> &rows = st->rows;
	std::array<TupleTableSlot *, 3> converted{};
	for (PendingRow &r : rows) {
		r.slot = nullptr;
		r.context = nullptr;
		r.valid = false;
	}
	int last_attnum = LastAttnum(st);
	// Triggers share the tuplestore: without the rescan a second trigger
	// on the same statement would see no rows.
	tuplestore_rescan(store);
	// Interned keys and noted accounts live as long as the statement's
	// rows, which may be scored after this call (statement_scratch.hpp).
	MemoryContext outer = MemoryContextSwitchTo(st->memory);
	// Iteration i reads row i, adds row i - 2 and interns row i - 1 (in
	// that order: a whole iteration lies between a prefetch and its use);
	// two more iterations finish the last rows once the store is read.
	bool reading = true;
	int draining = 2;
	for (std::uint64_t i = 0; reading || draining-- > 0; i++) {
		PendingRow &newest = rows[i % 3];
		PendingRow &oldest = rows[(i + 1) % 3];
		PendingRow &middle = rows[(i + 2) % 3];
		newest.valid = false;
		if (reading)
			reading = ReadRow(st, store, desc, layout, last_attnum, &newest, &converted[i % 3]);
		if (oldest.valid) {
			st->batch->Add(oldest.lead_index, oldest.type.text, oldest.at, oldest.values.data(), change);
			if (change == core::RowChange::Inserted)
				NoteEarliest(st, oldest.lead_index, oldest.at);
		}
		if (middle.valid) {
			middle.lead_index = st->leads.Intern(kt, middle.lead, t.types[t.lead]);
			st->batch->Prefetch(middle.lead_index);
			if (middle.has_account && change == core::RowChange::Inserted)
				NoteAccount(st, middle.lead_index, middle.account, middle.at);
		}
	}
	for (TupleTableSlot *slot : converted)
		if (slot != nullptr)
			ExecDropSingleTupleTableSlot(slot);
	for (PendingRow &r : rows) {
		if (r.slot == nullptr)
			continue;
		MemoryContextDelete(r.context);
		ExecDropSingleTupleTableSlot(r.slot);
		r.context = nullptr;
		r.slot = nullptr;
	}
	MemoryContextSwitchTo(outer);
}

void ReadSlotRow(StatementScratch *st, TupleTableSlot *slot, const MemberRows &layout, core::RowChange change) {
	const ActivityTable &t = st->tp->table;
	MemoryContext outer = MemoryContextSwitchTo(st->memory);
	// Kept for the statement's next rows (a replicated transaction's come
	// one per call).
	PendingRow &row = st->rows[0];
	if (row.context == nullptr) {
		row.context = AllocSetContextCreate(st->memory, "leadscore row", ALLOCSET_SMALL_SIZES);
		row.values.assign(t.schema.size(), core::Value::Null());
	}
	row.slot = slot;
	TupleTableSlot *converted = MakeConvertedSlot(layout);
	if (DecodeRow(st, InRootLayout(layout, slot, converted), LastAttnum(st), &row)) {
		std::uint32_t lead = st->leads.Intern(st->tp->key_type, row.lead, t.types[t.lead]);
		if (row.has_account && change == core::RowChange::Inserted)
			NoteAccount(st, lead, row.account, row.at);
		st->batch->Add(lead, row.type.text, row.at, row.values.data(), change);
		if (change == core::RowChange::Inserted)
			NoteEarliest(st, lead, row.at);
	}
	if (converted != nullptr)
		ExecDropSingleTupleTableSlot(converted);
	row.slot = nullptr;
	MemoryContextSwitchTo(outer);
}

} // namespace leadscore::pg
