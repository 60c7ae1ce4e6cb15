// Criteria matched by each lead row, for calibrate().  See insight_criteria.hpp.
#include "pg/insight/insight_criteria.hpp"

#include "pg/boundary/lead_key.hpp"
#include "pg/catalog/model_catalog.hpp"
#include "pg/grading/lead_grades.hpp"
#include "pg/insight/insight_data.hpp"

#include <algorithm>

namespace leadscore::pg {

LeadCriteria LoadLeadCriteria(const KeyType &kt, const core::ModelSpec &model) {
	LeadCriteria out;
	if (model.grade_profile.empty() || kt.oid == InvalidOid)
		return out;
	// Criterion id -> row index.  The tables' plans compile the same catalog
	// rows; ids tie their matches to these rows whatever order a plan has.
	std::unordered_map<std::int32_t, std::uint32_t> index;
	for (const core::GradeProfileSpec &p : LoadGradeProfiles()) {
		if (p.name != model.grade_profile)
			continue;
		for (const core::CriterionSpec &c : p.criteria) {
			index.emplace(c.id, static_cast<std::uint32_t>(out.criteria.size()));
			out.criteria.push_back(core::CalibrationCriterionInfo{c.name, c.steps});
		}
	}
	std::size_t tables = ScanLeadCriteria(model, [&](Datum key, const core::GradeProfileSpec &profile,
	                                                 const std::vector<std::size_t> &matched) {
		if (matched.empty())
			return;
		std::vector<std::uint32_t> &lead = out.matched[KeyBytes(key, kt.oid)];
		for (std::size_t m : matched) {
			auto it = index.find(profile.criteria[m].id);
			if (it != index.end() && std::find(lead.begin(), lead.end(), it->second) == lead.end())
				lead.push_back(it->second);
		}
	});
	out.graded = tables > 0;
	return out;
}

} // namespace leadscore::pg
