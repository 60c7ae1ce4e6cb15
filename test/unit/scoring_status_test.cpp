// Status and score at read time: thresholds, the grade condition of SQL,
// max_score clamping, and agreement with the stored thresholds an index scan
// uses.
#include "core/lead/scoring_status.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000;

ModelSpec Model(double half_life_days = 30) {
	ModelSpec m;
	m.name = "crm_software";
	m.half_life_us = half_life_days * static_cast<double>(kDay);
	m.epoch_us = k2024;
	m.mql_threshold = 50;
	m.sql_threshold = 100;
	return m;
}

GradeRank Grade(const char *text) {
	GradeRank g = 0;
	EXPECT_TRUE(ParseGrade(text, &g)) << text;
	return g;
}

TEST(ScoringStatus, Names) {
	EXPECT_STREQ(LeadStatusName(LeadStatus::Nurture), "nurture");
	EXPECT_STREQ(LeadStatusName(LeadStatus::Mql), "mql");
	EXPECT_STREQ(LeadStatusName(LeadStatus::Sql), "sql");
}

TEST(ScoringStatus, Thresholds) {
	ModelSpec m = Model(0);
	EXPECT_EQ(StatusAt(m, 0, k2024), LeadStatus::Nurture);
	EXPECT_EQ(StatusAt(m, 49.999, k2024), LeadStatus::Nurture);
	EXPECT_EQ(StatusAt(m, 50, k2024), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, 99.999, k2024), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, 100, k2024), LeadStatus::Sql);
	EXPECT_EQ(StatusAt(m, -40, k2024), LeadStatus::Nurture);
	EXPECT_EQ(StatusAt(m, std::nan(""), k2024), LeadStatus::Nurture);
}

TEST(ScoringStatus, DecayMovesLeadsBackToNurture) {
	ModelSpec m = Model(30);
	Decay decay(m.half_life_us, m.epoch_us);
	double stored = decay.Stored(120, k2024 + 10 * kDay);
	EXPECT_EQ(StatusAt(m, stored, k2024 + 10 * kDay), LeadStatus::Sql);
	EXPECT_EQ(StatusAt(m, stored, k2024 + 20 * kDay), LeadStatus::Mql);   // 95
	EXPECT_EQ(StatusAt(m, stored, k2024 + 80 * kDay), LeadStatus::Nurture); // 37.8
}

TEST(ScoringStatus, SqlNeedsTheMinimumGrade) {
	ModelSpec m = Model(0);
	m.sql_min_grade = Grade("B");
	EXPECT_EQ(StatusAt(m, 150, k2024, Grade("A")), LeadStatus::Sql);
	EXPECT_EQ(StatusAt(m, 150, k2024, Grade("B")), LeadStatus::Sql);
	// A student with a top score is still not a sales lead.
	EXPECT_EQ(StatusAt(m, 150, k2024, Grade("B-")), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, 150, k2024, std::nullopt), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, 60, k2024, Grade("A+")), LeadStatus::Mql);
	EXPECT_EQ(StatusAt(m, 10, k2024, Grade("A+")), LeadStatus::Nurture);
	// Without a minimum grade the grade does not matter.
	m.sql_min_grade.reset();
	EXPECT_EQ(StatusAt(m, 150, k2024, Grade("F")), LeadStatus::Sql);
}

TEST(ScoringStatus, MaxScoreClampsAtReadTime) {
	ModelSpec m = Model(30);
	m.max_score = 150;
	Decay decay(m.half_life_us, m.epoch_us);
	double stored = decay.Stored(400, k2024);
	EXPECT_EQ(CurrentScore(m, stored, k2024), 150);
	// The true score decays from 400, not from 150: after one half-life it
	// is 200, still clamped; after two 100.
	EXPECT_EQ(CurrentScore(m, stored, k2024 + 30 * kDay), 150);
	EXPECT_NEAR(CurrentScore(m, stored, k2024 + 60 * kDay), 100, 1e-9);
	EXPECT_EQ(StatusAt(m, stored, k2024 + 60 * kDay), LeadStatus::Sql);
	// Clamping preserves order: more stored, never less score.
	EXPECT_LE(CurrentScore(m, decay.Stored(140, k2024), k2024), CurrentScore(m, decay.Stored(160, k2024), k2024));
	m.max_score = std::nan("");
	EXPECT_NEAR(CurrentScore(m, stored, k2024), 400, 1e-9);
}

TEST(ScoringStatus, StatusAgreesWithStoredThresholds) {
	// StatusAt and the comparison with the stored thresholds (the form of
	// the view's CASE and of a (model_id, stored) index scan) must classify
	// every lead alike, at the boundary too.
	ModelSpec m = Model(30);
	m.max_score = 100;
	Decay decay(m.half_life_us, m.epoch_us);
	std::mt19937_64 rng(3);
	std::uniform_real_distribution<double> points(0, 200);
	std::uniform_int_distribution<std::int64_t> when(0, 400 * kDay);
	for (int k = 0; k < 10000; k++) {
		std::int64_t now = k2024 + when(rng);
		StoredThresholds t = StoredThresholdsAt(m, now);
		double stored = decay.Stored(points(rng), k2024 + when(rng));
		if (k % 10 == 0)
			stored = t.mql; // exactly at the boundary
		LeadStatus s = StatusAt(m, stored, now);
		EXPECT_EQ(s != LeadStatus::Nurture, stored >= t.mql);
		EXPECT_EQ(s == LeadStatus::Sql, stored >= t.sql);
		// And with the decayed score, up to a rounding at the boundary.
		double score = CurrentScore(m, stored, now);
		if (std::fabs(score - m.mql_threshold) > 1e-9 * m.mql_threshold) {
			EXPECT_EQ(s != LeadStatus::Nurture, score >= m.mql_threshold);
		}
	}
}

} // namespace
} // namespace leadscore::core
