// Datum to Value conversions for the condition language.
#include "pg/boundary/datum_value.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/text_datum.hpp"

#include "core/lead/scoring_state.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}

namespace leadscore::pg {

std::string TimestampText(std::int64_t unix_us) {
	return CallPg([&] { return timestamptz_to_str(UnixUsToTimestamp(unix_us)); });
}

core::ValueType CoreTypeOf(Oid type_oid) {
	switch (type_oid) {
	case BOOLOID:
		return core::ValueType::Bool;
	case INT2OID:
	case INT4OID:
	case INT8OID:
		return core::ValueType::Int;
	case FLOAT4OID:
	case FLOAT8OID:
	case NUMERICOID:
		return core::ValueType::Float;
	case TIMESTAMPTZOID:
	case TIMESTAMPOID:
	case DATEOID:
		return core::ValueType::Timestamp;
	default:
		return core::ValueType::Text;
	}
}

namespace {

core::Value TextValue(Datum value, Oid type_oid) {
	switch (type_oid) {
	case TEXTOID:
	case VARCHAROID:
	case BPCHAROID: {
		return core::Value::Text(TextView(DatumGetTextPP(value)));
	}
	case NAMEOID:
		return core::Value::Text(NameStr(*DatumGetName(value)));
	default: {
		// uuid, enums, inet, jsonb, ...: compared as their text form.
		Oid output;
		bool varlena;
		getTypeOutputInfo(type_oid, &output, &varlena);
		return core::Value::Text(OidOutputFunctionCall(output, value));
	}
	}
}

} // namespace

core::Value DatumToValue(Datum value, Oid type_oid) {
	switch (type_oid) {
	case BOOLOID:
		return core::Value::Bool(DatumGetBool(value));
	case INT2OID:
		return core::Value::Int(DatumGetInt16(value));
	case INT4OID:
		return core::Value::Int(DatumGetInt32(value));
	case INT8OID:
		return core::Value::Int(DatumGetInt64(value));
	case FLOAT4OID:
		return core::Value::Float(DatumGetFloat4(value));
	case FLOAT8OID:
		return core::Value::Float(DatumGetFloat8(value));
	case NUMERICOID:
		return core::Value::Float(DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, value)));
	case TIMESTAMPTZOID:
	case TIMESTAMPOID:
	case DATEOID: {
		std::int64_t us;
		if (!TimeDatumToUnixUs(value, type_oid, &us))
			return core::Value::Null();
		return core::Value::Timestamp(us);
	}
	default:
		return TextValue(value, type_oid);
	}
}

bool TimestampToCoreTime(std::int64_t pg_timestamp, std::int64_t *unix_us) {
	if (TIMESTAMP_NOT_FINITE(pg_timestamp) || pg_timestamp > core::kLatestTime - kPostgresEpochUnixUs ||
	    pg_timestamp < core::kEarliestTime - kPostgresEpochUnixUs)
		return false;
	*unix_us = pg_timestamp + kPostgresEpochUnixUs;
	return true;
}

std::int64_t StateTimeToUnixUs(std::int64_t pg_timestamp) {
	std::int64_t unix_us;
	return TimestampToCoreTime(pg_timestamp, &unix_us) ? unix_us : core::kNoTime;
}

bool TimeDatumToUnixUs(Datum value, Oid type_oid, std::int64_t *unix_us) {
	if (type_oid != DATEOID)
		// timestamp without time zone is taken as UTC, like the condition
		// language's literals.
		return TimestampToCoreTime(DatumGetTimestamp(value), unix_us);
	// Most dates lie beyond an int64 of microseconds: compare in days.
	DateADT d = DatumGetDateADT(value);
	if (DATE_NOT_FINITE(d) || d > (core::kLatestTime - kPostgresEpochUnixUs) / USECS_PER_DAY ||
	    d < (core::kEarliestTime - kPostgresEpochUnixUs) / USECS_PER_DAY)
		return false;
	return TimestampToCoreTime(static_cast<std::int64_t>(d) * USECS_PER_DAY, unix_us);
}

} // namespace leadscore::pg
