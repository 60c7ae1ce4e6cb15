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

namespace {

// Whether a band with minimum `min` holds a lead with stored sum `stored`
// (weight: the decay weight at the time).  A band above max_score is out
// of reach of the clamped score.
bool InBand(double min, double max_score, double stored, double weight) noexcept {
	if (min == kFloorMinScore)
		return true;
	if (!std::isnan(max_score) && max_score < min)
		return false;
	return stored >= min * weight;
}

} // namespace

int BandOf(const double *min_scores, std::size_t n, double max_score, double stored, double weight) noexcept {
	for (std::size_t i = n; i-- > 0;)
		if (InBand(min_scores[i], max_score, stored, weight))
			return static_cast<int>(i);
	return kNoBand;
}

int BandAt(const ModelSpec &model, double stored, std::int64_t now) noexcept {
	double weight = Decay(model.half_life_us, model.epoch_us).Weight(now);
	for (std::size_t i = model.bands.size(); i-- > 0;)
		if (InBand(model.bands[i].min_score, model.max_score, stored, weight))
			return static_cast<int>(i);
	return kNoBand;
}

} // namespace leadscore::core
