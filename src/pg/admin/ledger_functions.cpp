// _reload_lead(ledger, entry, model_id, lead, kind, at): what adjust() and
// reset() (src/sql/adjustments.sql) do after writing ledger row `entry`:
// the lead recomputed from its history and ledger and written with its
// lifecycle, through the writers' own reload (deferred_reloads.hpp).  On
// Citus the call runs on the lead's shard of adjustments (`ledger`), in the
// shard group of the lead's other rows.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/catalog/shard_group_scope.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/ingest/deferred_reloads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/state_buffers.hpp"
#include "pg/state/state_store.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"

namespace {

// Gives lead `key` of model `model_id` a row if it has none (an empty state,
// as a writer's placeholder) and locks it.  The reload recomputes the lead
// after this lock, so it waits for a writer that is creating the lead and
// reads its rows; without a row to wait on, it read the history without
// them and then overwrote the writer's state.  A writer that finds the row
// waits for this transaction and then sees the ledger row (apply_deltas.cpp).
void LockLeadRow(std::int32_t model_id, Datum key, const leadscore::pg::KeyType &kt) {
	using namespace leadscore;
	const core::CompiledModel *model = pg::CompiledModelById(model_id);
	if (model == nullptr)
		return;
	core::LeadState empty;
	empty.Clear(*model);
	pg::ColumnBuffers b;
	pg::PushState(&b, key, empty);
	pg::PushRecord(&b, model->spec(), core::LifecycleRecord{});
	pg::StateColumns columns = b.View(static_cast<int>(model->stage_count()), model->spec().momentum_ranking);
	std::vector<Datum> inserted;
	pg::InsertStates(kt, model_id, columns, &inserted);
}

// On Citus each shard group's plans know of its own shard of adjustments
// only (ModelSpec::ledger, resets).  Whether ledger row `entry` is the
// group's first of model `model_id` (a reset: its first reset), which they
// do not know of yet.
bool FirstInGroup(std::int32_t model_id, std::int64_t entry, bool reset) {
	return *leadscore::pg::QueryText(
	           "SELECT NOT EXISTS (SELECT FROM leadscore.adjustments a JOIN leadscore.models m"
	           " ON a.model OPERATOR(pg_catalog.=) m.name WHERE m.id OPERATOR(pg_catalog.=) $1::pg_catalog.int4"
	           " AND a.id OPERATOR(pg_catalog.<>) $2::pg_catalog.int8"
	           " AND (a.kind OPERATOR(pg_catalog.=) 'reset' OR NOT $3::pg_catalog.bool))",
	           {std::to_string(model_id), std::to_string(entry), reset ? "t" : "f"})[0][0] == "t";
}

// What _hold_writers() and _invalidate() do for the install, for the
// current shard group: its writers held off until this transaction ends
// (SHARE locks on its shards of the attached tables, in the tables'
// order), and this node's plans stale at its commit (this backend's now).
void TellGroupOfLedger() {
	using namespace leadscore::pg;
	for (const TextRow &r : QueryText("SELECT a.tbl::pg_catalog.text FROM leadscore.attachments a"
	                                  " WHERE a.kind IN ('activities', 'leads') ORDER BY a.tbl::pg_catalog.oid"))
		ExecuteText(("LOCK TABLE " + *r[0] + " IN SHARE MODE").c_str());
	InvalidatePlans();
	RefreshPlans();
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_reload_lead);
Datum leadscore_reload_lead(PG_FUNCTION_ARGS) {
	using namespace leadscore;
	return pg::Guarded([&] {
		for (int i = 0; i < 6; i++)
			if (PG_ARGISNULL(i))
				throw core::Error(core::ErrorKind::NullValue, "_reload_lead needs a ledger row, not NULL");
		Oid ledger = PG_GETARG_OID(0);
		std::int64_t entry = PG_GETARG_INT64(1);
		std::int32_t model_id = PG_GETARG_INT32(2);
		bool reset = pg::CallPg([&] { return text_to_cstring(PG_GETARG_TEXT_PP(4)); }) == std::string("reset");
		// The row's time: on a Citus worker this transaction started later.
		std::int64_t at = pg::TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(5));
		Oid given = pg::CallPg([&] { return get_fn_expr_argtype(fcinfo->flinfo, 3); });
		pg::ConnectSpi();
		pg::ShardGroupScope group(pg::ShardContextOf(ledger));
		pg::KeyType kt;
		pg::CallPg([&] { kt = pg::LeadKeyType(); });
		if (kt.oid == InvalidOid || given != kt.oid)
			throw core::Error(core::ErrorKind::TypeMismatch, "_reload_lead needs a key of the lead key type");
		// Before the lead's row is locked: writers lock their table first.
		if (pg::CurrentShard() != nullptr && FirstInGroup(model_id, entry, reset))
			TellGroupOfLedger();
		LockLeadRow(model_id, PG_GETARG_DATUM(3), kt);
		pg::ReloadLead(model_id, PG_GETARG_DATUM(3), kt, pg::AccountKeyType(), at,
		               reset ? core::TransitionCause::Reset : core::TransitionCause::Adjustment);
		pg::FinishSpi();
		PG_RETURN_VOID();
	});
}

} // extern "C"
