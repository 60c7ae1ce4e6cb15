// The probability link: its arithmetic, its stored form, and its fit
// against a direct logistic regression on the same features.
#include "core/insight/probability_link.hpp"

#include "core/base/error.hpp"
#include "core/learning/logistic_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leadscore::core {
namespace {

TEST(ProbabilityLink, LogisticOfScoreAndGrade) {
	ProbabilityLink link;
	link.intercept = -2;
	link.per_point = 0.05;
	link.grade_weight[kGradeAPlus] = 1;
	link.grade_weight[kGradeCount] = -0.5; // no grade
	EXPECT_NEAR(link.Probability(40, kGradeF), 0.5, 1e-15);
	EXPECT_NEAR(link.Probability(40, kGradeAPlus), 1 / (1 + std::exp(-1.0)), 1e-15);
	EXPECT_NEAR(link.Probability(40, std::nullopt), 1 / (1 + std::exp(0.5)), 1e-15);
	// Far out on either side: 0 and 1, never NaN.
	EXPECT_EQ(link.Probability(1e6, kGradeF), 1.0);
	EXPECT_EQ(link.Probability(-1e6, kGradeF), 0.0);
	EXPECT_TRUE(std::isnan(link.Probability(std::nan(""), kGradeF)));
}

TEST(ProbabilityLink, StoredFormRoundTrips) {
	ProbabilityLink link;
	link.intercept = 0.1;
	link.per_point = 1.0 / 3;
	for (std::size_t g = 0; g <= kGradeCount; g++)
		link.grade_weight[g] = static_cast<double>(g) / 7;
	std::vector<double> stored = EncodeLink(link);
	ASSERT_EQ(stored.size(), static_cast<std::size_t>(kGradeCount + 3));
	ProbabilityLink back;
	ASSERT_TRUE(DecodeLink(stored.data(), stored.size(), &back));
	EXPECT_EQ(back.Probability(17, 5), link.Probability(17, 5));
	EXPECT_FALSE(DecodeLink(stored.data(), stored.size() - 1, &back));
	stored[4] = std::nan("");
	EXPECT_FALSE(DecodeLink(stored.data(), stored.size(), &back));
}

// Leads of grades A and C, the A leads likelier; scores 0..90.
std::vector<LinkSample> GradedSample() {
	std::vector<LinkSample> out;
	for (int i = 0; i < 400; i++) {
		double score = 10.0 * (i % 10);
		GradeRank grade = i % 3 == 0 ? 10 : 4;
		bool converted = (i * 7919) % 101 < 10 + 6 * (i % 10) + (grade == 10 ? 20 : 0);
		out.push_back({score, grade, converted});
	}
	out.push_back({std::nan(""), 4, true}); // skipped and counted
	return out;
}

TEST(FitProbabilityLink, IsTheLogisticRegressionOnStandardisedScoreAndGrades) {
	std::vector<LinkSample> leads = GradedSample();
	LinkFit fit = FitProbabilityLink(leads);
	EXPECT_EQ(fit.leads, 400);
	EXPECT_EQ(fit.skipped, 1);
	EXPECT_TRUE(fit.graded[10] && fit.graded[4] && !fit.graded[7]);
	// The same fit by hand: the score standardised, one indicator per grade.
	double mean = 45, sd = std::sqrt(825.0);
	LogisticData data;
	data.rows = 400;
	data.features = 3;
	for (std::size_t i = 0; i < 400; i++) {
		data.x.insert(data.x.end(), {(leads[i].score - mean) / sd, *leads[i].grade == 4 ? 1.0 : 0.0,
		                             *leads[i].grade == 10 ? 1.0 : 0.0});
		data.y.push_back(leads[i].converted ? 1 : 0);
	}
	LogisticFit direct = FitLogistic(data, kLinkPenalty);
	for (std::size_t i = 0; i < 400; i++)
		EXPECT_NEAR(fit.link.Probability(leads[i].score, leads[i].grade),
		            PredictLogistic(direct, &data.x[i * 3], 3), 1e-12);
	EXPECT_GT(fit.link.grade_weight[10], fit.link.grade_weight[4]);
	EXPECT_EQ(fit.link.grade_weight[7], 0); // not seen: the average grade
	EXPECT_TRUE(std::isnan(fit.grade_error[7]));
	EXPECT_NEAR(fit.per_point_error, direct.standard_errors[0] / sd, 1e-15);
}

TEST(FitProbabilityLink, RefusesTooFewOfAClass) {
	std::vector<LinkSample> leads = {{1, std::nullopt, true}, {2, std::nullopt, false}, {3, std::nullopt, false}};
	try {
		FitProbabilityLink(leads);
		FAIL();
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::InvalidValue);
		EXPECT_NE(std::string(e.what()).find("not 1 and 2"), std::string::npos) << e.what();
	}
}

} // namespace
} // namespace leadscore::core
