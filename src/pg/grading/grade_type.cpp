// The leadscore.grade type: thirteen school grades, F < D- < ... < A+,
// stored as one byte holding the rank (core/model/grade.hpp), passed by value.
#include "pg/boundary/guard.hpp"

extern "C" {
#include "access/hash.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
}

#include "core/base/error.hpp"
#include "core/model/grade.hpp"

#include <string>

using leadscore::core::GradeRank;
using leadscore::pg::Guarded;

namespace {

GradeRank ParseGradeOrThrow(const char *text) {
	GradeRank rank;
	if (!leadscore::core::ParseGrade(text, &rank))
		throw leadscore::core::Error(leadscore::core::ErrorKind::InvalidText,
		                             std::string("invalid input syntax for type leadscore.grade: \"") + text + "\"",
		                             {}, "Valid grades are " + leadscore::core::ValidGradeList() + ".");
	return rank;
}

inline GradeRank GradeArg(FunctionCallInfo fcinfo, int n) {
	return static_cast<GradeRank>(DatumGetChar(PG_GETARG_DATUM(n)));
}

inline Datum GradeDatum(GradeRank rank) {
	return CharGetDatum(static_cast<char>(rank));
}

} // namespace

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_grade_in);
Datum leadscore_grade_in(PG_FUNCTION_ARGS) {
	const char *text = PG_GETARG_CSTRING(0);
	return Guarded([&] { return GradeDatum(ParseGradeOrThrow(text)); });
}

PG_FUNCTION_INFO_V1(leadscore_grade_out);
Datum leadscore_grade_out(PG_FUNCTION_ARGS) {
	GradeRank rank = GradeArg(fcinfo, 0);
	PG_RETURN_CSTRING(pstrdup(leadscore::core::GradeName(rank)));
}

// Binary form: the rank as one byte; a byte outside 0..12 is rejected.
PG_FUNCTION_INFO_V1(leadscore_grade_recv);
Datum leadscore_grade_recv(PG_FUNCTION_ARGS) {
	StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
	int rank = pq_getmsgbyte(buf);
	if (rank < leadscore::core::kGradeF || rank > leadscore::core::kGradeAPlus)
		ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
		                errmsg("invalid binary value %d for type leadscore.grade", rank),
		                errdetail("A grade is sent as its rank, 0 (F) to 12 (A+).")));
	return GradeDatum(static_cast<GradeRank>(rank));
}

PG_FUNCTION_INFO_V1(leadscore_grade_send);
Datum leadscore_grade_send(PG_FUNCTION_ARGS) {
	StringInfoData buf;
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, GradeArg(fcinfo, 0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(leadscore_grade_cmp);
Datum leadscore_grade_cmp(PG_FUNCTION_ARGS) {
	int a = GradeArg(fcinfo, 0), b = GradeArg(fcinfo, 1);
	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

#define LEADSCORE_GRADE_COMPARISON(name, op)                                   \
	PG_FUNCTION_INFO_V1(leadscore_grade_##name);                               \
	Datum leadscore_grade_##name(PG_FUNCTION_ARGS) {                           \
		PG_RETURN_BOOL(GradeArg(fcinfo, 0) op GradeArg(fcinfo, 1));            \
	}

LEADSCORE_GRADE_COMPARISON(eq, ==)
LEADSCORE_GRADE_COMPARISON(ne, !=)
LEADSCORE_GRADE_COMPARISON(lt, <)
LEADSCORE_GRADE_COMPARISON(le, <=)
LEADSCORE_GRADE_COMPARISON(gt, >)
LEADSCORE_GRADE_COMPARISON(ge, >=)

PG_FUNCTION_INFO_V1(leadscore_grade_larger);
Datum leadscore_grade_larger(PG_FUNCTION_ARGS) {
	GradeRank a = GradeArg(fcinfo, 0), b = GradeArg(fcinfo, 1);
	return GradeDatum(a > b ? a : b);
}

PG_FUNCTION_INFO_V1(leadscore_grade_smaller);
Datum leadscore_grade_smaller(PG_FUNCTION_ARGS) {
	GradeRank a = GradeArg(fcinfo, 0), b = GradeArg(fcinfo, 1);
	return GradeDatum(a < b ? a : b);
}

PG_FUNCTION_INFO_V1(leadscore_grade_hash);
Datum leadscore_grade_hash(PG_FUNCTION_ARGS) {
	return hash_uint32(GradeArg(fcinfo, 0));
}

PG_FUNCTION_INFO_V1(leadscore_grade_hash_extended);
Datum leadscore_grade_hash_extended(PG_FUNCTION_ARGS) {
	return hash_uint32_extended(GradeArg(fcinfo, 0), PG_GETARG_INT64(1));
}

// grade + steps and grade - steps move by thirds of a letter and saturate.
PG_FUNCTION_INFO_V1(leadscore_grade_pl_int4);
Datum leadscore_grade_pl_int4(PG_FUNCTION_ARGS) {
	return GradeDatum(leadscore::core::AddGradeSteps(GradeArg(fcinfo, 0), PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(leadscore_int4_pl_grade);
Datum leadscore_int4_pl_grade(PG_FUNCTION_ARGS) {
	return GradeDatum(leadscore::core::AddGradeSteps(GradeArg(fcinfo, 1), PG_GETARG_INT32(0)));
}

PG_FUNCTION_INFO_V1(leadscore_grade_mi_int4);
Datum leadscore_grade_mi_int4(PG_FUNCTION_ARGS) {
	// Negated in int64: -INT32_MIN does not fit an int32.
	std::int64_t steps = -static_cast<std::int64_t>(PG_GETARG_INT32(1));
	return GradeDatum(leadscore::core::AddGradeSteps(GradeArg(fcinfo, 0), steps));
}

// grade - grade: the distance in thirds of a letter ('A' - 'B' = 3).
PG_FUNCTION_INFO_V1(leadscore_grade_mi);
Datum leadscore_grade_mi(PG_FUNCTION_ARGS) {
	PG_RETURN_INT32(static_cast<int>(GradeArg(fcinfo, 0)) - static_cast<int>(GradeArg(fcinfo, 1)));
}

} // extern "C"
