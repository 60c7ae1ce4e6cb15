// Function arguments as C++ values.  See fmgr_args.hpp.
#include "pg/boundary/fmgr_args.hpp"

#include "pg/boundary/datum_value.hpp"
#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace leadscore::pg {

void RequireArg(FunctionCallInfo fcinfo, int n, const char *what) {
	if (!PG_ARGISNULL(n))
		return;
	std::string name = what != nullptr ? std::string(what) : "argument " + std::to_string(n + 1);
	throw core::Error(core::ErrorKind::NullValue, name + " must not be NULL");
}

void RequireArg(FunctionCallInfo fcinfo, int n, const std::string &what) {
	RequireArg(fcinfo, n, what.c_str());
}

std::string TextArg(FunctionCallInfo fcinfo, int n, const char *what) {
	RequireArg(fcinfo, n, what);
	return std::string(TextView(CallPg([&] { return PG_GETARG_TEXT_PP(n); })));
}

std::optional<std::string> OptionalTextArg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	return TextArg(fcinfo, n);
}

std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int n) {
	Datum *elems = nullptr;
	bool *nulls = nullptr;
	int count = 0;
	RequireArg(fcinfo, n);
	CallPg([&] {
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(n), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	});
	std::vector<std::string> out;
	for (int i = 0; i < count; i++) {
		if (nulls[i]) {
			out.emplace_back();
			continue;
		}
		out.emplace_back(TextView(CallPg([&] { return DatumGetTextPP(elems[i]); })));
	}
	return out;
}

std::optional<double> OptionalFloat8Arg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	return PG_GETARG_FLOAT8(n);
}

std::optional<std::int32_t> OptionalInt32Arg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	return PG_GETARG_INT32(n);
}

std::int64_t FiniteTimeArg(FunctionCallInfo fcinfo, int n, const char *what) {
	RequireArg(fcinfo, n, what);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(n);
	std::int64_t unix_us;
	if (TIMESTAMP_NOT_FINITE(t))
		throw core::Error(core::ErrorKind::InvalidValue, std::string(what) + " must be a finite time");
	if (!TimestampToCoreTime(t, &unix_us))
		throw core::Error(core::ErrorKind::InvalidValue, std::string(what) + " lies after the year 99999",
		                  "leadscore counts times up to the end of the year 99999.");
	return unix_us;
}

} // namespace leadscore::pg
