// Statistics for calibration and evaluation.  See insight_stats.hpp.
#include "core/insight/insight_stats.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leadscore::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

} // namespace

double TwoSidedZ(double confidence) noexcept {
	if (!(confidence > 0 && confidence < 1))
		return std::numeric_limits<double>::quiet_NaN();
	// erfc(z / sqrt 2) = 1 - confidence falls as z grows: bisection on
	// [0, 40] to the last bit (erfc(40 / sqrt 2) underflows to 0, beyond any
	// confidence short of 1).
	double low = 0, high = 40, miss = 1 - confidence;
	for (int i = 0; i < 200 && low < high; i++) {
		double mid = low + (high - low) / 2;
		if (mid == low || mid == high)
			break;
		if (std::erfc(mid / std::sqrt(2.0)) > miss)
			low = mid;
		else
			high = mid;
	}
	return low + (high - low) / 2;
}

RateInterval WilsonInterval(std::int64_t successes, std::int64_t trials, double z) noexcept {
	if (trials <= 0 || successes < 0 || successes > trials)
		return RateInterval{kNaN, kNaN};
	const double n = static_cast<double>(trials);
	const double p = static_cast<double>(successes) / n;
	const double z2 = z * z;
	const double denominator = 1 + z2 / n;
	const double center = (p + z2 / (2 * n)) / denominator;
	const double half = z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	// Clamped: at p = 0 or 1 rounding may put a bound a hair outside [0, 1].
	return RateInterval{std::max(0.0, center - half), std::min(1.0, center + half)};
}

double RocAuc(std::vector<ScoredLabel> *items) {
	for (const ScoredLabel &x : *items)
		if (std::isnan(x.score))
			throw Error(ErrorKind::InvalidValue, "a score is NaN");
	std::sort(items->begin(), items->end(),
	          [](const ScoredLabel &a, const ScoredLabel &b) { return a.score < b.score; });
	// Twice the Mann-Whitney U: per positive, 2 per negative scored lower
	// and 1 per negative tied with it.  Integers, so no rounding piles up.
	std::int64_t negatives_below = 0, positives = 0, negatives = 0;
	std::int64_t twice_u = 0;
	for (std::size_t i = 0; i < items->size();) {
		std::size_t j = i;
		std::int64_t tied_pos = 0, tied_neg = 0;
		for (; j < items->size() && (*items)[j].score == (*items)[i].score; j++)
			((*items)[j].positive ? tied_pos : tied_neg)++;
		twice_u += tied_pos * (2 * negatives_below + tied_neg);
		negatives_below += tied_neg;
		positives += tied_pos;
		negatives += tied_neg;
		i = j;
	}
	if (positives == 0 || negatives == 0)
		return kNaN;
	// twice_u <= 2 * P * N: exact in a double below 2^53 (P * N < 4.5e15).
	return static_cast<double>(twice_u) / (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

double BrierScore(const std::vector<ScoredLabel> &items) noexcept {
	double sum = 0;
	for (const ScoredLabel &i : items) {
		double miss = i.score - (i.positive ? 1.0 : 0.0);
		sum += miss * miss;
	}
	return Ratio(sum, static_cast<double>(items.size()));
}

double LogLoss(const std::vector<ScoredLabel> &items) noexcept {
	constexpr double kEps = 1e-15;
	double sum = 0;
	for (const ScoredLabel &i : items) {
		double p = std::clamp(i.score, kEps, 1 - kEps);
		sum -= std::log(i.positive ? p : 1 - p);
	}
	return Ratio(sum, static_cast<double>(items.size()));
}

double Median(std::vector<double> *values) {
	std::size_t n = values->size();
	if (n == 0)
		return kNaN;
	auto mid = values->begin() + static_cast<std::ptrdiff_t>(n / 2);
	std::nth_element(values->begin(), mid, values->end());
	double upper = *mid;
	if (n % 2 == 1)
		return upper;
	double lower = *std::max_element(values->begin(), mid);
	return lower + (upper - lower) / 2;
}

double Ratio(double a, double b) noexcept {
	if (b == 0 || std::isnan(a) || std::isnan(b))
		return kNaN;
	return a / b;
}

} // namespace leadscore::core
