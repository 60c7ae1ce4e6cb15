// _reload_lead(model_id, lead, cause): what adjust() and reset()
// (src/sql/adjustments.sql) do after writing their ledger row: the lead
// recomputed from its history and ledger and written with its lifecycle,
// through the writers' own reload (deferred_reloads.hpp).
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/ingest/deferred_reloads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/state_buffers.hpp"
#include "pg/state/state_store.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/builtins.h"
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

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_reload_lead);
Datum leadscore_reload_lead(PG_FUNCTION_ARGS) {
	using namespace leadscore;
	return pg::Guarded([&] {
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
			throw core::Error(core::ErrorKind::NullValue, "_reload_lead needs a model, a lead and a cause");
		std::int32_t model_id = PG_GETARG_INT32(0);
		std::string cause = pg::CallPg([&] { return text_to_cstring(PG_GETARG_TEXT_PP(2)); });
		pg::KeyType kt = pg::BeginEngineCall();
		Oid given = pg::CallPg([&] { return get_fn_expr_argtype(fcinfo->flinfo, 1); });
		if (kt.oid == InvalidOid || given != kt.oid)
			throw core::Error(core::ErrorKind::TypeMismatch, "_reload_lead needs a key of the lead key type");
		pg::KeyType akt = pg::AccountKeyType();
		std::int64_t now = pg::TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
		LockLeadRow(model_id, PG_GETARG_DATUM(1), kt);
		pg::ReloadLead(model_id, PG_GETARG_DATUM(1), kt, akt, now,
		               cause == "reset" ? core::TransitionCause::Reset : core::TransitionCause::Adjustment);
		pg::FinishSpi();
		PG_RETURN_VOID();
	});
}

} // extern "C"
