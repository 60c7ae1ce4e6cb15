// The statement-level trigger on attached lead tables: grades every
// inserted or updated lead row with the grade profile of every model that
// has one, clears the grade of deleted rows, and reports what that changes
// (grade, and status: SQL needs a good enough grade) in leadscore.events, in
// the writer's transaction.
//
// Lead tables change far less often than activity tables, so this trigger
// favours plainness: every PostgreSQL call runs through CallPg.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/catalog/config_generation.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/lead_plan.hpp"
#include "pg/catalog/partition_members.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/citus/unscored_shards.hpp"
#include "pg/ingest/replica_rows.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/account_store.hpp"
#include "pg/state/lifecycle_store.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// One lead of the statement: its key and, unless its row was deleted, its
// grade under each of the plan's profiles.
struct LeadChange {
	Datum key = 0;
	bool present = false;
	std::vector<core::GradeRank> grades;
	bool has_account = false; // the row names an account (lead tables with an account column)
	Datum account = 0;
};

struct ConvertedLead {
	bool key_null;
	Datum key;
	bool account_null;
	Datum account;
	core::Value *values; // schema order; unread columns NULL
};

// PostgreSQL side: the row in `slot` (in the lead table's layout) converted
// in `row_context` (reset first), its key copied into the caller's context.
ConvertedLead *ConvertLead(const LeadPlan &plan, TupleTableSlot *slot, MemoryContext row_context) {
	const LeadTable &t = plan.table;
	MemoryContextReset(row_context);
	MemoryContext outer = MemoryContextSwitchTo(row_context);
	auto *row = static_cast<ConvertedLead *>(palloc0(sizeof(ConvertedLead)));
	row->values = static_cast<core::Value *>(palloc0(sizeof(core::Value) * (t.schema.size() + 1)));
	Datum key = slot_getattr(slot, t.attnums[static_cast<std::size_t>(t.lead)], &row->key_null);
	for (std::size_t c : plan.columns_used) {
		bool isnull;
		Datum v = slot_getattr(slot, t.attnums[c], &isnull);
		row->values[c] = isnull ? core::Value::Null() : DatumToValue(v, t.types[c]);
	}
	Datum account = 0;
	row->account_null = true;
	if (t.account >= 0)
		account = slot_getattr(slot, t.attnums[static_cast<std::size_t>(t.account)], &row->account_null);
	MemoryContextSwitchTo(outer);
	if (!row->key_null)
		row->key = datumCopy(key, plan.key_type.byval, plan.key_type.typlen);
	if (!row->account_null) {
		Oid type = t.types[static_cast<std::size_t>(t.account)];
		int16 len;
		bool byval;
		get_typlenbyval(type, &len, &byval);
		row->account = datumCopy(account, byval, len);
	}
	return row;
}

// The lead of one converted row: its grades when `present`, else its
// removal; the last row of a lead wins.
void NoteLead(const LeadPlan &plan, const ConvertedLead *row, bool present, std::map<std::string, LeadChange> *changes,
              std::int64_t *skipped) {
	if (row->key_null || CallPg([&] { return KeyTooLong(row->key, plan.key_type.oid); })) {
		(*skipped)++;
		return;
	}
	LeadChange &change = (*changes)[KeyBytes(row->key, plan.key_type.oid)];
	change.key = row->key;
	change.present = present;
	change.has_account = present && !row->account_null &&
	                     !CallPg([&] { return KeyTooLong(row->account, plan.table.types[static_cast<std::size_t>(plan.table.account)]); });
	change.account = row->account;
	change.grades.clear();
	if (present)
		for (const core::CompiledGradeProfile &p : plan.profiles)
			change.grades.push_back(p.Grade(row->values, plan.table.schema.size()));
}

MemoryContext NewRowContext() {
	return CallPg([] { return AllocSetContextCreate(CurrentMemoryContext, "leadscore lead row", ALLOCSET_SMALL_SIZES); });
}

// The rows of `store` (of the lead table or of a partition of it, read
// through `layout`: partition_members.hpp).
void ReadLeads(const LeadPlan &plan, Tuplestorestate *store, TupleDesc desc, const MemberRows &layout, bool present,
               std::map<std::string, LeadChange> *changes, std::int64_t *skipped) {
	TupleTableSlot *slot = CallPg([&] {
		tuplestore_rescan(store);
		return MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	});
	TupleTableSlot *converted = CallPg([&] { return MakeConvertedSlot(layout); });
	MemoryContext row_context = NewRowContext();
	while (ConvertedLead *row = CallPg([&] {
		       if (!tuplestore_gettupleslot(store, true, false, slot))
			       return static_cast<ConvertedLead *>(nullptr);
		       return ConvertLead(plan, InRootLayout(layout, slot, converted), row_context);
	       }))
		NoteLead(plan, row, present, changes, skipped);
	CallPg([&] {
		ExecDropSingleTupleTableSlot(slot);
		if (converted != nullptr)
			ExecDropSingleTupleTableSlot(converted);
		MemoryContextDelete(row_context);
	});
}

// One row of a FOR EACH ROW firing (replicated: replica_rows.hpp).
void ReadLeadRow(const LeadPlan &plan, TupleTableSlot *slot, const MemberRows &layout, bool present,
                 std::map<std::string, LeadChange> *changes, std::int64_t *skipped) {
	TupleTableSlot *converted = CallPg([&] { return MakeConvertedSlot(layout); });
	MemoryContext row_context = NewRowContext();
	NoteLead(plan, CallPg([&] { return ConvertLead(plan, InRootLayout(layout, slot, converted), row_context); }),
	         present, changes, skipped);
	CallPg([&] {
		if (converted != nullptr)
			ExecDropSingleTupleTableSlot(converted);
		MemoryContextDelete(row_context);
	});
}

void DeleteEmptyStates(const KeyType &kt, std::int32_t model_id, const std::vector<Datum> &gone) {
	if (gone.empty())
		return;
	CallPg([&] {
		Oid types[] = {INT4OID, kt.array_oid};
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, gone.data(), static_cast<int>(gone.size()))};
		if (ExecuteWriterSql("DELETE FROM leadscore.lead_state WHERE model_id = $1 AND lead_id = ANY ($2)"
		                     " AND activity_count = 0 AND stored = 0 AND grade IS NULL",
		                     2, types, values, nullptr) != SPI_OK_DELETE)
			elog(ERROR, "leadscore: deleting lead states failed");
	});
}

void RegradeModel(const LeadPlan &plan, const GradedModel &gm, const std::map<std::string, LeadChange> &changes,
                  std::int64_t now) {
	const KeyType &kt = plan.key_type;
	std::vector<Datum> present, all, gone;
	for (const auto &[bytes, change] : changes) {
		all.push_back(change.key);
		(change.present ? present : gone).push_back(change.key);
	}
	EnsureLifecycleRows(kt, gm.model, present);
	std::vector<LifecycleLead> leads = LockLifecycle(kt, gm.model, all);
	std::vector<LeadEvent> events;
	std::vector<core::Transition> transitions;
	std::string bytes;
	for (LifecycleLead &lead : leads) {
		AssignKeyBytes(lead.key, kt.oid, &bytes);
		const LeadChange &change = changes.at(bytes);
		transitions.clear();
		core::Advance(gm.model, lead.Input(), now, core::TransitionCause::Decay, &lead.record, &transitions);
		core::LifecycleInput input = lead.Input();
		input.grade = change.present ? std::optional<core::GradeRank>(change.grades[gm.profile]) : std::nullopt;
		core::Advance(gm.model, input, now, core::TransitionCause::Lead, &lead.record, &transitions);
		for (const core::Transition &t : transitions)
			events.push_back(LeadEvent{lead.key, t});
	}
	WriteLifecycle(kt, gm.model, leads);
	InsertEvents(kt, gm.model, events, true);
	DeleteEmptyStates(kt, gm.model.id, gone);
}

// The share in model `model` of each lead of `leads` with a state row,
// locked (leads before accounts, the statement's lock order).
std::vector<std::pair<Datum, core::AccountShare>> LeadShares(const KeyType &kt, const core::ModelSpec &model,
                                                             const std::vector<Datum> &leads) {
	std::vector<LifecycleLead> rows = LockLifecycle(kt, model, leads);
	std::vector<std::pair<Datum, core::AccountShare>> shares;
	for (const LifecycleLead &l : rows)
		shares.emplace_back(l.key, core::LeadShare(model, l.stored, l.stages.data(), l.stages.size(), l.activity_count));
	return shares;
}

// Leads whose row now names another account (or none): their shares move
// from the old account to the new one in every model, and lead_accounts
// follows.
void MoveAccounts(const LeadPlan &plan, const std::map<std::string, LeadChange> &changes, std::int64_t now) {
	const KeyType &kt = plan.key_type;
	KeyType akt = AccountKeyType();
	if (plan.table.account < 0 || akt.oid == InvalidOid)
		return;
	std::vector<Datum> keys;
	for (const auto &[bytes, change] : changes)
		keys.push_back(change.key);
	std::vector<LeadAccount> old_accounts = LookupAccounts(kt, akt, keys);
	std::vector<Datum> moved, gone, kept_keys, kept_accounts;
	std::map<std::string, std::pair<LeadAccount, LeadAccount>> moves; // lead bytes -> (old, new)
	std::size_t i = 0;
	for (const auto &[bytes, change] : changes) {
		const LeadAccount &was = old_accounts[i++];
		LeadAccount now_in{change.has_account, change.account};
		std::string a, b;
		if (was.has_account)
			a = KeyBytes(was.account, akt.oid);
		if (now_in.has_account)
			b = KeyBytes(now_in.account, akt.oid);
		if (was.has_account == now_in.has_account && a == b)
			continue;
		moved.push_back(change.key);
		moves[bytes] = {was, now_in};
		if (now_in.has_account) {
			kept_keys.push_back(change.key);
			kept_accounts.push_back(change.account);
		} else {
			gone.push_back(change.key);
		}
	}
	if (moved.empty())
		return;
	for (const core::ModelSpec &model : LoadModels()) {
		std::vector<AccountDelta> deltas;
		for (auto &[lead, share] : LeadShares(kt, model, moved)) {
			std::string bytes = KeyBytes(lead, kt.oid);
			const auto &[was, now_in] = moves.at(bytes);
			if (was.has_account) {
				AccountDelta leaving{was.account, {}, lead};
				core::AddShare(share, -1, &leaving.share);
				deltas.push_back(leaving);
			}
			if (now_in.has_account)
				deltas.push_back(AccountDelta{now_in.account, share, lead});
		}
		MergeAccountDeltas(akt, &deltas);
		ApplyAccountDeltas(akt, model, deltas, now, core::TransitionCause::Lead);
	}
	CallPg([&] {
		Oid types[] = {kt.array_oid, akt.array_oid};
		Datum gone_values[] = {KeyArrayDatum(kt, gone.data(), static_cast<int>(gone.size()))};
		if (ExecuteWriterSql("DELETE FROM leadscore.lead_accounts WHERE lead_id = ANY ($1)", 1, types, gone_values,
		                     nullptr) != SPI_OK_DELETE)
			elog(ERROR, "leadscore: updating lead accounts failed");
		int n = static_cast<int>(kept_keys.size());
		Datum values[] = {KeyArrayDatum(kt, kept_keys.data(), n), KeyArrayDatum(akt, kept_accounts.data(), n)};
		if (ExecuteWriterSql("INSERT INTO leadscore.lead_accounts AS la (lead_id, account_id, source)"
		                     " SELECT u.l, u.a, 'leads' FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
		                     " AS u(l, a) ORDER BY l ON CONFLICT (lead_id) DO UPDATE"
		                     " SET account_id = excluded.account_id, source = 'leads'",
		                     2, types, values, nullptr) != SPI_OK_INSERT)
			elog(ERROR, "leadscore: updating lead accounts failed");
	});
}

void LogSkipped(Oid relid, std::int64_t skipped) {
	if (skipped == 0)
		return;
	ExecuteText("INSERT INTO leadscore.ingest_log (tbl, rows_skipped, unknown_types)"
	            " VALUES ($1::pg_catalog.oid::pg_catalog.regclass, $2::bigint, 0)",
	            {std::to_string(relid), std::to_string(skipped)});
}

void GradeStatement(TriggerData *trigger) {
	WriterReads reads;
	ConnectSpi();
	// On a Citus shard, its node's tables (shard_context.hpp).
	ShardScope shard(ShardContextOf(trigger->tg_relation));
	if (CurrentShard() != nullptr)
		FollowConfigGeneration();
	const MemberRows *layout;
	LeadPlan *plan = LeadPlanOf(trigger->tg_relation, &layout);
	if (plan != nullptr && plan->key_type.oid != InvalidOid) {
		TupleDesc desc = RelationGetDescr(trigger->tg_relation);
		TriggerEvent event = trigger->tg_event;
		std::map<std::string, LeadChange> changes;
		std::int64_t skipped = 0;
		if (TRIGGER_FIRED_FOR_ROW(event)) {
			// Replicated activity rows before it are scored first, as the
			// statements before a local one are.
			CallPg([] { FlushReplicatedRows(); });
			bool inserted = TRIGGER_FIRED_BY_INSERT(event);
			ReadLeadRow(*plan, trigger->tg_trigslot, *layout, inserted, &changes, &skipped);
			if (TRIGGER_FIRED_BY_UPDATE(event))
				ReadLeadRow(*plan, trigger->tg_newslot, *layout, true, &changes, &skipped);
		} else {
			if (TRIGGER_FIRED_BY_DELETE(event) || TRIGGER_FIRED_BY_UPDATE(event))
				ReadLeads(*plan, trigger->tg_oldtable, desc, *layout, false, &changes, &skipped);
			if (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event))
				ReadLeads(*plan, trigger->tg_newtable, desc, *layout, true, &changes, &skipped);
		}
		std::int64_t now = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
		if (!changes.empty()) {
			for (const GradedModel &gm : plan->models)
				RegradeModel(*plan, gm, changes, now);
			MoveAccounts(*plan, changes, now);
		}
		LogSkipped(plan->table.relid, skipped);
	} else if (plan == nullptr && TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event)) {
		WarnIfDistributed(trigger->tg_relation);
	}
	FinishSpi();
}

} // namespace
} // namespace leadscore::pg

extern "C" {

// leadscore.lead_trigger(): AFTER INSERT / UPDATE / DELETE ... FOR EACH
// STATEMENT with transition tables, created by attach_leads; and AFTER
// INSERT OR UPDATE OR DELETE ... FOR EACH ROW, enabled REPLICA, for the
// rows logical replication applies (src/pg/ingest/replica_rows.hpp).
PG_FUNCTION_INFO_V1(leadscore_lead_trigger);
Datum leadscore_lead_trigger(PG_FUNCTION_ARGS) {
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.lead_trigger() must be called as a trigger")));
	TriggerData *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
	if (!TRIGGER_FIRED_AFTER(trigger->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event) ||
	    (TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event) && trigger->tg_newtable == nullptr &&
	     trigger->tg_oldtable == nullptr))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
		                errmsg("leadscore.lead_trigger() must fire AFTER INSERT, UPDATE or DELETE, FOR EACH STATEMENT "
		                       "with transition tables or FOR EACH ROW")));
	return leadscore::pg::Guarded([&] {
		leadscore::pg::GradeStatement(trigger);
		return PointerGetDatum(nullptr);
	});
}

} // extern "C"
