// JSON objects as rows of Values for the condition language: lead attributes
// for grade(profile, attrs), persona activities for simulate().
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include "core/base/value.hpp"
#include "core/condition/condition.hpp"

namespace leadscore::pg {

// A scalar JSON value as a Value: strings as text (pointing into the jsonb),
// numbers as integers when integral, booleans; null, objects and arrays as
// NULL (no condition can compare them).
core::Value JsonbToValue(const JsonbValue &v);

// Throws 22023 unless `container` holds a JSON object; `what` names it in
// the message ("lead attributes").  C++ side, before JsonbObjectValues.
void RequireJsonObject(const JsonbContainer *container, const char *what);

// PostgreSQL side: the values of `schema`'s columns in the JSON object held
// by `container` (missing keys: NULL), palloc'd.  The caller has checked
// that it is an object (RequireJsonObject).
core::Value *JsonbObjectValues(JsonbContainer *container, const core::Schema &schema);

} // namespace leadscore::pg
