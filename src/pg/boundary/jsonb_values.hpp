// JSON objects as rows of Values for the condition language: lead attributes
// for grade(profile, attrs), persona activities for simulate().
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include "core/condition/condition.hpp"
#include "core/base/value.hpp"

namespace leadscore::pg {

// A scalar JSON value as a Value: strings as text (pointing into the jsonb),
// numbers as integers when integral, booleans; null, objects and arrays as
// NULL (no condition can compare them).
core::Value JsonbToValue(const JsonbValue &v);

// PostgreSQL side: the values of `schema`'s columns in the JSON object held
// by `container` (missing keys: NULL), palloc'd.  Raises 22023 when it is not
// an object; `what` names it in the message ("lead attributes").
core::Value *JsonbObjectValues(JsonbContainer *container, const core::Schema &schema, const char *what);

} // namespace leadscore::pg
