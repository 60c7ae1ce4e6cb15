// Score and status at a point in time.  See scoring_status.hpp.
#include "core/lead/scoring_status.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {

const char *LeadStatusName(LeadStatus status) noexcept {
	switch (status) {
	case LeadStatus::Nurture:
		return "nurture";
	case LeadStatus::Mql:
		return "mql";
	case LeadStatus::Sql:
		return "sql";
	}
	return "nurture";
}

StoredThresholds StoredThresholdsAt(const ModelSpec &model, std::int64_t now) noexcept {
	Decay decay(model.half_life_us, model.epoch_us);
	return StoredThresholds{decay.StoredThreshold(model.mql_threshold, now),
	                        decay.StoredThreshold(model.sql_threshold, now)};
}

double CurrentScore(const ModelSpec &model, double stored, std::int64_t now) noexcept {
	double score = Decay(model.half_life_us, model.epoch_us).Current(stored, now);
	if (!std::isnan(model.max_score))
		score = std::min(score, model.max_score);
	return score;
}

LeadStatus StatusAt(const ModelSpec &model, double stored, std::int64_t now,
                    std::optional<GradeRank> grade) noexcept {
	StoredThresholds t = StoredThresholdsAt(model, now);
	// Thresholds are positive, so a sum of 0 never qualifies, even where a
	// threshold far before the epoch underflows to 0.
	if (!(stored >= t.mql) || !(stored > 0))
		return LeadStatus::Nurture;
	if (stored < t.sql)
		return LeadStatus::Mql;
	if (model.sql_min_grade && !(grade && *grade >= *model.sql_min_grade))
		return LeadStatus::Mql;
	return LeadStatus::Sql;
}

} // namespace leadscore::core
