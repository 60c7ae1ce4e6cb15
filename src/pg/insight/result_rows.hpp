// Rows of a set-returning insight function (InitMaterializedSRF): a float8
// column whose NaN (undefined) is NULL, and a row into the tuplestore.
#pragma once

#include "pg/boundary/guard.hpp"
#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "funcapi.h"
}

#include <cmath>

namespace leadscore::pg {

inline void PutFloat(double x, Datum *value, bool *null) {
	*null = std::isnan(x);
	*value = *null ? Datum(0) : Float8GetDatum(x);
}

inline void PutRow(FunctionCallInfo fcinfo, Datum *values, bool *nulls) {
	auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	CallPg([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
}

} // namespace leadscore::pg
