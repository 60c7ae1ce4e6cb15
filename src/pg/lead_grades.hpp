// Every lead's grade under one model's grade profile, read from the attached
// lead tables: what rescore() writes and verify() checks.
#pragma once

#include "pg/postgres_headers.hpp"

#include "core/grade.hpp"
#include "core/scoring_model.hpp"

#include <functional>

namespace leadscore::pg {

// Calls `visit` with the key (valid during the call) and grade of every row
// of every attached lead table that has a key, when `model` has a grade
// profile; nothing otherwise.
void ScanLeadGrades(const core::ModelSpec &model,
                    const std::function<void(Datum key, core::GradeRank grade)> &visit);

} // namespace leadscore::pg
