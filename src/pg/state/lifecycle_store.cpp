// Lifecycle columns and events.  See lifecycle_store.hpp.
#include "pg/state/lifecycle_store.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/boundary/text_datum.hpp"
#include "pg/spi/consistent_reads.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/spi/shard_names.hpp"
#include "pg/state/pending_notifies.hpp"
#include "pg/state/state_layout.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include "core/model/stage_rule.hpp"

#include <cstring>
#include <string>

namespace leadscore::pg {

void EnsureLifecycleRows(const KeyType &kt, const core::ModelSpec &model, const std::vector<Datum> &keys) {
	if (keys.empty())
		return;
	int n = static_cast<int>(keys.size());
	std::int32_t model_id = model.id;
	auto stage_count = static_cast<std::int32_t>(model.stages.size());
	Oid types[] = {INT4OID, kt.array_oid, INT4OID};
	SPIPlanPtr plan = KeptPlan("INSERT INTO leadscore.lead_state (model_id, lead_id, stored, stage_stored, activity_count)"
	                           " SELECT $1, k, 0, pg_catalog.array_fill(0::pg_catalog.float8, ARRAY[$3]), 0"
	                           " FROM pg_catalog.unnest($2) k ORDER BY k ON CONFLICT DO NOTHING",
	                           3, types, CURSOR_OPT_GENERIC_PLAN);
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, keys.data(), n), Int32GetDatum(stage_count)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "adding lead state rows");
	});
}

std::vector<LifecycleLead> LockLifecycle(const KeyType &kt, const core::ModelSpec &model,
                                         const std::vector<Datum> &keys) {
	int n = static_cast<int>(keys.size());
	std::int32_t model_id = model.id;
	Oid types[] = {INT4OID, kt.array_oid};
	// One lead (a lead row written, a reload): its first element, a kept
	// primary-key lookup (see KeptPlan).
	SPIPlanPtr plan =
	    n == 1 ? KeptPlan((std::string("SELECT " LEADSCORE_LIFECYCLE_SELECT) + BandColumn() +
	                       " FROM leadscore.lead_state WHERE model_id = $1 AND lead_id = ($2)[1] FOR UPDATE")
	                          .c_str(),
	                      2, types, 0)
	           : KeptPlan((std::string("SELECT " LEADSCORE_LIFECYCLE_SELECT) + BandColumn() +
	                       " FROM leadscore.lead_state WHERE model_id = $1 AND lead_id = ANY ($2)"
	                       " ORDER BY lead_id FOR UPDATE")
	                          .c_str(),
	                      2, types, CURSOR_OPT_CUSTOM_PLAN);
	std::uint64_t rows = CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, keys.data(), n)};
		RunKeptPlan(plan, values, nullptr, SPI_OK_SELECT, "locking lead lifecycles");
		return SPI_processed;
	});
	return ReadLifecycleRows(SPI_tuptable, rows, StateSelect::Lifecycle, model);
}

#define LEADSCORE_EMPTY_STATE "0, pg_catalog.array_fill(0::pg_catalog.float8, ARRAY[pg_catalog.cardinality(m.stages)]), 0"
#define LEADSCORE_LIFECYCLE_ROWS                                                                                      \
	"ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5),"          \
	" pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9),"                    \
	" pg_catalog.unnest($10)) AS u(k, g, st, sg, mq, sq, ch, du, b)"

namespace {

// The plan that writes `n` leads' lifecycles: an UPDATE, but for a
// SERIALIZABLE writer an upsert of rows that exist (state_store.cpp says
// why; the empty state it would insert for a row that does not is
// EnsureLifecycleRows').  One lead (most statements) reads the first
// elements.  due_hint gets due_at, and band the band, in the layout that
// has them (`hot`: state_layout.hpp).  With `pending` (a model with silence rules, only in
// that layout) due_at is no later than the row's first pending scoring
// (core::WakeForPending, here in SQL): the record says when tick() must
// fold it in.
SPIPlanPtr LifecyclePlan(int n, Oid *types, bool overwrite, bool hot, bool pending) {
	bool one = n == 1;
	// core::WakeForPending, in SQL.
	auto wake = [pending](const std::string &due, const std::string &checked) {
		return pending ? "LEAST(" + due + ", GREATEST(leadscore.pending_first(s.caps), " + checked +
		                     " + interval '1 microsecond'))"
		               : due;
	};
	std::string due = one ? wake("($9)[1]", "($8)[1]") : wake("u.du", "u.ch");
	std::string band = one ? "($10)[1]" : "u.b";
	std::string sql;
	if (overwrite) {
		sql = std::string("INSERT INTO leadscore.lead_state AS s (model_id, lead_id, stored, stage_stored,"
		                  " activity_count, " LEADSCORE_RECORD_COLUMNS) +
		      (hot ? ", due_hint, band" : "") + ")";
		sql += one ? " SELECT $1, ($2)[1], " LEADSCORE_EMPTY_STATE ", ($3)[1]::leadscore.grade, ($4)[1],"
		             " m.stages[NULLIF(($5)[1], 0)], ($6)[1], ($7)[1], ($8)[1], ($9)[1]"
		           : " SELECT $1, u.k, " LEADSCORE_EMPTY_STATE ", u.g::leadscore.grade, u.st,"
		             " m.stages[NULLIF(u.sg, 0)], u.mq, u.sq, u.ch, u.du";
		sql += (hot ? ", " + due + ", " + band : "") + " FROM " + (one ? "" : LEADSCORE_LIFECYCLE_ROWS ", ") +
		       "leadscore.models m WHERE m.id = $1 ON CONFLICT (model_id, lead_id) DO UPDATE SET (" +
		       LEADSCORE_RECORD_COLUMNS + (hot ? ", due_hint, band" : "") +
		       ") = ROW(excluded.grade, excluded.status, excluded.stage, excluded.mql_at, excluded.sql_at,"
		       " excluded.checked_at, " +
		       wake("excluded.due_at", "excluded.checked_at") +
		       (hot ? ", " + wake("excluded.due_at", "excluded.checked_at") + ", excluded.band" : "") + ")";
		return KeptPlan(sql.c_str(), 10, types, CURSOR_OPT_GENERIC_PLAN);
	}
	sql = one ? "UPDATE leadscore.lead_state s SET grade = ($3)[1]::leadscore.grade, status = ($4)[1],"
	            " stage = m.stages[NULLIF(($5)[1], 0)], mql_at = ($6)[1], sql_at = ($7)[1],"
	            " checked_at = ($8)[1]"
	          : "UPDATE leadscore.lead_state s SET grade = u.g::leadscore.grade, status = u.st,"
	            " stage = m.stages[NULLIF(u.sg, 0)], mql_at = u.mq, sql_at = u.sq, checked_at = u.ch";
	// Many leads: s.model_id = (SELECT $1), a value the planner cannot
	// look up in the statistics.  For a model they do not know yet (a new
	// model's first rescore; learn()'s candidate always, its rows written
	// in the same transaction) model_id = $1 is estimated at one row, and
	// the plan hashed all of the model's state rows for every batch of
	// 1,000 leads instead of looking the batch's up: quadratic in the
	// model's leads (learn() on 300,000 leads spent 116 s there;
	// bench/README.md, "Learned points").  Estimated per model on average,
	// the lookup is the plan, as for a model the statistics know.
	sql += ", due_at = " + due + (hot ? ", due_hint = " + due + ", band = " + band : "") + " FROM " +
	       (one ? "" : LEADSCORE_LIFECYCLE_ROWS ", ") + "leadscore.models m WHERE m.id = $1 AND " +
	       (one ? "s.model_id = $1 AND s.lead_id = ($2)[1]" : "s.model_id = (SELECT $1) AND s.lead_id = u.k");
	return KeptPlan(sql.c_str(), 10, types, one ? 0 : CURSOR_OPT_CUSTOM_PLAN);
}

} // namespace

void WriteLifecycle(const KeyType &kt, const core::ModelSpec &model, const std::vector<LifecycleLead> &leads) {
	int n = static_cast<int>(leads.size());
	if (n == 0)
		return;
	std::vector<Datum> keys;
	std::vector<const char *> grades, statuses, bands;
	std::vector<std::int32_t> stage_number; // 1-based; 0: none
	std::vector<std::int64_t> mql_at, sql_at, checked_at, due_at;
	for (const LifecycleLead &l : leads) {
		keys.push_back(l.key);
		grades.push_back(l.record.grade ? core::GradeName(*l.record.grade) : nullptr);
		statuses.push_back(core::LeadStatusName(l.record.status));
		mql_at.push_back(l.record.mql_at);
		sql_at.push_back(l.record.sql_at);
		checked_at.push_back(l.record.checked_at);
		due_at.push_back(l.record.due_at);
		stage_number.push_back(l.record.stage + 1);
		bands.push_back(core::TransitionValueName(model, core::TransitionKind::Band, l.record.band));
	}
	Oid types[] = {INT4OID,          kt.array_oid,       TEXTARRAYOID,        TEXTARRAYOID,       INT4ARRAYOID,
	               TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
	               TEXTARRAYOID};
	// Stages go as 1-based indexes into the model's stage names (0: none),
	// so no name is copied per lead.
	bool overwrite = WriterSnapshot() != InvalidSnapshot;
	bool hot = HotStateLayout();
	SPIPlanPtr plan = LifecyclePlan(n, types, overwrite, hot, hot && core::HasSilenceRules(model));
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model.id),
		                  KeyArrayDatum(kt, keys.data(), n),
		                  TextArrayDatum(grades.data(), n),
		                  TextArrayDatum(statuses.data(), n),
		                  Int4ArrayDatum(stage_number.data(), n),
		                  TimestampArrayDatum(mql_at.data(), n),
		                  TimestampArrayDatum(sql_at.data(), n),
		                  TimestampArrayDatum(checked_at.data(), n),
		                  TimestampArrayDatum(due_at.data(), n),
		                  TextArrayDatum(bands.data(), n)};
		RunKeptPlan(plan, values, nullptr, overwrite ? SPI_OK_INSERT : SPI_OK_UPDATE, "writing the lifecycle");
	});
}

// The events as rows, in lockstep (ProjectSet streams them; ROWS FROM
// would copy every array into a tuplestore first).
#define LEADSCORE_EVENT_ROWS                                                                                          \
	"(SELECT pg_catalog.unnest($3) AS k, pg_catalog.unnest($4) AS kind, pg_catalog.unnest($5) AS f,"             \
	" pg_catalog.unnest($6) AS t, pg_catalog.unnest($7) AS s, pg_catalog.unnest($8) AS g,"                        \
	" pg_catalog.unnest($9) AS at, pg_catalog.unnest($10) AS c) AS u"
// The id is given, not left to its default: a Citus shard has no sequence
// defaults (shard_context.hpp gives its node's range).
std::string EventInsert() {
	return "INSERT INTO leadscore.events (id, model, lead_id, kind, from_value, to_value, score, grade, at, cause,"
	       " notified_at) SELECT " +
	       NextId("leadscore.events_id_seq") + ",";
}

namespace {

// On a Citus shard, where the trigger on events that opens handoffs
// (src/sql/handoffs.sql) cannot run: the handoffs of the moves to sql
// (rescore()'s aside) open here, as that trigger opens them, but
// unassigned, since their owners come from one pool for every shard;
// tick() on the coordinator assigns them (leadscore._tick_handoffs).
void OpenShardHandoffs(const KeyType &kt, const core::ModelSpec &model, const std::vector<LeadEvent> &events) {
	std::vector<Datum> leads;
	for (const LeadEvent &e : events)
		if (e.transition.kind == core::TransitionKind::Status && e.transition.cause != core::TransitionCause::Rescore &&
		    std::strcmp(core::TransitionValueName(model, e.transition.kind, e.transition.to), "sql") == 0)
			leads.push_back(e.key);
	if (leads.empty())
		return;
	std::string sql = "INSERT INTO leadscore.handoffs (id, model, lead_id, owner, created_at, due_by)"
	                  " SELECT " + NextId("leadscore.handoffs_id_seq") +
	                  ", m.name, u.k, NULL, pg_catalog.now(), pg_catalog.now() OPERATOR(pg_catalog.+) m.handoff_sla"
	                  " FROM pg_catalog.unnest($2) WITH ORDINALITY AS u(k, i) JOIN leadscore.models m ON m.id = $1"
	                  " WHERE EXISTS (SELECT FROM leadscore.lead_state s"
	                  " WHERE s.model_id = $1 AND s.lead_id = u.k AND s.status = 'sql')"
	                  " ORDER BY u.i ON CONFLICT (lead_id, model) WHERE status = 'open' DO NOTHING";
	Oid types[] = {INT4OID, kt.array_oid};
	SPIPlanPtr plan = KeptPlan(sql.c_str(), 2, types, CURSOR_OPT_GENERIC_PLAN);
	std::int32_t model_id = model.id;
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, leads.data(), static_cast<int>(leads.size()))};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "opening handoffs");
	});
}

} // namespace

void InsertEvents(const KeyType &kt, const core::ModelSpec &model, const std::vector<LeadEvent> &events,
                  bool notify) {
	int n = static_cast<int>(events.size());
	if (n == 0 || !model.active)
		return;
	std::vector<Datum> keys;
	std::vector<const char *> kinds, from, to, grades, causes;
	std::vector<double> scores;
	std::vector<std::int64_t> at;
	// A handoff to sales (status to sql) may be notified at commit
	// (settings.notify = 'trigger'): only then the statement that returns
	// the ids and payloads of those it notifies (NULL for the others: a bulk
	// load's events are not all kept in the CTE's store); otherwise a plain
	// INSERT that returns nothing.
	bool may_notify = false;
	for (const LeadEvent &e : events) {
		const core::Transition &t = e.transition;
		keys.push_back(e.key);
		kinds.push_back(core::TransitionKindName(t.kind));
		from.push_back(core::TransitionValueName(model, t.kind, t.from));
		to.push_back(core::TransitionValueName(model, t.kind, t.to));
		grades.push_back(t.grade ? core::GradeName(*t.grade) : nullptr);
		causes.push_back(core::TransitionCauseName(t.cause));
		scores.push_back(t.score);
		at.push_back(t.at);
		may_notify = may_notify || (t.kind == core::TransitionKind::Status && std::strcmp(to.back(), "sql") == 0);
	}
	Oid types[] = {TEXTOID,      BOOLOID,        kt.array_oid, TEXTARRAYOID,        TEXTARRAYOID,
	               TEXTARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID};
	// A shard's trigger may not NOTIFY (it would fail the distributed
	// transaction's PREPARE): tick() on the coordinator relays its handoffs.
	may_notify = may_notify && notify && CurrentShard() == nullptr;
	std::string sql =
	    may_notify ? "WITH e AS (" + EventInsert() +
	                     " $1, u.k, u.kind, u.f, u.t, u.s, u.g::leadscore.grade, u.at, u.c,"
	                     " CASE WHEN u.kind = 'status' AND u.t = 'sql' AND $2"
	                     " AND (SELECT notify = 'trigger' FROM leadscore.settings) THEN pg_catalog.now() END"
	                     " FROM " LEADSCORE_EVENT_ROWS " RETURNING CASE WHEN notified_at IS NOT NULL THEN id END AS id,"
	                     " CASE WHEN notified_at IS NOT NULL AND " LEADSCORE_FULL_PAYLOAD
	                     " THEN leadscore.event_payload(events) END AS p)"
	                     " SELECT e.id, e.p FROM e WHERE e.id IS NOT NULL"
	               : EventInsert() + " $1, u.k, u.kind, u.f, u.t, u.s, u.g::leadscore.grade, u.at, u.c,"
	                                 " NULL FROM " LEADSCORE_EVENT_ROWS;
	SPIPlanPtr plan = KeptPlan(sql.c_str(), 10, types, CURSOR_OPT_GENERIC_PLAN);
	const std::string &name = model.name;
	CallPg([&] {
		Datum values[] = {TextDatum(name),
		                  BoolGetDatum(notify),
		                  KeyArrayDatum(kt, keys.data(), n),
		                  TextArrayDatum(kinds.data(), n),
		                  TextArrayDatum(from.data(), n),
		                  TextArrayDatum(to.data(), n),
		                  Float8ArrayDatum(scores.data(), n),
		                  TextArrayDatum(grades.data(), n),
		                  TimestampArrayDatum(at.data(), n),
		                  TextArrayDatum(causes.data(), n)};
		RunKeptPlan(plan, values, nullptr, may_notify ? SPI_OK_SELECT : SPI_OK_INSERT, "writing lead events");
	});
	if (may_notify)
		QueueReturnedHandoffs(SPI_tuptable, SPI_processed, core::HandoffKind::Lead);
	if (CurrentShard() != nullptr)
		OpenShardHandoffs(kt, model, events);
}

} // namespace leadscore::pg
