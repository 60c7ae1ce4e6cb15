// Pending silence scorings (state_codec.hpp) seen from SQL: what the
// lead_scores view adds to a state's sums for the scorings due by the time
// it reads, so a score read a second after a silence window closed includes
// it before tick() folds it in; when the first one falls due (tick()'s
// wake-up time); their momentum; and the re-base of their stored values.
// Plain C on the
// array, no allocation but the result: the view calls them per row (only
// where caps is not NULL).
#include "pg/state/pending_scorings.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/pg_arrays.hpp"
#include "pg/spi/kept_plans.hpp"
#include "pg/state/state_codec.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include <cstring>

namespace {

// The pending scorings of `caps`: first element and count of the triples.
const std::int64_t *Scorings(const ArrayType *caps, int *count) {
	int n = ArrayGetNItems(ARR_NDIM(caps), ARR_DIMS(caps));
	*count = 0;
	if (ARR_HASNULL(caps))
		return nullptr;
	const auto *data = reinterpret_cast<const std::int64_t *>(ARR_DATA_PTR(const_cast<ArrayType *>(caps)));
	int tail = leadscore::pg::PendingTail(data, n);
	*count = tail > 0 ? (tail - 2) / 3 : 0;
	return data + n - tail + 1;
}

// Visits the pending scorings of `caps` due by `at`: (stored, stage).
template <typename Visit>
void ForEachDue(ArrayType *caps, TimestampTz at, Visit visit) {
	int count;
	const std::int64_t *p = Scorings(caps, &count);
	std::int64_t due_by = leadscore::pg::TimestampToUnixUs(at);
	for (int k = 0; k < count && p[3 * k] <= due_by; k++) { // by time
		double stored;
		std::memcpy(&stored, &p[3 * k + 1], sizeof stored);
		visit(stored, p[3 * k + 2]);
	}
}

} // namespace

namespace leadscore::pg {

void DuePending(const ArrayType *caps, std::int64_t now, std::vector<core::LeadState::Pending> *due) {
	due->clear();
	if (caps == nullptr)
		return;
	int count;
	const std::int64_t *p = Scorings(caps, &count);
	for (int k = 0; k < count && p[3 * k] <= now; k++) {
		core::LeadState::Pending scoring{p[3 * k], 0, static_cast<int>(p[3 * k + 2])};
		std::memcpy(&scoring.stored, &p[3 * k + 1], sizeof scoring.stored);
		due->push_back(scoring);
	}
}

// An upsert of rows that exist, not an UPDATE: tick() writes with the
// writers' snapshot rules (consistent_reads.hpp).  The proposed row is
// never inserted but must pass the table's checks.
void FoldPendingStates(const KeyType &kt, std::int32_t model_id, const std::vector<Datum> &keys, std::int64_t now) {
	Oid types[] = {INT4OID, kt.array_oid, TIMESTAMPTZOID};
	SPIPlanPtr plan = KeptPlan(
	    "INSERT INTO leadscore.lead_state AS s (model_id, lead_id, stored, stage_stored, activity_count)"
	    " SELECT $1, u.k, 0, pg_catalog.array_fill(0::pg_catalog.float8, ARRAY[pg_catalog.cardinality(m.stages)]), 0"
	    " FROM pg_catalog.unnest($2) AS u(k), leadscore.models m WHERE m.id = $1"
	    " ON CONFLICT (model_id, lead_id) DO UPDATE SET stored = s.stored + leadscore.pending_due(s.caps, $3),"
	    " stage_stored = leadscore.pending_stages(s.stage_stored, s.caps, $3),"
	    " caps = leadscore.pending_after(s.caps, $3),"
	    " score_rank = leadscore.score_rank(s.stored + leadscore.pending_due(s.caps, $3)),"
	    " (momentum, momentum_rank) = (SELECT x.m, leadscore.momentum_rank(x.m, x.ranked) FROM (SELECT s.momentum +"
	    " leadscore.pending_momentum(s.caps, $3, extract(epoch FROM m.half_life)::pg_catalog.float8 * 1e6,"
	    " extract(epoch FROM m.momentum_half_life)::pg_catalog.float8 * 1e6, m.epoch) AS m, m.momentum_ranking AS ranked"
	    " FROM leadscore.models m WHERE m.id = $1) x)",
	    3, types, CURSOR_OPT_GENERIC_PLAN);
	CallPg([&] {
		Datum values[] = {Int32GetDatum(model_id), KeyArrayDatum(kt, keys.data(), static_cast<int>(keys.size())),
		                  TimestampTzGetDatum(UnixUsToTimestamp(now))};
		RunKeptPlan(plan, values, nullptr, SPI_OK_INSERT, "folding due silence scorings");
	});
}

} // namespace leadscore::pg

extern "C" {

// pending_due(caps, at): the stored sum of the pending scorings due by at.
PG_FUNCTION_INFO_V1(leadscore_pending_due);
Datum leadscore_pending_due(PG_FUNCTION_ARGS) {
	double sum = 0;
	ForEachDue(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_TIMESTAMPTZ(1), [&](double stored, std::int64_t) { sum += stored; });
	PG_RETURN_FLOAT8(sum);
}

// pending_momentum(caps, at, half_life_us, momentum_half_life_us, epoch):
// the momentum sum of the pending scorings due by at (their points times the
// momentum weight: core::PendingMomentum).  half_life_us NULL: no decay.
PG_FUNCTION_INFO_V1(leadscore_pending_momentum);
Datum leadscore_pending_momentum(PG_FUNCTION_ARGS) {
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_FLOAT8(0);
	std::int64_t epoch = leadscore::pg::TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(4));
	leadscore::core::Decay decay(PG_ARGISNULL(2) ? 0 : PG_GETARG_FLOAT8(2), epoch);
	leadscore::core::Decay momentum(PG_GETARG_FLOAT8(3), epoch);
	double sum = 0;
	int count;
	const std::int64_t *p = Scorings(PG_GETARG_ARRAYTYPE_P(0), &count);
	std::int64_t due_by = leadscore::pg::TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(1));
	for (int k = 0; k < count && p[3 * k] <= due_by; k++) {
		double stored;
		std::memcpy(&stored, &p[3 * k + 1], sizeof stored);
		sum += leadscore::core::PendingMomentum(decay, momentum, p[3 * k], stored);
	}
	PG_RETURN_FLOAT8(sum);
}

// pending_stages(stage_stored, caps, at): the stage sums with the pending
// scorings due by at added to their stages.
PG_FUNCTION_INFO_V1(leadscore_pending_stages);
Datum leadscore_pending_stages(PG_FUNCTION_ARGS) {
	ArrayType *stages = PG_GETARG_ARRAYTYPE_P_COPY(0);
	int n = ArrayGetNItems(ARR_NDIM(stages), ARR_DIMS(stages));
	if (ARR_HASNULL(stages))
		PG_RETURN_ARRAYTYPE_P(stages);
	auto *sums = reinterpret_cast<double *>(ARR_DATA_PTR(stages));
	ForEachDue(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_TIMESTAMPTZ(2), [&](double stored, std::int64_t stage) {
		if (stage >= 0 && stage < n)
			sums[stage] += stored;
	});
	PG_RETURN_ARRAYTYPE_P(stages);
}

// pending_first(caps): when the first pending scoring falls due; NULL when
// none is pending.
PG_FUNCTION_INFO_V1(leadscore_pending_first);
Datum leadscore_pending_first(PG_FUNCTION_ARGS) {
	int count;
	const std::int64_t *p = Scorings(PG_GETARG_ARRAYTYPE_P(0), &count);
	if (count == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(leadscore::pg::UnixUsToTimestamp(p[0]));
}

// pending_scaled(caps, factor): caps with every pending stored value
// multiplied by factor (tick()'s re-base of a model's decay epoch).
PG_FUNCTION_INFO_V1(leadscore_pending_scaled);
Datum leadscore_pending_scaled(PG_FUNCTION_ARGS) {
	ArrayType *caps = PG_GETARG_ARRAYTYPE_P_COPY(0);
	double factor = PG_GETARG_FLOAT8(1);
	int count;
	auto *p = const_cast<std::int64_t *>(Scorings(caps, &count));
	for (int k = 0; k < count; k++) {
		double stored;
		std::memcpy(&stored, &p[3 * k + 1], sizeof stored);
		stored *= factor;
		std::memcpy(&p[3 * k + 1], &stored, sizeof stored);
	}
	PG_RETURN_ARRAYTYPE_P(caps);
}

// pending_after(caps, at): caps without the pending scorings due by at
// (tick() has folded them into the sums); NULL when nothing is left.
PG_FUNCTION_INFO_V1(leadscore_pending_after);
Datum leadscore_pending_after(PG_FUNCTION_ARGS) {
	ArrayType *caps = PG_GETARG_ARRAYTYPE_P(0);
	std::int64_t due_by = leadscore::pg::TimestampToUnixUs(PG_GETARG_TIMESTAMPTZ(1));
	int count;
	const std::int64_t *p = Scorings(caps, &count);
	int due = 0;
	while (due < count && p[3 * due] <= due_by)
		due++;
	if (due == 0)
		PG_RETURN_ARRAYTYPE_P(caps);
	const auto *data = reinterpret_cast<const std::int64_t *>(ARR_DATA_PTR(caps));
	int windows = static_cast<int>(p - 1 - data); // the cap windows before the tail
	int left = count - due;
	int kept = windows + (left > 0 ? 3 * left + 2 : 0);
	if (kept == 0)
		PG_RETURN_NULL();
	auto *out = static_cast<Datum *>(palloc(sizeof(Datum) * kept));
	int k = 0;
	for (int i = 0; i < windows; i++)
		out[k++] = Int64GetDatum(data[i]);
	if (left > 0) {
		out[k++] = Int64GetDatum(leadscore::pg::kPendingMark);
		for (int i = 3 * due; i < 3 * count; i++)
			out[k++] = Int64GetDatum(p[i]);
		out[k++] = Int64GetDatum(left);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, kept, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

} // extern "C"
