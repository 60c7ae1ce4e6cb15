// The read side of pending silence scorings (state_codec.hpp): what the
// lead_scores view adds to a state's sums for the scorings due by the time
// it reads, so a score read a second after a silence window closed includes
// it before tick() folds it in.  Plain C on the array, no allocation but
// the result: the view calls them per row (only where caps is not NULL).
#include "pg/state/state_codec.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

#include <cstring>

namespace {

// Visits the pending scorings of `caps` due by `at`: (stored, stage).
template <typename Visit>
void ForEachDue(ArrayType *caps, TimestampTz at, Visit visit) {
	int n = ArrayGetNItems(ARR_NDIM(caps), ARR_DIMS(caps));
	if (ARR_HASNULL(caps))
		return;
	const auto *data = reinterpret_cast<const std::int64_t *>(ARR_DATA_PTR(caps));
	int tail = leadscore::pg::PendingTail(data, n);
	std::int64_t due_by = leadscore::pg::TimestampToUnixUs(at);
	for (int k = n - tail + 1; k + 2 < n; k += 3) {
		if (data[k] > due_by)
			break; // by time
		double stored;
		std::memcpy(&stored, &data[k + 1], sizeof stored);
		visit(stored, data[k + 2]);
	}
}

} // namespace

extern "C" {

// pending_due(caps, at): the stored sum of the pending scorings due by at.
PG_FUNCTION_INFO_V1(leadscore_pending_due);
Datum leadscore_pending_due(PG_FUNCTION_ARGS) {
	double sum = 0;
	ForEachDue(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_TIMESTAMPTZ(1), [&](double stored, std::int64_t) { sum += stored; });
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

} // extern "C"
