// Every lead's grade under one model's grade profile, read from the attached
// lead tables: what rescore() writes and verify() checks; and which of the
// profile's criteria each lead row matches, for calibrate().
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include "core/model/grade.hpp"
#include "core/model/grade_profile.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <functional>
#include <vector>

namespace leadscore::pg {

// Calls `visit` with the key (valid during the call) and grade of every row
// of every attached lead table that has a key, when `model` has a grade
// profile; nothing otherwise.
void ScanLeadGrades(const core::ModelSpec &model,
                    const std::function<void(Datum key, core::GradeRank grade)> &visit);

// The same rows, each with the criteria it matches: indexes into
// `profile.criteria`, where `profile` is the profile as the table's plan
// compiled it (match criteria across tables by CriterionSpec::id).  Returns
// how many lead tables grade the model (0: no lead table, or no profile).
std::size_t ScanLeadCriteria(const core::ModelSpec &model,
                             const std::function<void(Datum key, const core::GradeProfileSpec &profile,
                                                      const std::vector<std::size_t> &matched)> &visit);

} // namespace leadscore::pg
