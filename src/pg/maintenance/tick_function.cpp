// leadscore.tick(now): the periodic job (pg_cron).  It reports what decay
// did since the last tick, folds in the silence scorings that fell due
// (docs/design.md §3.9), walks the histories of the leads whose rows came
// back-dated (queued_walks.hpp), relays the handoff notifications the
// triggers did not send, and re-bases a model's decay epoch long before
// float8 could overflow.
//
// Decay only ever moves a lead down, and each lead's record says when that
// next happens (lead_state.due_at, core/lead/lead_lifecycle.hpp): tick() reads
// the due leads from a partial index on due_hint, a lower bound of due_at
// that activity only lowers, so its cost follows the crossings (and the
// leads whose due_at activity moved later since, visited once), not the
// leads.  Ticks run one at a time (a row lock on
// leadscore.tick_state); writers are never waited for: a lead a writer holds
// is skipped (SKIP LOCKED) and the writer reports its decay itself, or the
// next tick does.
#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/fmgr_args.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/catalog/key_types.hpp"
#include "pg/catalog/plan_invalidation.hpp"
#include "pg/catalog/shard_group_scope.hpp"
#include "pg/catalog/table_plan.hpp"
#include "pg/citus/shard_context.hpp"
#include "pg/citus/worker_calls.hpp"
#include "pg/ingest/lead_effects.hpp"
#include "pg/maintenance/queued_walks.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/spi_query.hpp"
#include "pg/state/account_store.hpp"
#include "pg/state/lifecycle_store.hpp"
#include "pg/state/pending_notifies.hpp"
#include "pg/state/pending_scorings.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include "core/base/error.hpp"
#include "core/model/decay.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// Serialises ticks; false when `now` lies before the last tick (nothing to
// do: decay has already been reported up to then).
bool BeginTick(std::int64_t now) {
	auto rows = QueryText("SELECT last_tick_at IS NOT NULL AND last_tick_at > $1::pg_catalog.timestamptz"
	                      " FROM leadscore.tick_state FOR UPDATE",
	                      {TimestampText(now)});
	return rows.empty() || *rows[0][0] != "t";
}

void EndTick(std::int64_t now) {
	ExecuteText("UPDATE leadscore.tick_state SET last_tick_at = $1::pg_catalog.timestamptz",
	            {TimestampText(now)});
}

// Moves the epoch of every model that needs it to `now` (whole seconds):
// every stored sum of the model is multiplied by one factor, so scores,
// order and due times (absolute) stay as they are.  Writers are blocked for
// the moment it takes (their plans hold the old epoch); it happens once in
// 256 half-lives (core::kRebaseExponent).  Runs after the due leads are reported, so every record
// that decay could change is current at the new epoch.
//
// Never far past the clock: tick(now) with a `now` years ahead (a
// backtest, a typo) once moved the epoch there, and from then on every read
// of a score at the real time computed 2^((clock - epoch)/h) for a hugely
// negative exponent: lead_scores failed with "value out of range:
// underflow" for every lead until the clock caught up.  An epoch at most
// kMaxEpochLead half-lives ahead of the clock keeps that weight >= 2^-320,
// and every score read at the clock finite (core/model/decay.hpp).
void RebaseModels(std::int64_t tick_now) {
	constexpr std::int64_t kSecond = 1'000'000;
	const double clock = static_cast<double>(TimestampToUnixUs(GetCurrentTransactionStartTimestamp()));
	for (const core::ModelSpec &m : LoadModels()) {
		// Momentum shares the epoch and decays faster (or alone, in a model
		// without decay): the epoch moves when either sum needs it, never
		// further than the shorter half-life allows.
		core::Decay decay(m.half_life_us, m.epoch_us);
		core::Decay momentum(m.momentum_half_life_us, m.epoch_us);
		if (!decay.decays() && !momentum.decays())
			continue;
		double shortest = !decay.decays()     ? momentum.half_life_us()
		                  : !momentum.decays() ? decay.half_life_us()
		                                       : std::min(decay.half_life_us(), momentum.half_life_us());
		double limit = clock + core::kMaxEpochLead * shortest;
		std::int64_t now = static_cast<double>(tick_now) < limit ? tick_now : static_cast<std::int64_t>(limit);
		if (!decay.NeedsRebase(now) && !momentum.NeedsRebase(now))
			continue;
		std::int64_t epoch = now - ((now % kSecond) + kSecond) % kSecond;
		char factor[64];
		std::snprintf(factor, sizeof factor, "%.17g", decay.RebaseFactor(epoch));
		char momentum_factor[64];
		std::snprintf(momentum_factor, sizeof momentum_factor, "%.17g", momentum.RebaseFactor(epoch));
		for (const ActivityTable &t : LoadActivityTables())
			ExecuteText(("LOCK TABLE " + t.name + " IN SHARE MODE").c_str());
		std::string id = std::to_string(m.id);
		// Pending silence scorings are stored values too (only 0.3's layout
		// has them, and the function).
		std::string hot = HotStateLayout() ? ", score_rank = leadscore.score_rank(stored * $2::pg_catalog.float8),"
		                                      " caps = leadscore.pending_scaled(caps, $2::pg_catalog.float8),"
		                                      " momentum = momentum * $3::pg_catalog.float8,"
		                                      " momentum_rank = leadscore.momentum_rank(momentum * $3::pg_catalog.float8,"
		                                      " $4::pg_catalog.bool)"
		                                    : "";
		ExecuteText(("UPDATE leadscore.lead_state SET stored = stored * $2::pg_catalog.float8,"
		             " stage_stored = ARRAY(SELECT x * $2::pg_catalog.float8"
		             " FROM pg_catalog.unnest(stage_stored) WITH ORDINALITY u(x, i) ORDER BY i)" +
		             hot + " WHERE model_id = $1::pg_catalog.int4")
		                .c_str(),
		            {id, std::string(factor), std::string(momentum_factor), m.momentum_ranking ? "true" : "false"});
		// Account sums are sums of square roots: they scale by sqrt(factor),
		// and so do the Citus shards' deltas not folded yet (empty elsewhere).
		for (const char *table : {"account_state", "account_deltas"})
			ExecuteText(("UPDATE leadscore." + std::string(table) +
			             " SET stored = stored * pg_catalog.sqrt($2::pg_catalog.float8),"
			             " stage_stored = ARRAY(SELECT x * pg_catalog.sqrt($2::pg_catalog.float8)"
			             " FROM pg_catalog.unnest(stage_stored) WITH ORDINALITY u(x, i) ORDER BY i)"
			             " WHERE model_id = $1::pg_catalog.int4")
			                .c_str(),
			            {id, std::string(factor)});
		ExecuteText("UPDATE leadscore.models SET epoch = $2::pg_catalog.timestamptz, version = version + 1"
		            " WHERE id = $1::pg_catalog.int4",
		            {id, TimestampText(epoch)});
		InvalidatePlans();
	}
}

// tick()'s index key: due_hint, or due_at itself in 0.2's layout
// (state_layout.hpp).
const char *DueKey() {
	return HotStateLayout() ? "due_hint" : "due_at";
}

// The models with leads due by `now`, by id.
std::vector<std::int32_t> ModelsDue(std::int64_t now) {
	std::vector<std::int32_t> ids;
	std::string sql = std::string("SELECT DISTINCT model_id FROM leadscore.lead_state WHERE ") + DueKey() +
	                  " <= $1::pg_catalog.timestamptz ORDER BY model_id";
	for (const TextRow &r : QueryText(sql.c_str(), {TimestampText(now)}))
		ids.push_back(static_cast<std::int32_t>(std::stol(*r[0])));
	return ids;
}

#define LEADSCORE_STRINGIFY(x) #x
#define LEADSCORE_TOSTRING(x) LEADSCORE_STRINGIFY(x)
#define LEADSCORE_TICK_BATCH 1000

// One batch of a model's leads that may be due, locked, in due_hint order
// from `*from` on (the partial index on due_hint, a lower bound of due_at:
// a batch reads its own leads and the entries its predecessors updated,
// never the model's other leads); `*from` moves to the batch's last hint.
// Leads a writer holds are skipped (the writer reports their decay, or the
// next tick does).  SKIP LOCKED never waits, so no lock order is needed.
// In a model with silence rules (0.3's layout only) each lead's pending
// scorings due by `fold_by` go to `due`, one list per lead.
std::vector<LifecycleLead> LockDue(const core::ModelSpec &model, std::int64_t now, std::int64_t fold_by,
                                   TimestampTz *from, std::vector<std::vector<core::LeadState::Pending>> *due) {
	std::int32_t id = model.id;
	TimestampTz at = UnixUsToTimestamp(now);
	Oid types[] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	std::string key = DueKey();
	bool silence = HotStateLayout() && core::HasSilenceRules(model);
	std::string sql = std::string("SELECT " LEADSCORE_LIFECYCLE_SELECT) + BandColumn() + ", " +
	                  (silence ? "caps, " : "") + key +
	                  " FROM leadscore.lead_state WHERE model_id = $1 AND " + key + " <= $2 AND " + key +
	                  " >= $3 ORDER BY " + key + " LIMIT " LEADSCORE_TOSTRING(LEADSCORE_TICK_BATCH) " FOR UPDATE SKIP LOCKED";
	SPIPlanPtr plan = KeptPlan(sql.c_str(), 3, types, CURSOR_OPT_CUSTOM_PLAN);
	std::uint64_t rows = CallPg([&] {
		Datum values[] = {Int32GetDatum(id), TimestampTzGetDatum(at), TimestampTzGetDatum(*from)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_SELECT, "reading due leads");
		if (SPI_processed > 0) {
			bool isnull;
			TupleDesc desc = SPI_tuptable->tupdesc;
			*from = DatumGetTimestampTz(
			    SPI_getbinval(SPI_tuptable->vals[SPI_processed - 1], desc, desc->natts, &isnull));
		}
		return SPI_processed;
	});
	SPITupleTable *table = SPI_tuptable;
	due->assign(silence ? rows : 0, {});
	if (silence) {
		std::vector<ArrayType *> caps(rows, nullptr);
		CallPg([&] {
			for (std::uint64_t r = 0; r < rows; r++) {
				bool isnull;
				Datum d = SPI_getbinval(table->vals[r], table->tupdesc, table->tupdesc->natts - 1, &isnull);
				caps[r] = isnull ? nullptr : DatumGetArrayTypeP(d);
			}
		});
		for (std::uint64_t r = 0; r < rows; r++)
			DuePending(caps[r], fold_by, &(*due)[r]);
	}
	return ReadLifecycleRows(table, rows, StateSelect::Lifecycle, model);
}

// Folds the pending silence scorings due by `fold_by` into the states of
// `leads` (due[i] for leads[i]): their transitions, each at its own time
// (cause decay), their account shares, and their sums, rank and pending
// lists in lead_state.  Leaves the records advanced to the last of them;
// returns the transitions reported.
std::int64_t FoldDueScorings(const KeyType &kt, const core::ModelSpec &model, std::int64_t now, std::int64_t fold_by,
                             std::vector<LifecycleLead> *leads,
                             const std::vector<std::vector<core::LeadState::Pending>> &due) {
	KeyType akt = AccountKeyType();
	std::vector<ModelEffects> effects;
	effects.emplace_back(model, now, akt.oid != InvalidOid, core::TransitionCause::Decay);
	std::vector<Datum> keys;
	for (std::size_t i = 0; i < due.size(); i++)
		if (!due[i].empty()) {
			effects[0].FoldDue(&(*leads)[i], due[i]);
			keys.push_back((*leads)[i].key);
		}
	if (keys.empty())
		return 0;
	FoldPendingStates(kt, model.id, keys, fold_by);
	ReportEffects(kt, akt, effects, FirstAccounts{}, now);
	return static_cast<std::int64_t>(effects[0].events().size());
}

// Reports the decay of one model's due leads; returns the transitions.
std::int64_t TickModel(const KeyType &kt, const core::ModelSpec &model, std::int64_t now) {
	std::int64_t reported = 0;
	TimestampTz from;
	TIMESTAMP_NOBEGIN(from);
	// Scores are read at the clock: a tick() ahead of it (tests, demos)
	// folds no scoring the clock has not reached (core::WakeForPending).
	std::int64_t clock = TimestampToUnixUs(GetCurrentTransactionStartTimestamp());
	std::int64_t fold_by = std::min(now, clock);
	std::vector<std::vector<core::LeadState::Pending>> due;
	for (;;) {
		std::vector<LifecycleLead> leads = LockDue(model, now, fold_by, &from, &due);
		reported += FoldDueScorings(kt, model, now, fold_by, &leads, due);
		std::vector<LeadEvent> events;
		std::vector<core::Transition> transitions;
		for (LifecycleLead &lead : leads) {
			transitions.clear();
			core::Advance(model, lead.Input(), now, core::TransitionCause::Decay, &lead.record, &transitions);
			for (const core::Transition &t : transitions)
				events.push_back(LeadEvent{lead.key, t});
		}
		WriteLifecycle(kt, model, leads);
		InsertEvents(kt, model, events, true);
		reported += static_cast<std::int64_t>(events.size());
		// Advance moved every due_at past `now` and WriteLifecycle the
		// hints with them, so the next batch holds other leads; a short
		// batch was the last.
		if (leads.size() < LEADSCORE_TICK_BATCH)
			return reported;
	}
}

// Sends the handoff notifications the triggers left to tick()
// (settings.notify = 'tick') and those of prepared transactions, which
// cannot NOTIFY (pending_notifies.hpp), once they are committed.
// rescore() sends nothing (a rebuild is not news): its events are never
// relayed.  With notify = 'off' the handoffs are marked and not sent, so
// turning notifications on later does not replay them.
void RelayNotifications() {
	ExecuteText("WITH e AS (UPDATE leadscore.events SET notified_at = pg_catalog.now() WHERE id IN"
	            " (SELECT id FROM leadscore.events WHERE notified_at IS NULL AND kind = 'status'"
	            " AND to_value = 'sql' AND cause <> 'rescore' ORDER BY id FOR UPDATE SKIP LOCKED)"
	            " RETURNING id, CASE WHEN " LEADSCORE_FULL_PAYLOAD " THEN leadscore.event_payload(events) END AS p)"
	            " SELECT e.id, e.p FROM e WHERE (SELECT notify <> 'off' FROM leadscore.settings)");
	QueueReturnedHandoffs(SPI_tuptable, SPI_processed, core::HandoffKind::Lead);
	ExecuteText("WITH e AS (UPDATE leadscore.account_events SET notified_at = pg_catalog.now() WHERE id IN"
	            " (SELECT id FROM leadscore.account_events WHERE notified_at IS NULL AND to_value = 'hot'"
	            " AND cause <> 'rescore' ORDER BY id FOR UPDATE SKIP LOCKED)"
	            " RETURNING id, CASE WHEN " LEADSCORE_FULL_PAYLOAD
	            " THEN " LEADSCORE_ACCOUNT_PAYLOAD("account_events") " END AS p)"
	            " SELECT e.id, e.p FROM e WHERE (SELECT notify <> 'off' FROM leadscore.settings)");
	QueueReturnedHandoffs(SPI_tuptable, SPI_processed, core::HandoffKind::Account);
}

// Expires the open handoffs past their SLA by `now`, sends their
// escalations and assigns the waiting ones (src/sql/handoffs.sql); not
// before ALTER EXTENSION leadscore UPDATE has installed the queue.
void TickHandoffs(std::int64_t now) {
	if (*QueryText("SELECT pg_catalog.to_regprocedure('leadscore._tick_handoffs(pg_catalog.timestamptz)')"
	               " IS NOT NULL")[0][0] == "t")
		ExecuteText("SELECT leadscore._tick_handoffs($1::pg_catalog.timestamptz)", {TimestampText(now)});
}

// The leads' part of a tick: due leads and queued history walks, of the
// leads the tables hold (on a Citus shard: its group's).
std::int64_t TickLeads(const KeyType &kt, const std::vector<core::ModelSpec> &models, std::int64_t now) {
	std::int64_t reported = 0;
	for (std::int32_t id : ModelsDue(now))
		for (const core::ModelSpec &m : models)
			if (m.id == id)
				reported += TickModel(kt, m, now);
	for (std::int32_t id : ModelsWithWalks())
		for (const core::ModelSpec &m : models)
			if (m.id == id)
				reported += WalkQueuedLeads(kt, m, now);
	return reported;
}

// The leads' part on every shard group of this node (shard_context.hpp).
std::int64_t TickShardGroups(const KeyType &kt, std::int64_t now) {
	std::int64_t reported = 0;
	for (const ShardContext *group : LocalShardGroups()) {
		ShardGroupScope shard(group);
		reported += TickLeads(kt, LoadModels(), now);
	}
	return reported;
}

// On Citus the leads live on the workers: each ticks its shard groups
// (leadscore._tick_shards, worker_calls.hpp); decay reported there stays
// reported if this tick fails.
std::int64_t TickWorkers(const KeyType &kt, std::int64_t now) {
	return TickShardGroups(kt, now) +
	       SumOnWorkers("SELECT leadscore._tick_shards('" + TimestampText(now) + "'::pg_catalog.timestamptz)");
}

// RelayNotifications on Citus: the same events, marked by a multi-shard
// UPDATE (Citus runs no FOR UPDATE across shards, and none is needed:
// ticks run one at a time, and no writer updates an event).
void RelayShardNotifications() {
	ExecuteText("WITH e AS (UPDATE leadscore.events SET notified_at = pg_catalog.now() WHERE notified_at IS NULL"
	            " AND kind = 'status' AND to_value = 'sql' AND cause <> 'rescore'"
	            // Payloads here: Citus runs no STABLE function in RETURNING.
	            " RETURNING *)"
	            " SELECT e.id, CASE WHEN " LEADSCORE_FULL_PAYLOAD
	            " THEN leadscore.event_payload(ROW(e.*)::leadscore.events) END FROM e"
	            " WHERE (SELECT notify <> 'off' FROM leadscore.settings) ORDER BY e.at, e.id");
	QueueReturnedHandoffs(SPI_tuptable, SPI_processed, core::HandoffKind::Lead);
}

std::int64_t Tick(std::int64_t now) {
	// Under SERIALIZABLE its reads of due leads and hot accounts would
	// otherwise fail writers of other leads (consistent_reads.hpp).
	WriterReads reads;
	KeyType kt = BeginEngineCall();
	bool distributed = LeadscoreDistributed();
	std::int64_t reported = 0;
	if (BeginTick(now)) {
		std::vector<core::ModelSpec> models = LoadModels();
		if (kt.oid != InvalidOid)
			reported += distributed ? TickWorkers(kt, now) : TickLeads(kt, models, now);
		KeyType akt = AccountKeyType();
		// On Citus the shards' account changes since the last tick (their
		// own ticks' just now among them) join the sums here.
		if (distributed)
			FoldAccountDeltas(akt, models, now);
		for (const core::ModelSpec &m : models)
			SweepAccounts(akt, m, now, core::TransitionCause::Decay);
		RebaseModels(now);
		EndTick(now);
	}
	// Whatever `now` says: a handoff waits for no clock.
	TickHandoffs(now);
	if (distributed)
		RelayShardNotifications();
	else
		RelayNotifications();
	FinishSpi();
	return reported;
}

} // namespace
} // namespace leadscore::pg

extern "C" {

// tick(now timestamptz DEFAULT now()) -> bigint: the transitions reported.
PG_FUNCTION_INFO_V1(leadscore_tick);
Datum leadscore_tick(PG_FUNCTION_ARGS) {
	using leadscore::core::Error;
	using leadscore::core::ErrorKind;
	return leadscore::pg::Guarded([&] {
		if (RecoveryInProgress())
			throw Error(ErrorKind::ReadOnly, "leadscore.tick() cannot run on a standby server",
			            "tick() writes lead states and events; a standby is read-only.",
			            "Schedule it on the primary; the standby replays its results.");
		leadscore::pg::RequireArg(fcinfo, 0, "now");
		TimestampTz now = PG_GETARG_TIMESTAMPTZ(0);
		if (TIMESTAMP_NOT_FINITE(now))
			throw Error(ErrorKind::InvalidValue, "now must be a finite time");
		// A tick moves every record it reports to `now`, and records never
		// run backwards: one tick decades ahead froze every lead it touched
		// there (later writes scored them as of then) and stopped every later
		// tick.  Looking ahead is for tests and demos, so a year is plenty.
		constexpr TimestampTz kHorizon = INT64_C(366) * USECS_PER_DAY;
		if (now > GetCurrentTransactionStartTimestamp() + kHorizon)
			throw Error(ErrorKind::InvalidValue, "now must not lie more than a year after the clock",
			            "tick() reports decay up to now, and no record it moves there goes back.",
			            "leadscore.reset_tick() moves records a tick left ahead of the clock back to it.");
		return Int64GetDatum(leadscore::pg::Tick(leadscore::pg::TimestampToUnixUs(now)));
	});
}

// _tick_shards(now timestamptz) -> bigint: tick()'s part on a Citus
// worker's shard groups, run there by the coordinator's tick().
PG_FUNCTION_INFO_V1(leadscore_tick_shards);
Datum leadscore_tick_shards(PG_FUNCTION_ARGS) {
	return leadscore::pg::Guarded([&] {
		leadscore::pg::RequireArg(fcinfo, 0, "now");
		std::int64_t now = leadscore::pg::TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(0));
		leadscore::pg::WriterReads reads;
		leadscore::pg::KeyType kt = leadscore::pg::BeginEngineCall();
		std::int64_t reported = kt.oid == InvalidOid ? 0 : leadscore::pg::TickShardGroups(kt, now);
		leadscore::pg::FinishSpi();
		return Int64GetDatum(reported);
	});
}

} // extern "C"
