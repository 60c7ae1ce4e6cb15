// Account scores.  See account_score.hpp.
#include "core/lead/account_score.hpp"

#include <cmath>
#include <limits>

namespace leadscore::core {

namespace {

// sqrt(reference * max(0, stored)).
double AccountTerm(double stored, double reference) noexcept {
	if (!(stored > 0) || !(reference > 0))
		return 0;
	// sqrt(reference) * sqrt(stored) rather than sqrt(reference * stored):
	// the product of two large stored sums could overflow.
	return std::sqrt(reference) * std::sqrt(stored);
}

} // namespace

ModelSpec AccountModel(const ModelSpec &lead_model, double account_threshold) {
	ModelSpec m;
	m.id = lead_model.id;
	m.name = lead_model.name;
	m.half_life_us = lead_model.half_life_us > 0 ? 2 * lead_model.half_life_us : 0;
	m.epoch_us = lead_model.epoch_us;
	m.mql_threshold = std::isnan(account_threshold) ? std::numeric_limits<double>::infinity() : account_threshold;
	m.sql_threshold = std::numeric_limits<double>::infinity();
	m.stages = lead_model.stages;
	m.stage_min_points = lead_model.stage_min_points;
	return m;
}

AccountShare LeadShare(const ModelSpec &lead_model, double stored, const double *stages, std::size_t stage_count,
                       std::int64_t activity_count) {
	AccountShare share;
	share.stored = AccountTerm(stored, lead_model.mql_threshold);
	share.stages.resize(lead_model.stages.size(), 0);
	for (std::size_t k = 0; k < stage_count && k < share.stages.size(); k++)
		share.stages[k] = AccountTerm(stages[k], lead_model.stage_min_points);
	share.members = activity_count > 0 ? 1 : 0;
	return share;
}

void AddShare(const AccountShare &share, int sign, AccountShare *total) {
	if (total->stages.size() < share.stages.size())
		total->stages.resize(share.stages.size(), 0);
	total->stored += sign * share.stored;
	for (std::size_t k = 0; k < share.stages.size(); k++)
		total->stages[k] += sign * share.stages[k];
	total->members += sign * share.members;
}

} // namespace leadscore::core
