// rescore() and verify(): lead states recomputed from the attached history.
//
// With one attached activity table (the usual case) its rows are read once,
// ordered by lead, and each lead is recomputed as its rows go by.  With
// several, every lead of the union is recomputed from per-lead queries of
// each table (an index on each table's lead column keeps that fast).
#include "pg/boundary/batch_memory.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/attachment_checks.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/shard_group_scope.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/citus/worker_calls.hpp"
#include "pg/grading/lifecycle_rescore.hpp"
#include "pg/ingest/lead_history.hpp"
#include "pg/ingest/lead_ledger.hpp"
#include "pg/ingest/query_levels.hpp"
#include "pg/ingest/replica_rows.hpp"
#include "pg/maintenance/recompute_functions.hpp"
#include "pg/maintenance/rescore_progress.hpp"
#include "pg/maintenance/verify_ranges.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/account_store.hpp"
#include "pg/state/state_buffers.hpp"
#include "pg/state/state_layout.hpp"
#include "pg/state/walk_queue.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"
}

#include "pg/boundary/datum_value.hpp"
#include "pg/state/state_store.hpp"

#include "core/lead/scoring_recompute.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

std::int64_t TimestampToUnixUsNow() {
	return TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
}

constexpr std::size_t kWriteBatch = 1000;

// Called with every lead that has history in an attached activity table,
// recomputed for one model.
using LeadDone = std::function<void(Datum key, const std::string &key_bytes, const core::Recomputed &)>;

const core::CompiledModel *ModelOf(TablePlan *tp, std::int32_t model_id) {
	for (std::size_t m = 0; m < tp->plan->model_count(); m++)
		if (tp->plan->model(m).spec().id == model_id)
			return &tp->plan->model(m);
	return nullptr;
}

// The attached tables that feed model `model_id`.
std::vector<TablePlan *> ModelTables(std::int32_t model_id) {
	std::vector<TablePlan *> tables;
	for (const ActivityTable &t : LoadActivityTables())
		if (TablePlan *tp = GetTablePlan(t.relid); tp != nullptr && ModelOf(tp, model_id) != nullptr)
			tables.push_back(tp);
	return tables;
}

// How a pass over the leads reports and where it keeps their keys.
struct LeadScan {
	// By-reference keys are copied here: they must live until `done` has
	// used them (rescore(): until the batch that holds them is written).
	MemoryContext keys = CurrentMemoryContext;
	RescoreProgress *progress = nullptr;
};

// Copies `key` into the scan's key memory.
Datum KeepKey(Datum key, const KeyType &kt, const LeadScan &scan) {
	return CallPg([&] {
		MemoryContext outer = MemoryContextSwitchTo(scan.keys);
		Datum copy = CopyKey(key, kt);
		MemoryContextSwitchTo(outer);
		return copy;
	});
}

void StreamOneTable(TablePlan *tp, const KeyType &kt, const core::CompiledModel &model, Ledgers *ledgers,
                    const LeadDone &done, const LeadScan &scan) {
	core::LeadRecompute recompute(model, [] { return InterruptPending != 0; });
	recompute.SetNow(TimestampToUnixUsNow());
	core::Recomputed result;
	std::string current, bytes;
	Datum current_key = 0;
	bool any = false;
	auto finish = [&] {
		recompute.Finish(&result);
		done(current_key, current, result);
	};
	ScanHistory(tp->table, kt, nullptr, [&](const HistoryRow &row) {
		AssignKeyBytes(row.key, kt.oid, &bytes);
		if (!any || bytes != current) {
			if (any)
				finish();
			current = bytes;
			current_key = KeepKey(row.key, kt, scan);
			recompute.Reset();
			if (auto ledger = ledgers->find(bytes); ledger != ledgers->end()) {
				recompute.AddLedger(ledger->second.entries);
				ledgers->erase(ledger);
			}
			any = true;
		}
		if (scan.progress != nullptr)
			scan.progress->Row();
		recompute.Add(row.type, row.at, row.values);
	});
	if (any)
		finish();
}

// Every lead with history or ledger rows (lead_ledger.hpp): the ledger's
// leads without history come last, from their ledger alone.
void ForEachLead(const KeyType &kt, std::int32_t model_id, const LeadDone &done, const LeadScan &scan = {}) {
	std::vector<TablePlan *> tables = ModelTables(model_id);
	if (tables.empty())
		return;
	const core::CompiledModel &model = *ModelOf(tables[0], model_id);
	Ledgers ledgers = LoadLedgers(kt, model.spec(), nullptr);
	if (tables.size() == 1) {
		StreamOneTable(tables[0], kt, model, &ledgers, done, scan);
		core::LeadRecompute recompute(model);
		recompute.SetNow(TimestampToUnixUsNow());
		core::Recomputed result;
		for (const auto &[bytes, ledger] : ledgers) {
			recompute.Reset();
			recompute.AddLedger(ledger.entries);
			recompute.Finish(&result);
			done(KeepKey(ledger.key, kt, scan), bytes, result);
		}
		return;
	}
	// Several tables: the distinct leads of all of them, then one
	// recompute per lead.
	std::vector<const ActivityTable *> listed;
	for (TablePlan *tp : tables)
		listed.push_back(&tp->table);
	std::map<std::string, Datum> leads = DistinctLeads(listed, kt);
	for (const auto &[bytes, ledger] : ledgers)
		leads.emplace(bytes, ledger.key);
	if (scan.progress != nullptr)
		scan.progress->KnowLeads(static_cast<std::int64_t>(leads.size()));
	core::Recomputed result;
	for (const auto &[bytes, key] : leads) {
		RecomputeLead(kt, key, model, &result);
		done(key, bytes, result);
	}
}

// The rows of the model's tables as the catalog last counted them (VACUUM,
// ANALYZE); < 0: some table was never counted.
double EstimatedRows(std::int32_t model_id) {
	double rows = 0;
	for (TablePlan *tp : ModelTables(model_id)) {
		auto r = QueryText("SELECT reltuples FROM pg_catalog.pg_class WHERE oid = $1::pg_catalog.oid",
		                   {std::to_string(tp->table.relid)});
		double n = r.empty() || !r[0][0] ? -1 : std::stod(*r[0][0]);
		if (n < 0)
			return -1;
		rows += n;
	}
	return rows;
}

std::int32_t ModelId(const std::string &name) {
	auto rows = QueryText("SELECT id FROM leadscore.models WHERE name = $1", {name});
	if (rows.empty())
		throw core::Error(core::ErrorKind::UndefinedObject, "model \"" + name + "\" does not exist");
	return static_cast<std::int32_t>(std::stol(*rows[0][0]));
}

// The model named `name`; none: every model.
std::vector<std::int32_t> ModelIds(const std::optional<std::string> &name) {
	std::vector<std::int32_t> ids;
	if (name)
		ids.push_back(ModelId(*name));
	else
		for (const TextRow &r : QueryText("SELECT id FROM leadscore.models ORDER BY id"))
			ids.push_back(static_cast<std::int32_t>(std::stol(*r[0])));
	return ids;
}

// Blocks writers of every attached table until the end of the transaction:
// a rescore must see all history and nobody may add to the state it is
// rebuilding.
void LockAttachedTables() {
	for (const ActivityTable &t : LoadActivityTables())
		ExecuteText(("LOCK TABLE " + t.name + " IN SHARE MODE").c_str());
	for (const LeadTable &t : LoadLeadTables())
		ExecuteText(("LOCK TABLE " + t.name + " IN SHARE MODE").c_str());
}

void FlushStates(const KeyType &kt, const core::ModelSpec &spec, int stage_count, ColumnBuffers *b) {
	if (b->keys.empty())
		return;
	StateColumns columns = b->View(stage_count, spec.momentum_ranking);
	PutStates(kt, spec.id, columns);
	b->Clear();
}

// Rebuilds the scores of one model from history (grades and lifecycle
// stay), then its grades and lifecycle; returns the leads with history.
std::int64_t RescoreModel(const KeyType &kt, const core::ModelSpec &spec, std::int64_t now) {
	ZeroScores(spec.id, spec.stages.size());
	RescoreProgress progress(spec.name, EstimatedRows(spec.id));
	std::int64_t leads = 0;
	if (const core::CompiledModel *model = CompiledModelById(spec.id)) {
		int stage_count = static_cast<int>(model->stage_count());
		ColumnBuffers b;
		BatchMemory batch("leadscore rescore batch");
		auto flush = [&] { batch.Run([&] { FlushStates(kt, spec, stage_count, &b); }); };
		LeadScan scan{batch.context(), &progress};
		ForEachLead(
		    kt, spec.id,
		    [&](Datum key, const std::string &, const core::Recomputed &r) {
			    PushState(&b, key, r.state);
			    leads++;
			    if (b.keys.size() >= kWriteBatch) {
				    flush();
				    progress.Batch(leads);
			    }
		    },
		    scan);
		flush();
		progress.Read(leads);
	}
	RescoreLifecycle(kt, spec, now, CompiledModelById(spec.id));
	// Every lead's times are its history's now.
	if (HotStateLayout())
		ClearWalks(spec.id, false);
	progress.Done(leads);
	return leads;
}

// Rescores models `ids` of the leads the tables hold (on a Citus shard:
// its group's, shard_context.hpp); returns the states written.
std::int64_t RescoreLeads(const KeyType &kt, const std::vector<std::int32_t> &ids, std::int64_t now) {
	std::int64_t total = 0;
	for (const core::ModelSpec &spec : LoadModels())
		if (std::find(ids.begin(), ids.end(), spec.id) != ids.end())
			total += RescoreModel(kt, spec, now);
	return total;
}

// The same on every shard group of this node.
std::int64_t RescoreShardGroups(const KeyType &kt, const std::vector<std::int32_t> &ids, std::int64_t now) {
	std::int64_t total = 0;
	for (const ShardContext *group : LocalShardGroups())
		total += RescoreShardGroup(kt, group, ids, now);
	return total;
}

// "{1,2}": model ids as an int4[] literal.
std::string IdArray(const std::vector<std::int32_t> &ids) {
	std::string out = "{";
	for (std::int32_t id : ids)
		out += (out.size() > 1 ? "," : "") + std::to_string(id);
	return out + "}";
}

// rescore() on Citus, from the coordinator: the attached tables locked
// there (Citus takes the lock on every shard), every worker rescores its
// shard groups (worker_calls.hpp).  In transactions of their own: inside
// a transaction that wrote already (an attach, a detach, BEGIN ...) they
// would not see its changes and could wait for its locks for ever, so
// there it only says when to run.
std::int64_t RescoreDistributed(const KeyType &kt, const std::vector<std::int32_t> &ids, std::int64_t now,
                                bool own_transaction) {
	if (!own_transaction) {
		CallPg([] {
			ereport(WARNING, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			                  errmsg("leadscore.rescore() did not rescore the Citus workers' leads"),
			                  errdetail("On Citus the workers rescore in transactions of their own, which cannot "
			                            "see this transaction's changes."),
			                  errhint("Call SELECT leadscore.rescore() after this transaction commits, in a "
			                          "transaction of its own.")));
		});
		return 0;
	}
	return RescoreShardGroups(kt, ids, now) +
	       SumOnWorkers("SELECT leadscore._rescore_shards('" + IdArray(ids) + "', '" + TimestampText(now) +
	                    "'::pg_catalog.timestamptz)");
}

// Writes the momentum of a batch of leads (keys, momentum), nothing else.
void WriteMomentum(const KeyType &kt, std::int32_t model_id, std::vector<Datum> *keys, std::vector<double> *momentum) {
	if (keys->empty())
		return;
	std::string sql = "UPDATE leadscore.lead_state AS s SET momentum = u.m, momentum_rank = leadscore.momentum_rank(u.m,"
	                  " (SELECT m.momentum_ranking FROM leadscore.models m WHERE m.id = $1))"
	                  " FROM (SELECT pg_catalog.unnest($2) AS k, pg_catalog.unnest($3) AS m) AS u"
	                  " WHERE s.model_id = $1 AND s.lead_id = u.k";
	CallPg([&] {
		Oid types[] = {INT4OID, kt.array_oid, FLOAT8ARRAYOID};
		int n = static_cast<int>(keys->size());
		Datum args[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, keys->data(), n),
		                Float8ArrayDatum(momentum->data(), n)};
		if (SPI_execute_with_args(sql.c_str(), 3, types, args, nullptr, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "leadscore: writing momentum failed");
	});
	keys->clear();
	momentum->clear();
}

// Every lead's momentum from its history, the rest of its state left as it
// is: the 0.3 update, whose leads were scored without momentum.
std::int64_t RecomputeMomentum(const KeyType &kt, std::int32_t model_id) {
	std::int64_t leads = 0;
	std::vector<Datum> keys;
	std::vector<double> momentum;
	BatchMemory batch("leadscore momentum batch");
	auto flush = [&] { batch.Run([&] { WriteMomentum(kt, model_id, &keys, &momentum); }); };
	LeadScan scan{batch.context(), nullptr};
	ForEachLead(
	    kt, model_id,
	    [&](Datum key, const std::string &, const core::Recomputed &r) {
		    keys.push_back(key);
		    momentum.push_back(r.state.momentum);
		    leads++;
		    if (keys.size() >= kWriteBatch)
			    flush();
	    },
	    scan);
	flush();
	return leads;
}

struct Difference {
	std::string model, lead, what;
};

struct StoredLead {
	std::string key_text;
	core::LeadState state;
	bool fits;
	bool seen = false;
};

std::map<std::string, StoredLead> LoadStored(const KeyType &kt, const core::CompiledModel &model) {
	std::int32_t model_id = model.spec().id;
	std::string sql =
	    std::string("SELECT " LEADSCORE_STATE_SELECT) + BandColumn() + MomentumColumn() + " FROM leadscore.lead_state WHERE model_id = $1";
	std::uint64_t n = CallPg([&] {
		Datum args[1] = {Int32GetDatum(model_id)};
		Oid types[1] = {INT4OID};
		if (SPI_execute_with_args(sql.c_str(), 1, types, args, nullptr, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: reading lead state failed");
		return SPI_processed;
	});
	SPITupleTable *table = SPI_tuptable;
	std::map<std::string, StoredLead> stored;
	std::string bytes;
	for (std::uint64_t i = 0; i < n; i++) {
		StateRow *row = CallPg([&] { return ReadStateRow(table, i); });
		char *text = CallPg([&] { return SPI_getvalue(table->vals[i], table->tupdesc, 1); });
		AssignKeyBytes(row->key, kt.oid, &bytes);
		StoredLead &lead = stored[bytes];
		lead.key_text = text;
		lead.fits = ToLeadState(model, *row, &lead.state);
	}
	return stored;
}

void VerifyModel(const KeyType &kt, std::int32_t model_id, std::int64_t now, std::vector<Difference> *out) {
	const core::CompiledModel *model = nullptr;
	for (const ActivityTable &t : LoadActivityTables())
		if (TablePlan *tp = GetTablePlan(t.relid); tp != nullptr && (model = ModelOf(tp, model_id)) != nullptr)
			break;
	if (model == nullptr)
		return;
	std::map<std::string, StoredLead> stored = LoadStored(kt, *model);
	const std::string &name = model->spec().name;
	ForEachLead(kt, model_id, [&](Datum key, const std::string &bytes, const core::Recomputed &expected) {
		auto it = stored.find(bytes);
		if (it == stored.end()) {
			if (expected.state.activity_count != 0) {
				char *text = CallPg([&] { return KeyText(key, kt.oid); });
				out->push_back({name, text, "state missing"});
			}
			return;
		}
		it->second.seen = true;
		if (!it->second.fits) {
			out->push_back({name, it->second.key_text, "state does not fit the model"});
			return;
		}
		for (const std::string &what : core::DiffLeadState(*model, it->second.state, expected, now))
			out->push_back({name, it->second.key_text, what});
	});
	core::LeadRecompute nothing(*model);
	core::Recomputed empty;
	nothing.Reset();
	nothing.Finish(&empty);
	for (auto &[bytes, lead] : stored) {
		if (lead.seen)
			continue;
		for (const std::string &what : core::DiffLeadState(*model, lead.state, empty, now))
			out->push_back({name, lead.key_text, what + " (no activity left)"});
	}
}

} // namespace

std::int64_t RescoreShardGroup(const KeyType &kt, const ShardContext *group, const std::vector<std::int32_t> &ids,
                               std::int64_t now) {
	ShardGroupScope shard(group);
	// The group's part of each account changes with its leads: appended
	// for tick() to fold (rescore() on the coordinator rebuilds the sums
	// after, and drops them).
	KeyType akt = AccountKeyType();
	std::vector<core::ModelSpec> models;
	std::vector<AccountShares> before;
	for (const core::ModelSpec &spec : LoadModels())
		if (std::find(ids.begin(), ids.end(), spec.id) != ids.end()) {
			models.push_back(spec);
			before.push_back(AccountSharesOf(akt, spec));
		}
	std::int64_t rescored = RescoreLeads(kt, ids, now);
	for (std::size_t m = 0; m < models.size(); m++)
		ApplyAccountDeltas(akt, models[m], ShareChanges(akt, before[m], AccountSharesOf(akt, models[m])), now,
		                   core::TransitionCause::Rescore);
	return rescored;
}

std::vector<std::int32_t> AllModelIds() {
	return ModelIds(std::nullopt);
}

void RescoreShardGroupNow(const ShardContext *group) {
	// Its reads too (RescoreShardGroup brings the plans up to date): inside
	// a query Citus sent, leadscore's Citus tables are their local
	// placements only.
	ShardScope scope(group);
	KeyType kt;
	CallPg([&] { kt = LeadKeyType(); });
	if (kt.oid != InvalidOid)
		RescoreShardGroup(kt, group, AllModelIds(), TimestampToUnixUsNow());
}

} // namespace leadscore::pg

using namespace leadscore::pg;

extern "C" {

// rescore(model text DEFAULT NULL) -> bigint: rebuilds the state of one
// model (every model when NULL) from the attached history; the number of
// (model, lead) states written.
PG_FUNCTION_INFO_V1(leadscore_rescore);
Datum leadscore_rescore(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		std::optional<std::string> name = OptionalTextArg(fcinfo, 0);
		bool own_transaction =
		    CallPg([] { return !IsTransactionBlock() && GetTopTransactionIdIfAny() == InvalidTransactionId; });
		KeyType kt = BeginEngineCall();
		std::int64_t total = 0;
		std::vector<std::int32_t> ids = ModelIds(name);
		// Rows read but not scored yet are in the history already: scored
		// after the recompute, they would count twice.
		ScorePendingLevels();
		CallPg([] { FlushReplicatedRows(); });
		if (kt.oid != InvalidOid) {
			LockAttachedTables();
			CheckAttachmentsForRescore();
			ExecuteText("SELECT leadscore._rebuild_lead_accounts()");
			std::int64_t now = TimestampToUnixUsNow();
			std::vector<leadscore::core::ModelSpec> models = LoadModels();
			total += LeadscoreDistributed() ? RescoreDistributed(kt, ids, now, own_transaction)
			                                : RescoreLeads(kt, ids, now);
			// Every model's accounts: the lead -> account map was rebuilt
			// for all of them.
			KeyType akt = AccountKeyType();
			for (const leadscore::core::ModelSpec &spec : models)
				RebuildAccounts(akt, spec, now);
		}
		FinishSpi();
		PG_RETURN_INT64(total);
	});
}

// _rescore_shards(model_ids int4[], now timestamptz) -> bigint: rescore()'s
// part on a Citus worker's shard groups, run there by the coordinator.
PG_FUNCTION_INFO_V1(leadscore_rescore_shards);
Datum leadscore_rescore_shards(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		RequireArg(fcinfo, 0, "model_ids");
		RequireArg(fcinfo, 1, "now");
		std::vector<std::int32_t> ids;
		CallPg([&] {
			ArrayType *a = PG_GETARG_ARRAYTYPE_P(0);
			Datum *values;
			bool *nulls;
			int n;
			deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &values, &nulls, &n);
			for (int i = 0; i < n; i++)
				if (!nulls[i])
					ids.push_back(DatumGetInt32(values[i]));
		});
		std::int64_t now = TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(1));
		KeyType kt = BeginEngineCall();
		std::int64_t total = kt.oid == InvalidOid ? 0 : RescoreShardGroups(kt, ids, now);
		FinishSpi();
		PG_RETURN_INT64(total);
	});
}

// _recompute_momentum() -> bigint: every lead's momentum from its history,
// nothing else written (the 0.3 update); the leads recomputed.
PG_FUNCTION_INFO_V1(leadscore_recompute_momentum);
Datum leadscore_recompute_momentum(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		KeyType kt = BeginEngineCall();
		std::int64_t total = 0;
		if (kt.oid != InvalidOid) {
			LockAttachedTables();
			for (std::int32_t id : ModelIds(std::nullopt))
				total += RecomputeMomentum(kt, id);
		}
		FinishSpi();
		PG_RETURN_INT64(total);
	});
}

// _refresh_lifecycle(model_id): advances every record of one model to its
// state now (events with cause rescore, as rescore()'s): after its bands
// change, so that every record holds its band and is due when decay next
// moves the lead down one.  Writers wait meanwhile, as for rescore().
PG_FUNCTION_INFO_V1(leadscore_refresh_lifecycle);
Datum leadscore_refresh_lifecycle(PG_FUNCTION_ARGS) {
	return Guarded([&] {
		RequireArg(fcinfo, 0, "model_id");
		std::int32_t id = PG_GETARG_INT32(0);
		KeyType kt = BeginEngineCall();
		if (kt.oid != InvalidOid) {
			LockAttachedTables();
			std::int64_t now = TimestampToUnixUsNow();
			for (const leadscore::core::ModelSpec &spec : LoadModels())
				if (spec.id == id)
					RescoreLifecycle(kt, spec, now);
		}
		FinishSpi();
		PG_RETURN_VOID();
	});
}

// verify(model text DEFAULT NULL) -> SETOF (model, lead_id, difference):
// every way a stored lead state differs from a recompute of its history;
// no rows means consistent.
PG_FUNCTION_INFO_V1(leadscore_verify);
Datum leadscore_verify(PG_FUNCTION_ARGS) {
	std::int64_t now = TimestampToUnixUsNow();
	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	return Guarded([&] {
		std::optional<std::string> name = OptionalTextArg(fcinfo, 0);
		KeyType kt = BeginEngineCall();
		ConsistentReads one_snapshot;
		std::vector<Difference> differences;
		if (kt.oid != InvalidOid && ReportAttachmentProblems(rsinfo)) {
			std::vector<std::int32_t> ids = ModelIds(name);
			for (const leadscore::core::ModelSpec &spec : LoadModels()) {
				if (std::find(ids.begin(), ids.end(), spec.id) == ids.end())
					continue;
				VerifyModel(kt, spec.id, now, &differences);
				for (auto &[lead, what] : VerifyLifecycle(kt, spec))
					differences.push_back({spec.name, lead, what});
				for (auto &[account, what] : VerifyAccounts(AccountKeyType(), spec))
					differences.push_back({spec.name, "account " + account, what});
				for (auto &[key, what] : VerifyRanges(spec))
					differences.push_back({spec.name, key, what});
			}
		}
		FinishSpi();
		for (const Difference &d : differences)
			CallPg([&] {
				Datum values[3] = {TextDatum(d.model), TextDatum(d.lead), TextDatum(d.what)};
				bool nulls[3] = {false, false, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		return Datum(0);
	});
}

} // extern "C"
