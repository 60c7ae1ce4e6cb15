// learn()'s fit and its search.  See learned_points.hpp.
#include "core/insight/learned_points.hpp"

#include "core/base/error.hpp"
#include "core/learning/logistic_fit.hpp"
#include "core/model/grade_profile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace leadscore::core {

const std::vector<double> kLearnPenalties = {0.1, 1, 10, 100};

namespace {

// The leads every candidate's features are finite for.
std::vector<std::size_t> UsableLeads(const LearnData &d, std::int64_t *skipped) {
	std::vector<std::size_t> out;
	for (std::size_t i = 0; i < d.leads; i++) {
		bool finite = true;
		for (const std::vector<double> &f : d.rule_features)
			for (std::size_t r = 0; r < d.rules && finite; r++)
				finite = std::isfinite(f[i * d.rules + r]);
		if (finite)
			out.push_back(i);
		else
			(*skipped)++;
	}
	return out;
}

// The design of one candidate: the usable leads' rule then criterion
// features, each column centred and scaled to unit variance.  A constant
// column, and a nearly constant rule column (`nearly_constant`), stay 0:
// their weight is 0.  `mean` and `sd` per column, sd 0 for those.
LogisticData Design(const LearnData &d, std::size_t candidate, const std::vector<std::size_t> &rows,
                    std::vector<double> *mean, std::vector<double> *sd, std::vector<bool> *nearly_constant) {
	LogisticData x;
	x.rows = rows.size();
	x.features = d.rules + d.criteria;
	x.x.resize(x.rows * x.features);
	for (std::size_t k = 0; k < rows.size(); k++) {
		std::size_t i = rows[k];
		for (std::size_t r = 0; r < d.rules; r++)
			x.x[k * x.features + r] = d.rule_features[candidate][i * d.rules + r];
		for (std::size_t c = 0; c < d.criteria; c++)
			x.x[k * x.features + d.rules + c] = d.criterion_features[i * d.criteria + c];
		x.y.push_back(d.converted[i]);
	}
	mean->assign(x.features, 0);
	sd->assign(x.features, 0);
	nearly_constant->assign(x.features, false);
	for (std::size_t f = 0; f < x.features; f++) {
		double sum = 0, squares = 0;
		for (std::size_t k = 0; k < x.rows; k++)
			sum += x.x[k * x.features + f];
		(*mean)[f] = sum / static_cast<double>(x.rows);
		for (std::size_t k = 0; k < x.rows; k++)
			squares += std::pow(x.x[k * x.features + f] - (*mean)[f], 2);
		double s = std::sqrt(squares / static_cast<double>(x.rows));
		(*nearly_constant)[f] = f < d.rules && NearlyConstant((*mean)[f], s);
		if ((*nearly_constant)[f])
			s = 0;
		(*sd)[f] = s;
		for (std::size_t k = 0; k < x.rows; k++) {
			double &v = x.x[k * x.features + f];
			v = s > 0 ? (v - (*mean)[f]) / s : 0;
		}
	}
	return x;
}

// Mean held-out log loss of `lambda` over the folds: each fold's leads
// weigh 0 in the fit that predicts them (no copy of the design; the
// weights are left all 1).
double CrossValidate(LogisticData &x, const std::vector<std::uint32_t> &fold, std::uint32_t folds, double lambda,
                     const CancelCheck &cancel) {
	double loss = 0;
	std::size_t held = 0;
	x.weight.assign(x.rows, 1);
	for (std::uint32_t f = 0; f < folds; f++) {
		for (std::size_t k = 0; k < x.rows; k++)
			x.weight[k] = fold[k] == f ? 0 : 1;
		LogisticFit fit;
		try {
			fit = FitLogistic(x, lambda, cancel);
		} catch (const Error &e) {
			if (e.kind() == ErrorKind::Cancelled)
				throw;
			continue; // a fold with one class only: it judges nothing
		}
		for (std::size_t k = 0; k < x.rows; k++) {
			if (fold[k] != f)
				continue;
			double p = std::clamp(PredictLogistic(fit, &x.x[k * x.features], x.features), 1e-15, 1 - 1e-15);
			loss -= std::log(x.y[k] > 0 ? p : 1 - p);
			held++;
		}
	}
	x.weight.clear();
	return held == 0 ? std::numeric_limits<double>::infinity() : loss / static_cast<double>(held);
}

void CheckCounts(const LearnData &d, const std::vector<std::size_t> &rows, std::int64_t skipped) {
	std::int64_t converted = 0;
	for (std::size_t i : rows)
		converted += d.converted[i] > 0 ? 1 : 0;
	auto n = static_cast<std::int64_t>(rows.size());
	std::string skip = skipped > 0 ? std::to_string(skipped) + " leads with an undefined feature were skipped." : "";
	if (converted < 2 || n - converted < 2)
		throw Error(ErrorKind::InvalidValue,
		            "learning needs at least 2 converted and 2 unconverted leads, not " + std::to_string(converted) +
		                " and " + std::to_string(n - converted),
		            skip, "Give a larger population or a longer horizon.");
	auto features = static_cast<std::int64_t>(d.rules + d.criteria);
	if (n <= features)
		throw Error(ErrorKind::InvalidValue,
		            "learning " + std::to_string(features) + " rules and criteria needs more leads than that, not " +
		                std::to_string(n),
		            skip, "Give a larger population.");
}

} // namespace

bool NearlyConstant(double mean, double sd) noexcept {
	return sd > 0 && sd <= kNearConstantSpread * std::fabs(mean);
}

LearnedWeights LearnWeights(const LearnData &data, const CancelCheck &cancel) {
	LearnedWeights out;
	std::vector<std::size_t> rows = UsableLeads(data, &out.skipped);
	CheckCounts(data, rows, out.skipped);
	std::vector<std::uint32_t> fold;
	for (std::size_t i : rows)
		fold.push_back(data.fold[i]);
	std::vector<double> mean, sd;
	std::vector<bool> nearly_constant;
	double best = std::numeric_limits<double>::infinity();
	for (std::size_t c = 0; c < data.rule_features.size(); c++) {
		LogisticData x = Design(data, c, rows, &mean, &sd, &nearly_constant);
		for (double lambda : kLearnPenalties) {
			double loss = CrossValidate(x, fold, data.folds, lambda, cancel);
			out.trials.push_back({c, lambda, loss});
			if (loss < best) {
				best = loss;
				out.half_life = c;
				out.lambda = lambda;
			}
		}
	}
	LogisticData x = Design(data, out.half_life, rows, &mean, &sd, &nearly_constant);
	LogisticFit fit = FitLogistic(x, out.lambda, cancel);
	// Back to the features' own units: w * (v - mean) / sd.
	out.intercept = fit.intercept;
	for (std::size_t f = 0; f < x.features; f++) {
		double w = sd[f] > 0 ? fit.weights[f] / sd[f] : 0;
		double e = sd[f] > 0 ? fit.standard_errors[f] / sd[f] : std::numeric_limits<double>::quiet_NaN();
		out.intercept -= w * mean[f];
		(f < data.rules ? out.rule_weight : out.criterion_weight).push_back(w);
		(f < data.rules ? out.rule_error : out.criterion_error).push_back(e);
	}
	out.nearly_constant = nearly_constant;
	return out;
}

double LearnedPoints(double weight, double points_per_doubling) noexcept {
	return weight * points_per_doubling / std::log(2.0);
}

int LearnedSteps(double weight) noexcept {
	double steps = std::round(weight * kLearnedStepsPerDoubling / std::log(2.0));
	return static_cast<int>(std::clamp(steps, -static_cast<double>(kMaxCriterionSteps),
	                                   static_cast<double>(kMaxCriterionSteps)));
}

} // namespace leadscore::core
