// The probability link and its fit.  See probability_link.hpp.
#include "core/insight/probability_link.hpp"

#include "core/base/error.hpp"
#include "core/learning/logistic_fit.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace leadscore::core {
namespace {

constexpr std::size_t kNoGrade = kGradeCount;
constexpr std::size_t kLinkLength = kGradeCount + 3;

std::size_t GradeSlot(std::optional<GradeRank> grade) noexcept {
	return grade ? *grade : kNoGrade;
}

// The score's mean and standard deviation over the fitted leads (1 when
// every score is the same: the score then carries nothing, its weight 0).
void ScoreScale(const std::vector<const LinkSample *> &used, double *mean, double *sd) {
	double sum = 0, squares = 0;
	for (const LinkSample *s : used)
		sum += s->score;
	*mean = sum / static_cast<double>(used.size());
	for (const LinkSample *s : used)
		squares += (s->score - *mean) * (s->score - *mean);
	*sd = std::sqrt(squares / static_cast<double>(used.size()));
	if (!(*sd > 0))
		*sd = 1;
}

} // namespace

double ProbabilityLink::Logit(double score, std::optional<GradeRank> grade) const noexcept {
	return intercept + per_point * score + grade_weight[GradeSlot(grade)];
}

double ProbabilityLink::Probability(double score, std::optional<GradeRank> grade) const noexcept {
	double z = Logit(score, grade);
	// exp of a negative number only: no overflow either way.
	return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

std::vector<double> EncodeLink(const ProbabilityLink &link) {
	std::vector<double> out{link.intercept, link.per_point};
	out.insert(out.end(), link.grade_weight.begin(), link.grade_weight.end());
	return out;
}

bool DecodeLink(const double *values, std::size_t count, ProbabilityLink *link) noexcept {
	if (count != kLinkLength)
		return false;
	for (std::size_t i = 0; i < count; i++)
		if (!std::isfinite(values[i]))
			return false;
	link->intercept = values[0];
	link->per_point = values[1];
	for (std::size_t g = 0; g <= kGradeCount; g++)
		link->grade_weight[g] = values[2 + g];
	return true;
}

LinkFit FitProbabilityLink(const std::vector<LinkSample> &leads, const CancelCheck &cancel) {
	LinkFit out;
	std::vector<const LinkSample *> used;
	for (const LinkSample &s : leads) {
		if (std::isnan(s.score)) {
			out.skipped++;
			continue;
		}
		used.push_back(&s);
		out.graded[GradeSlot(s.grade)] = true;
		out.converted += s.converted ? 1 : 0;
	}
	out.leads = static_cast<std::int64_t>(used.size());
	if (out.converted < 2 || out.leads - out.converted < 2)
		throw Error(ErrorKind::InvalidValue,
		            "a probability needs at least 2 converted and 2 unconverted leads, not " +
		                std::to_string(out.converted) + " and " + std::to_string(out.leads - out.converted),
		            out.skipped > 0 ? std::to_string(out.skipped) + " leads with an undefined score were skipped." : "",
		            "Give a larger population or a longer horizon.");
	// Grade indicators only when the leads had more than one grade: one
	// alone is the intercept.
	std::vector<std::size_t> slots;
	for (std::size_t g = 0; g <= kGradeCount; g++)
		if (out.graded[g])
			slots.push_back(g);
	if (slots.size() < 2)
		slots.clear();
	double mean, sd;
	ScoreScale(used, &mean, &sd);
	LogisticData data;
	data.rows = used.size();
	data.features = 1 + slots.size();
	data.x.reserve(data.rows * data.features);
	data.y.reserve(data.rows);
	for (const LinkSample *s : used) {
		data.x.push_back((s->score - mean) / sd);
		for (std::size_t g : slots)
			data.x.push_back(GradeSlot(s->grade) == g ? 1.0 : 0.0);
		data.y.push_back(s->converted ? 1.0 : 0.0);
	}
	LogisticFit fit = FitLogistic(data, kLinkPenalty, cancel);
	// Back to points: w * (score - mean) / sd = (w / sd) * score - w * mean / sd.
	out.link.per_point = fit.weights[0] / sd;
	out.link.intercept = fit.intercept - fit.weights[0] * mean / sd;
	out.per_point_error = fit.standard_errors[0] / sd;
	out.grade_error.fill(std::numeric_limits<double>::quiet_NaN());
	for (std::size_t k = 0; k < slots.size(); k++) {
		out.link.grade_weight[slots[k]] = fit.weights[1 + k];
		out.grade_error[slots[k]] = fit.standard_errors[1 + k];
	}
	return out;
}

} // namespace leadscore::core
