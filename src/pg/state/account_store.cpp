// Account state.  See account_store.hpp.
#include "pg/state/account_store.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/spi/spi_cursor.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/pending_notifies.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include "core/lead/scoring_recompute.hpp"
#include "core/lead/scoring_status.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace leadscore::pg {
namespace {

constexpr std::size_t kBatch = 1000;

// One account row as an upsert or a sweep returned it.
struct AccountRow {
	Datum account;
	double stored;
	std::int64_t members;
	bool hot;
	std::int64_t checked_at; // kNoTime for NULL
};

// PostgreSQL side: the rows of `table` (account_id, stored, members, status,
// checked_at), copied into the caller's context.
AccountRow *ReadRows(const KeyType &akt, SPITupleTable *table, std::uint64_t n) {
	auto *rows = static_cast<AccountRow *>(palloc0(sizeof(AccountRow) * (n + 1)));
	for (std::uint64_t i = 0; i < n; i++) {
		HeapTuple t = table->vals[i];
		TupleDesc d = table->tupdesc;
		bool isnull;
		rows[i].account = SPI_datumTransfer(SPI_getbinval(t, d, 1, &isnull), akt.byval, akt.typlen);
		rows[i].stored = DatumGetFloat8(SPI_getbinval(t, d, 2, &isnull));
		rows[i].members = DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
		char *status = SPI_getvalue(t, d, 4);
		rows[i].hot = status != nullptr && strcmp(status, "hot") == 0;
		Datum checked = SPI_getbinval(t, d, 5, &isnull);
		rows[i].checked_at = isnull ? core::kNoTime : StateTimeToUnixUs(DatumGetTimestampTz(checked));
	}
	return rows;
}

struct StatusChange {
	Datum account;
	bool hot;
	double score;
	std::int64_t members;
	std::int64_t at;
};

// The changes of the recorded status the rows imply at `now`.
std::vector<StatusChange> Changes(const core::ModelSpec &model, const AccountRow *rows, std::uint64_t n,
                                  std::int64_t now) {
	std::vector<StatusChange> changes;
	if (std::isnan(model.account_threshold))
		return changes;
	core::ModelSpec accounts = core::AccountModel(model, model.account_threshold);
	for (std::uint64_t i = 0; i < n; i++) {
		std::int64_t at = std::max(now, rows[i].checked_at);
		bool hot = core::StatusAt(accounts, rows[i].stored, at) != core::LeadStatus::Nurture;
		if (hot != rows[i].hot)
			changes.push_back({rows[i].account, hot, core::CurrentScore(accounts, rows[i].stored, at), rows[i].members, at});
	}
	return changes;
}

// Records the changes and reports them: account_events, and NOTIFY
// leadscore at commit for an account that turns hot (a buying group
// forming).
void Report(const KeyType &akt, const core::ModelSpec &model, const std::vector<StatusChange> &changes,
            core::TransitionCause cause) {
	int n = static_cast<int>(changes.size());
	if (n == 0)
		return;
	std::vector<Datum> keys;
	std::vector<const char *> to;
	std::vector<double> scores;
	std::vector<std::int64_t> at, members;
	for (const StatusChange &c : changes) {
		keys.push_back(c.account);
		to.push_back(c.hot ? "hot" : "cold");
		scores.push_back(c.score);
		at.push_back(c.at);
		members.push_back(c.members);
	}
	const char *cause_name = core::TransitionCauseName(cause);
	bool report = model.active;
	bool notify = cause != core::TransitionCause::Rescore;
	std::int32_t model_id = model.id;
	const std::string &name = model.name;
	CallPg([&] {
		Datum *member_datums = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
		for (int i = 0; i < n; i++)
			member_datums[i] = Int64GetDatum(members[static_cast<std::size_t>(i)]);
		Oid types[] = {INT4OID, akt.array_oid, TEXTARRAYOID, FLOAT8ARRAYOID, TIMESTAMPTZARRAYOID, INT8ARRAYOID,
		               TEXTOID, TEXTOID, BOOLOID, BOOLOID};
		Datum values[] = {Int32GetDatum(model_id),
		                  KeyArrayDatum(akt, keys.data(), n),
		                  TextArrayDatum(to.data(), n),
		                  Float8ArrayDatum(scores.data(), n),
		                  TimestampArrayDatum(at.data(), n),
		                  PointerGetDatum(construct_array(member_datums, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
		                  TextDatum(name),
		                  TextDatum(cause_name),
		                  BoolGetDatum(report),
		                  BoolGetDatum(notify)};
		// The rows exist (the caller holds them): an upsert, not an UPDATE,
		// as state_store.cpp's writes (why: there).
		int rc = ExecuteWriterSql(
		    "WITH u AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
		    " pg_catalog.unnest($5), pg_catalog.unnest($6)) AS u(k, st, sc, at, m)),"
		    " upd AS (INSERT INTO leadscore.account_state AS a"
		    " (model_id, account_id, stored, stage_stored, members, status, hot_at, checked_at)"
		    " SELECT $1, u.k, 0, '{}', 0, u.st, CASE WHEN u.st = 'hot' THEN u.at END, u.at FROM u"
		    " ON CONFLICT (model_id, account_id) DO UPDATE SET status = excluded.status,"
		    " checked_at = excluded.checked_at,"
		    " hot_at = CASE WHEN excluded.status = 'hot' THEN excluded.checked_at ELSE a.hot_at END"
		    " RETURNING a.account_id),"
		    " ev AS (INSERT INTO leadscore.account_events"
		    " (model, account_id, from_value, to_value, score, engaged_leads, at, cause, notified_at)"
		    " SELECT $7, u.k, CASE WHEN u.st = 'hot' THEN 'cold' ELSE 'hot' END, u.st, u.sc, u.m, u.at, $8,"
		    " CASE WHEN u.st = 'hot' AND $10 AND (SELECT notify = 'trigger' FROM leadscore.settings)"
		    " THEN pg_catalog.now() END FROM u WHERE $9"
		    " RETURNING CASE WHEN notified_at IS NOT NULL THEN id END AS id,"
		    " CASE WHEN notified_at IS NOT NULL AND " LEADSCORE_FULL_PAYLOAD
		    " THEN " LEADSCORE_ACCOUNT_PAYLOAD("account_events") " END AS p)"
		    " SELECT ev.id, ev.p FROM ev WHERE ev.id IS NOT NULL",
		    10, types, values, nullptr);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "leadscore: reporting account status failed (SPI code %d)", rc);
	});
	QueueReturnedHandoffs(SPI_tuptable, SPI_processed, core::HandoffKind::Account);
}

// The deltas as the arrays account SQL takes: keys, sums, members, and
// each delta's stage sums one after another (stage_count each).
struct DeltaArrays {
	int n;
	std::int32_t stage_count;
	std::vector<Datum> keys, leads;
	std::vector<double> stored, stages, members;

	DeltaArrays(const core::ModelSpec &model, const std::vector<AccountDelta> &deltas)
	    : n(static_cast<int>(deltas.size())), stage_count(static_cast<std::int32_t>(model.stages.size())) {
		for (const AccountDelta &d : deltas) {
			keys.push_back(d.account);
			leads.push_back(d.lead);
			stored.push_back(d.share.stored);
			members.push_back(static_cast<double>(d.share.members));
			for (std::int32_t k = 0; k < stage_count; k++) {
				auto at = static_cast<std::size_t>(k);
				stages.push_back(at < d.share.stages.size() ? d.share.stages[at] : 0);
			}
		}
	}
};

// On a Citus shard: the deltas go to its group's account_deltas shard,
// each under one of its leads' keys; their status changes are reported
// when tick() folds them (FoldAccountDeltas).
void AppendShardDeltas(const KeyType &akt, const core::ModelSpec &model, const std::vector<AccountDelta> &deltas,
                       core::TransitionCause cause) {
	KeyType kt = LeadKeyType();
	DeltaArrays a(model, deltas);
	std::int32_t model_id = model.id;
	const char *cause_name = core::TransitionCauseName(cause);
	Oid types[] = {INT4OID, kt.array_oid, akt.array_oid, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, INT4OID, TEXTOID};
	SPIPlanPtr plan = KeptPlan(
	    "INSERT INTO leadscore.account_deltas (lead_id, model_id, account_id, stored, stage_stored, members, cause)"
	    " SELECT u.l, $1, u.k, u.s, $4[(u.i - 1) * $7 + 1 : u.i * $7], u.m::pg_catalog.int8, $8"
	    " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($5), pg_catalog.unnest($6))"
	    " WITH ORDINALITY AS u(l, k, s, m, i)",
	    8, types, CURSOR_OPT_GENERIC_PLAN);
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id),
		                  KeyArrayDatum(kt, a.leads.data(), a.n),
		                  KeyArrayDatum(akt, a.keys.data(), a.n),
		                  Float8ArrayDatum(a.stages.data(), a.n * a.stage_count),
		                  Float8ArrayDatum(a.stored.data(), a.n),
		                  Float8ArrayDatum(a.members.data(), a.n),
		                  Int32GetDatum(a.stage_count),
		                  CStringGetTextDatum(cause_name)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "writing account deltas");
	});
}

// The cause named `name` (as account_deltas keeps it).
core::TransitionCause CauseNamed(const char *name) {
	for (auto c : {core::TransitionCause::Activity, core::TransitionCause::Lead, core::TransitionCause::Decay,
	               core::TransitionCause::Rescore, core::TransitionCause::Adjustment, core::TransitionCause::Reset})
		if (strcmp(core::TransitionCauseName(c), name) == 0)
			return c;
	return core::TransitionCause::Activity;
}

// One row of FoldAccountDeltas' query: `stages` and `cause` point into
// the SPI result.
struct FoldedRow {
	std::int32_t model_id;
	Datum account;
	double stored;
	const double *stages;
	std::size_t stage_count;
	std::int64_t members;
	const char *cause;
};

// PostgreSQL side: the rows of `table` (model_id, account_id, stored,
// stage_stored, members, cause), accounts copied into the caller's context.
FoldedRow *ReadFoldedRows(const KeyType &akt, SPITupleTable *table, std::uint64_t n) {
	auto *rows = static_cast<FoldedRow *>(palloc0(sizeof(FoldedRow) * (n + 1)));
	for (std::uint64_t i = 0; i < n; i++) {
		HeapTuple t = table->vals[i];
		TupleDesc d = table->tupdesc;
		bool isnull;
		ArrayType *stages = DatumGetArrayTypeP(SPI_getbinval(t, d, 4, &isnull));
		rows[i] = FoldedRow{DatumGetInt32(SPI_getbinval(t, d, 1, &isnull)),
		                    SPI_datumTransfer(SPI_getbinval(t, d, 2, &isnull), akt.byval, akt.typlen),
		                    DatumGetFloat8(SPI_getbinval(t, d, 3, &isnull)),
		                    reinterpret_cast<const double *>(ARR_DATA_PTR(stages)),
		                    static_cast<std::size_t>(ArrayGetNItems(ARR_NDIM(stages), ARR_DIMS(stages))),
		                    DatumGetInt64(SPI_getbinval(t, d, 5, &isnull)),
		                    SPI_getvalue(t, d, 6)};
	}
	return rows;
}

} // namespace

void MergeAccountDeltas(const KeyType &akt, std::vector<AccountDelta> *deltas) {
	std::map<std::string, AccountDelta> merged;
	for (AccountDelta &d : *deltas) {
		auto [it, fresh] = merged.try_emplace(KeyBytes(d.account, akt.oid), AccountDelta{d.account, {}, d.lead});
		core::AddShare(d.share, 1, &it->second.share);
	}
	deltas->clear();
	for (auto &[bytes, d] : merged)
		deltas->push_back(std::move(d));
}

void ApplyAccountDeltas(const KeyType &akt, const core::ModelSpec &model, const std::vector<AccountDelta> &deltas,
                        std::int64_t now, core::TransitionCause cause) {
	if (deltas.empty())
		return;
	if (CurrentShard() != nullptr) {
		AppendShardDeltas(akt, model, deltas, cause);
		return;
	}
	DeltaArrays a(model, deltas);
	std::int32_t model_id = model.id;
	Oid types[] = {INT4OID, akt.array_oid, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, INT4OID};
	SPIPlanPtr plan = KeptPlan(
	    "INSERT INTO leadscore.account_state AS a (model_id, account_id, stored, stage_stored, members)"
	    " SELECT $1, u.k, u.s, $3[(u.i - 1) * $6 + 1 : u.i * $6], u.m::pg_catalog.int8"
	    " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($4), pg_catalog.unnest($5))"
	    " WITH ORDINALITY AS u(k, s, m, i) ORDER BY u.k"
	    " ON CONFLICT (model_id, account_id) DO UPDATE SET stored = a.stored + excluded.stored,"
	    " stage_stored = leadscore.float8_array_add(a.stage_stored, excluded.stage_stored),"
	    " members = a.members + excluded.members"
	    " RETURNING account_id, stored, members, status, checked_at",
	    6, types, CURSOR_OPT_GENERIC_PLAN);
	AccountRow *rows = CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(akt, a.keys.data(), a.n),
		                  Float8ArrayDatum(a.stages.data(), a.n * a.stage_count), Float8ArrayDatum(a.stored.data(), a.n),
		                  Float8ArrayDatum(a.members.data(), a.n), Int32GetDatum(a.stage_count)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT_RETURNING, "writing account state");
		return ReadRows(akt, SPI_tuptable, SPI_processed);
	});
	Report(akt, model, Changes(model, rows, SPI_processed, now), cause);
}

void FoldAccountDeltas(const KeyType &akt, const std::vector<core::ModelSpec> &models, std::int64_t now) {
	if (akt.oid == InvalidOid)
		return;
	// Merged where the rows are deleted: one row per account, however many
	// statements changed it since the last tick().  No FOR UPDATE: Citus
	// runs none across shards, and writers only ever append.
	std::uint64_t n = CallPg([&] {
		if (ExecuteWriterSql("WITH d AS (DELETE FROM leadscore.account_deltas RETURNING *)"
		                     " SELECT d.model_id, d.account_id, pg_catalog.sum(d.stored),"
		                     " leadscore._float8_array_sum(d.stage_stored), pg_catalog.sum(d.members)::pg_catalog.int8,"
		                     " (pg_catalog.array_agg(d.cause ORDER BY d.cause <> 'activity', d.cause <> 'lead', d.cause))[1]"
		                     " FROM d GROUP BY d.model_id, d.account_id ORDER BY d.model_id, d.account_id",
		                     0, nullptr, nullptr, nullptr) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: folding account deltas failed");
		return SPI_processed;
	});
	FoldedRow *rows = CallPg([&] { return ReadFoldedRows(akt, SPI_tuptable, n); });
	// (model, cause) -> its accounts' merged deltas.
	std::map<std::pair<std::int32_t, core::TransitionCause>, std::vector<AccountDelta>> groups;
	for (std::uint64_t i = 0; i < n; i++) {
		const FoldedRow &r = rows[i];
		AccountDelta delta{r.account, {r.stored, {r.stages, r.stages + r.stage_count}, r.members}};
		groups[{r.model_id, CauseNamed(r.cause)}].push_back(std::move(delta));
	}
	for (const core::ModelSpec &model : models)
		for (auto &[key, deltas] : groups)
			if (key.first == model.id)
				ApplyAccountDeltas(akt, model, deltas, now, key.second);
}

std::vector<LeadAccount> LookupAccounts(const KeyType &kt, const KeyType &akt, const std::vector<Datum> &leads) {
	std::vector<LeadAccount> out(leads.size());
	if (leads.empty() || akt.oid == InvalidOid)
		return out;
	int n = static_cast<int>(leads.size());
	bool one = n == 1;
	Oid types[] = {one ? kt.oid : kt.array_oid};
	SPIPlanPtr plan =
	    one ? KeptPlan("SELECT lead_id, account_id FROM leadscore.lead_accounts WHERE lead_id = $1", 1, types, 0)
	        : KeptPlan("SELECT lead_id, account_id FROM leadscore.lead_accounts WHERE lead_id = ANY ($1)", 1, types,
	                   CURSOR_OPT_CUSTOM_PLAN);
	std::uint64_t found = CallPg([&] {
		Datum values[] = {one ? leads[0] : KeyArrayDatum(kt, leads.data(), n)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_SELECT, "reading lead accounts");
		return SPI_processed;
	});
	SPITupleTable *table = SPI_tuptable;
	std::map<std::string, Datum> by_lead;
	for (std::uint64_t i = 0; i < found; i++) {
		Datum lead = CallPg([&] {
			bool isnull;
			return SPI_getbinval(table->vals[i], table->tupdesc, 1, &isnull);
		});
		Datum account = CallPg([&] {
			bool isnull;
			return SPI_datumTransfer(SPI_getbinval(table->vals[i], table->tupdesc, 2, &isnull), akt.byval, akt.typlen);
		});
		by_lead[KeyBytes(lead, kt.oid)] = account;
	}
	for (std::size_t i = 0; i < leads.size(); i++) {
		auto it = by_lead.find(KeyBytes(leads[i], kt.oid));
		if (it != by_lead.end())
			out[i] = LeadAccount{true, it->second};
	}
	return out;
}

namespace {

// One lead's share as ForEachLeadShare reads it, PostgreSQL side: points
// into the cursor's row (valid until the next row).
struct ShareRow {
	Datum account;
	double stored;
	const double *stages;
	std::size_t n_stages;
	std::int64_t count;
	Datum lead;
};

// Visits every (account, lead, lead share) of one model in account order.
void ForEachLeadShare(const KeyType &akt, const core::ModelSpec &model,
                      const std::function<void(Datum account, Datum lead, const core::AccountShare &share)> &visit) {
	std::int32_t model_id = model.id;
	Portal portal = CallPg([&] {
		Oid types[] = {INT4OID};
		Datum values[] = {Int32GetDatum(model_id)};
		return OpenScanCursor(
		    "SELECT la.account_id, s.stored, s.stage_stored, s.activity_count, s.lead_id FROM leadscore.lead_state s"
		    " JOIN leadscore.lead_accounts la ON la.lead_id = s.lead_id WHERE s.model_id = $1 ORDER BY la.account_id",
		    1, types, values);
	});
	ForEachCursorRow(
	    portal,
	    [](HeapTuple t, TupleDesc d) {
		    auto *row = static_cast<ShareRow *>(palloc(sizeof(ShareRow)));
		    bool isnull;
		    row->account = SPI_getbinval(t, d, 1, &isnull);
		    row->stored = DatumGetFloat8(SPI_getbinval(t, d, 2, &isnull));
		    ArrayType *stages = DatumGetArrayTypeP(SPI_getbinval(t, d, 3, &isnull));
		    row->stages = reinterpret_cast<const double *>(ARR_DATA_PTR(stages));
		    row->n_stages = static_cast<std::size_t>(ArrayGetNItems(ARR_NDIM(stages), ARR_DIMS(stages)));
		    row->count = DatumGetInt64(SPI_getbinval(t, d, 4, &isnull));
		    row->lead = SPI_getbinval(t, d, 5, &isnull);
		    return row;
	    },
	    [&](const ShareRow &row) {
		    visit(row.account, row.lead, core::LeadShare(model, row.stored, row.stages, row.n_stages, row.count));
	    });
}

} // namespace

AccountShares AccountSharesOf(const KeyType &akt, const core::ModelSpec &model) {
	AccountShares sums;
	if (akt.oid == InvalidOid)
		return sums;
	KeyType kt = LeadKeyType();
	ForEachLeadShare(akt, model, [&](Datum account, Datum lead, const core::AccountShare &share) {
		auto [it, fresh] = sums.try_emplace(KeyBytes(account, akt.oid), AccountDelta{0, {}});
		if (fresh)
			CallPg([&] {
				it->second.account = datumCopy(account, akt.byval, akt.typlen);
				it->second.lead = datumCopy(lead, kt.byval, kt.typlen);
			});
		core::AddShare(share, 1, &it->second.share);
	});
	return sums;
}

std::vector<AccountDelta> ShareChanges(const KeyType &akt, const AccountShares &before, const AccountShares &after) {
	std::vector<AccountDelta> deltas;
	for (const auto &[bytes, d] : after)
		deltas.push_back(d);
	for (const auto &[bytes, d] : before) {
		AccountDelta gone{d.account, {}, d.lead};
		core::AddShare(d.share, -1, &gone.share);
		deltas.push_back(std::move(gone));
	}
	MergeAccountDeltas(akt, &deltas);
	auto unchanged = [](const AccountDelta &d) {
		return d.share.stored == 0 && d.share.members == 0 &&
		       std::all_of(d.share.stages.begin(), d.share.stages.end(), [](double x) { return x == 0; });
	};
	deltas.erase(std::remove_if(deltas.begin(), deltas.end(), unchanged), deltas.end());
	return deltas;
}

// Hot accounts whose score decayed below the threshold by `now`, from the
// partial index of hot accounts: the crossings only.  Accounts a writer
// holds are skipped (it reports them, or the next sweep does).
void SweepAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now, core::TransitionCause cause) {
	if (std::isnan(model.account_threshold) || akt.oid == InvalidOid)
		return;
	core::ModelSpec accounts = core::AccountModel(model, model.account_threshold);
	double below = core::StoredThresholdsAt(accounts, now).mql;
	std::int32_t model_id = model.id;
	AccountRow *rows = CallPg([&] {
		Oid types[] = {INT4OID, FLOAT8OID};
		Datum values[] = {Int32GetDatum(model_id), Float8GetDatum(below)};
		if (ExecuteWriterSql("SELECT account_id, stored, members, status, checked_at FROM leadscore.account_state"
		                     " WHERE model_id = $1 AND status = 'hot' AND stored < $2"
		                     " ORDER BY account_id FOR UPDATE SKIP LOCKED",
		                     2, types, values, nullptr) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: reading hot accounts failed");
		return ReadRows(akt, SPI_tuptable, SPI_processed);
	});
	Report(akt, model, Changes(model, rows, SPI_processed, now), cause);
}

void RebuildAccounts(const KeyType &akt, const core::ModelSpec &model, std::int64_t now) {
	if (akt.oid == InvalidOid)
		return;
	std::string id = std::to_string(model.id);
	if (LeadscoreDistributed())
		ExecuteText("DELETE FROM leadscore.account_deltas WHERE model_id = $1::pg_catalog.int4", {id});
	ExecuteText("UPDATE leadscore.account_state SET stored = 0, members = 0,"
	            " stage_stored = pg_catalog.array_fill(0::pg_catalog.float8, ARRAY[$2::pg_catalog.int4])"
	            " WHERE model_id = $1::pg_catalog.int4",
	            {id, std::to_string(model.stages.size())});
	std::vector<AccountDelta> batch;
	for (auto &[bytes, d] : AccountSharesOf(akt, model)) {
		batch.push_back(std::move(d));
		if (batch.size() >= kBatch) {
			ApplyAccountDeltas(akt, model, batch, now, core::TransitionCause::Rescore);
			batch.clear();
		}
	}
	ApplyAccountDeltas(akt, model, batch, now, core::TransitionCause::Rescore);
	SweepAccounts(akt, model, now, core::TransitionCause::Rescore);
	ExecuteText("DELETE FROM leadscore.account_state WHERE model_id = $1::pg_catalog.int4 AND members = 0"
	            " AND stored = 0 AND status = 'cold'",
	            {id});
}

std::vector<std::pair<std::string, std::string>> VerifyAccounts(const KeyType &akt, const core::ModelSpec &model) {
	std::vector<std::pair<std::string, std::string>> out;
	if (akt.oid == InvalidOid)
		return out;
	AccountShares expected = AccountSharesOf(akt, model);
	std::string id = std::to_string(model.id);
	// On Citus with the shards' deltas (a literal id: Citus plans the
	// union on the coordinator).
	std::string sql = LeadscoreDistributed()
	                      ? "SELECT u.account_id, pg_catalog.sum(u.stored), pg_catalog.sum(u.members)::pg_catalog.int8,"
	                        " pg_catalog.min(u.status), pg_catalog.max(u.checked_at) FROM"
	                        " (SELECT account_id, stored, members, status, checked_at FROM leadscore.account_state"
	                        " WHERE model_id = " + id +
	                            " UNION ALL SELECT account_id, stored, members, NULL, NULL FROM leadscore.account_deltas"
	                            " WHERE model_id = " + id + ") u GROUP BY u.account_id"
	                      : "SELECT account_id, stored, members, status, checked_at FROM leadscore.account_state"
	                        " WHERE model_id = " + id;
	std::uint64_t n = CallPg([&] {
		if (SPI_execute(sql.c_str(), true, 0) != SPI_OK_SELECT)
			elog(ERROR, "leadscore: reading account state failed");
		return SPI_processed;
	});
	AccountRow *rows = CallPg([&] { return ReadRows(akt, SPI_tuptable, n); });
	core::ModelSpec accounts = core::AccountModel(model, model.account_threshold);
	// A billionth of a point now, or of the sum: re-added floats, not a recompute.
	double point = core::Decay(accounts.half_life_us, accounts.epoch_us).StoredThreshold(1, CallPg([] {
		return TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	}));
	auto text = [&](Datum account) { return std::string(CallPg([&] { return KeyText(account, akt.oid); })); };
	for (std::uint64_t i = 0; i < n; i++) {
		const AccountRow &row = rows[i];
		std::string bytes = KeyBytes(row.account, akt.oid);
		auto it = expected.find(bytes);
		core::AccountShare none;
		const core::AccountShare &want = it == expected.end() ? none : it->second.share;
		double tolerance = core::kVerifyTolerance * std::max({std::fabs(want.stored), std::fabs(row.stored), point});
		if (std::fabs(row.stored - want.stored) > tolerance)
			out.emplace_back(text(row.account), "account score: stored " + std::to_string(row.stored) + ", expected " +
			                                        std::to_string(want.stored));
		if (row.members != want.members)
			out.emplace_back(text(row.account), "engaged leads: " + std::to_string(row.members) + ", expected " +
			                                        std::to_string(want.members));
		if (it != expected.end())
			expected.erase(it);
	}
	for (auto &[bytes, d] : expected)
		if (d.share.members != 0 || d.share.stored != 0)
			out.emplace_back(text(d.account), "account state missing");
	return out;
}

} // namespace leadscore::pg
