// The calibration and gains curve.  See gains_curve.hpp.
#include "core/insight/gains_curve.hpp"

#include "core/insight/insight_stats.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore::core {
namespace {

double Predicted(const EvalLead &lead) noexcept {
	return std::isnan(lead.probability) ? lead.score : lead.probability;
}

} // namespace

std::vector<GainsBin> GainsCurve(std::vector<EvalLead> *leads, std::int32_t bins) {
	std::stable_sort(leads->begin(), leads->end(),
	                 [](const EvalLead &a, const EvalLead &b) { return Predicted(a) > Predicted(b); });
	std::int64_t n = static_cast<std::int64_t>(leads->size()), total_converted = 0;
	for (const EvalLead &lead : *leads)
		total_converted += lead.converted ? 1 : 0;
	double base = Ratio(static_cast<double>(total_converted), static_cast<double>(n));
	std::int64_t count = std::min<std::int64_t>(bins, n);
	std::vector<GainsBin> out;
	std::int64_t at = 0, converted_so_far = 0;
	for (std::int64_t b = 0; b < count; b++) {
		std::int64_t size = n / count + (b < n % count ? 1 : 0);
		GainsBin bin{static_cast<std::int32_t>(b + 1), size, 0, 0, 0, 0, 0, 0};
		for (std::int64_t i = at; i < at + size; i++) {
			const EvalLead &lead = (*leads)[static_cast<std::size_t>(i)];
			bin.converted += lead.converted ? 1 : 0;
			bin.mean_predicted += lead.probability;
			bin.mean_score += lead.score;
		}
		at += size;
		converted_so_far += bin.converted;
		bin.mean_predicted /= static_cast<double>(size);
		bin.mean_score /= static_cast<double>(size);
		bin.observed_rate = Ratio(static_cast<double>(bin.converted), static_cast<double>(size));
		bin.lift = Ratio(bin.observed_rate, base);
		bin.cumulative_share = Ratio(static_cast<double>(converted_so_far), static_cast<double>(total_converted));
		out.push_back(bin);
	}
	return out;
}

} // namespace leadscore::core
