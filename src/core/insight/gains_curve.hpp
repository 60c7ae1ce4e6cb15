// evaluate_calibration()'s rows: the judged leads sorted by predicted
// probability (by score, for a model without a probability link), highest
// first, cut into bins of nearly equal size.  Each bin's mean prediction
// against its observed rate is the calibration curve; its lift and the
// cumulative share of conversions down to it are the gains curve (the top
// bin's lift is the top-decile lift with 10 bins).
#pragma once

#include "core/insight/evaluation.hpp"

#include <cstdint>
#include <vector>

namespace leadscore::core {

struct GainsBin {
	std::int32_t bin; // 1: the highest predictions
	std::int64_t leads;
	std::int64_t converted;
	double mean_predicted;   // mean probability; NaN without a link
	double mean_score;
	double observed_rate;    // converted / leads
	double lift;             // observed_rate / the rate of every lead
	double cumulative_share; // conversions in bins 1..bin / all conversions; NaN with none
};

// min(bins, leads.size()) bins; the first (leads.size() % bins) bins hold
// one lead more.  Ties in the prediction keep the leads' order.  `leads` is
// reordered.  bins must be >= 1.
std::vector<GainsBin> GainsCurve(std::vector<EvalLead> *leads, std::int32_t bins);

} // namespace leadscore::core
