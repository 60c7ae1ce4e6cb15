// JSON objects as Values.  See jsonb_values.hpp.
#include "pg/boundary/jsonb_values.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/numeric.h"
}

#include <cmath>
#include <string>
#include <string_view>

namespace leadscore::pg {

core::Value JsonbToValue(const JsonbValue &v) {
	switch (v.type) {
	case jbvString:
		return core::Value::Text(std::string_view(v.val.string.val, static_cast<std::size_t>(v.val.string.len)));
	case jbvBool:
		return core::Value::Bool(v.val.boolean);
	case jbvNumeric: {
		double d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric)));
		// Integral and exact in a double: an integer, as the column it
		// stands for would be.
		if (std::trunc(d) == d && std::fabs(d) < 9.0e15)
			return core::Value::Int(static_cast<std::int64_t>(d));
		return core::Value::Float(d);
	}
	default:
		return core::Value::Null();
	}
}

void RequireJsonObject(const JsonbContainer *container, const char *what) {
	if (!JsonContainerIsObject(container))
		throw core::Error(core::ErrorKind::InvalidValue, std::string(what) + " must be a JSON object");
}

core::Value *JsonbObjectValues(JsonbContainer *container, const core::Schema &schema) {
	if (!JsonContainerIsObject(container))
		elog(ERROR, "leadscore: JsonbObjectValues() needs a JSON object");
	auto *values = static_cast<core::Value *>(palloc0(sizeof(core::Value) * (schema.size() + 1)));
	for (std::size_t c = 0; c < schema.size(); c++) {
		const std::string &name = schema[c].name;
		JsonbValue found;
		if (getKeyJsonValueFromContainer(container, name.data(), static_cast<int>(name.size()), &found))
			values[c] = JsonbToValue(found);
	}
	return values;
}

} // namespace leadscore::pg
