// Type checks of an attached table's lead, type and time columns.
#include "pg/catalog/column_check.hpp"

#include "pg/boundary/guard.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include "core/base/error.hpp"

#include <string>

namespace leadscore::pg {
namespace {

std::string TypeName(Oid type) {
	return CallPg([type] { return format_type_be(type); });
}

// `wanted` completes "has type X, ...": what attach accepted.
[[noreturn]] void Mismatch(const ActivityTable &t, int column, const std::string &role, const std::string &wanted) {
	const std::string &name = t.schema[static_cast<std::size_t>(column)].name;
	throw core::Error(core::ErrorKind::TypeMismatch,
	                  role + " column \"" + name + "\" of attached table " + t.name + " has type " +
	                      TypeName(t.types[static_cast<std::size_t>(column)]) + ", " + wanted,
	                  "The column was altered after the table was attached.",
	                  "Alter it back, or detach the table with leadscore.detach() and attach it again.");
}

bool IsEnum(Oid type) {
	return CallPg([type] { return type_is_enum(type); });
}

} // namespace

void CheckAttachedColumns(const ActivityTable &t, Oid key_type) {
	if (t.lead >= 0 && key_type != InvalidOid) {
		Oid lead = t.types[static_cast<std::size_t>(t.lead)];
		// varchar keys count as text (attach accepts them as such).
		if (lead != key_type && !(key_type == TEXTOID && lead == VARCHAROID))
			Mismatch(t, t.lead, "lead", "but this database's lead keys are " + TypeName(key_type));
	}
	if (t.type >= 0) {
		Oid type = t.types[static_cast<std::size_t>(t.type)];
		if (type != TEXTOID && type != VARCHAROID && type != BPCHAROID && type != NAMEOID && !IsEnum(type))
			Mismatch(t, t.type, "activity type", "not text, varchar or an enum");
	}
	if (t.time >= 0) {
		Oid time = t.types[static_cast<std::size_t>(t.time)];
		if (time != TIMESTAMPTZOID && time != TIMESTAMPOID && time != DATEOID)
			Mismatch(t, t.time, "time", "not timestamptz, timestamp or date");
	}
}

} // namespace leadscore::pg
