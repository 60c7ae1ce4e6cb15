// The grading plan of one attached lead table: every model with a grade
// profile, its profile compiled against the table's columns.  Cached per
// backend and dropped when the configuration or a lead table changes
// (plan_invalidation.hpp).
#pragma once

#include "pg/boundary/lead_key.hpp"
#include "pg/catalog/model_catalog.hpp"

#include "core/model/grade_profile.hpp"
#include "core/model/scoring_model.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace leadscore::pg {

struct GradedModel {
	core::ModelSpec model;
	std::size_t profile; // into LeadPlan::profiles
};

struct LeadPlan {
	LeadTable table;
	KeyType key_type;
	std::vector<core::CompiledGradeProfile> profiles;
	std::vector<GradedModel> models; // by model id
	std::vector<std::size_t> columns_used; // schema positions any profile reads
};

// The plan of lead table `relid`, built on first use (needs SPI); nullptr
// when the table has no lead attachment.  Valid until the next call that
// may rebuild plans (the next trigger or function call).
LeadPlan *GetLeadPlan(Oid relid);

// Compiles the profiles that `models` use against `table`: what
// add_criterion, create_model and attach_leads call so that a criterion
// naming a missing column fails then, not on a lead insert.
void BuildLeadPlan(const std::vector<core::ModelSpec> &models, const std::vector<core::GradeProfileSpec> &profiles,
                   LeadPlan *plan);

// Profile `name` compiled for jsonb attributes (core::AttributeSchema), for
// leadscore.grade(profile, attrs); nullptr when there is no such profile.
// Cached with the plans.
const core::CompiledGradeProfile *JsonbProfile(const std::string &name);

} // namespace leadscore::pg
