// Grade arithmetic: the 13 spellings, their order, and saturating steps.
#include "core/model/grade.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace leadscore::core {
namespace {

const char *const kAllGrades[] = {
	"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+",
};

GradeRank Parse(const std::string &text) {
	GradeRank rank = 255;
	EXPECT_TRUE(ParseGrade(text, &rank)) << "'" << text << "'";
	return rank;
}

TEST(GradeTest, EveryGradeRoundTrips) {
	for (int rank = kGradeF; rank <= kGradeAPlus; rank++) {
		const char *name = kAllGrades[rank];
		EXPECT_STREQ(GradeName(static_cast<GradeRank>(rank)), name);
		EXPECT_EQ(Parse(name), rank) << name;
		EXPECT_EQ(Parse(GradeName(static_cast<GradeRank>(rank))), rank);
	}
}

TEST(GradeTest, RanksOrderAsGrades) {
	EXPECT_EQ(Parse("F"), kGradeF);
	EXPECT_EQ(Parse("A+"), kGradeAPlus);
	EXPECT_EQ(kGradeCount, kGradeAPlus + 1);
	for (int rank = kGradeF; rank < kGradeAPlus; rank++)
		EXPECT_LT(Parse(kAllGrades[rank]), Parse(kAllGrades[rank + 1]));
	EXPECT_GT(Parse("A+"), Parse("B"));
	EXPECT_GT(Parse("B-"), Parse("C+"));
	EXPECT_GT(Parse("D-"), Parse("F"));
}

TEST(GradeTest, ParseIgnoresCaseAndSurroundingBlanks) {
	EXPECT_EQ(Parse("a+"), kGradeAPlus);
	EXPECT_EQ(Parse("b-"), Parse("B-"));
	EXPECT_EQ(Parse("f"), kGradeF);
	EXPECT_EQ(Parse(" A+"), kGradeAPlus);
	EXPECT_EQ(Parse("c  "), Parse("C"));
	EXPECT_EQ(Parse("\t d+ \n"), Parse("D+"));
	EXPECT_EQ(Parse("\r\f\vB\v"), Parse("B"));
}

TEST(GradeTest, ParseRejectsEverythingElse) {
	const std::string invalid[] = {
		"", " ", "\t\n", "E", "e", "E+", "E-", "F+", "F-", "f+", "f-", "A++", "A+-", "A--",
		"B+ +", "A +", "+A", "-B", "AA", "AB", "G", "Z", "1", "0", "A1", "B*", "C ?", "A+B",
		"A+ x", "x A", "pass", "none", "NULL", "A\xc2\xa0", std::string("A\0", 2),
		std::string("\0A", 2), "\xef\xbc\xa1", // full-width A
	};
	for (const std::string &text : invalid) {
		GradeRank rank = 7;
		EXPECT_FALSE(ParseGrade(text, &rank)) << "'" << text << "'";
		EXPECT_EQ(rank, 7) << "a rejected spelling must not write the result";
	}
}

TEST(GradeTest, DesignExamples) {
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("C"), 1)), "C+");
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("C"), 2)), "B-");
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("A"), 5)), "A+");
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("D"), -9)), "F");
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("B"), -1)), "B-");
	EXPECT_STREQ(GradeName(AddGradeSteps(Parse("B-"), -1)), "C+");
}

TEST(GradeTest, EveryStepFromEveryGrade) {
	for (int rank = kGradeF; rank <= kGradeAPlus; rank++) {
		for (int steps = -15; steps <= 15; steps++) {
			int expected = rank + steps;
			if (expected < kGradeF)
				expected = kGradeF;
			if (expected > kGradeAPlus)
				expected = kGradeAPlus;
			EXPECT_EQ(AddGradeSteps(static_cast<GradeRank>(rank), steps), expected)
			    << kAllGrades[rank] << " + " << steps;
		}
	}
}

TEST(GradeTest, HugeStepsSaturate) {
	constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
	constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
	const std::int64_t huge[] = {kMin, kMin + 1, kMin + 12, -(std::int64_t{1} << 40), -256, -13};
	for (int rank = kGradeF; rank <= kGradeAPlus; rank++) {
		auto r = static_cast<GradeRank>(rank);
		for (std::int64_t steps : huge) {
			EXPECT_EQ(AddGradeSteps(r, steps), kGradeF) << kAllGrades[rank] << " + " << steps;
			EXPECT_EQ(AddGradeSteps(r, -steps - 1), kGradeAPlus) << kAllGrades[rank] << " - " << steps;
		}
		EXPECT_EQ(AddGradeSteps(r, kMax), kGradeAPlus);
		EXPECT_EQ(AddGradeSteps(r, kMax - 1), kGradeAPlus);
		EXPECT_EQ(AddGradeSteps(r, 0), r);
	}
}

TEST(GradeTest, SaturationIsAtTheEnds) {
	EXPECT_EQ(AddGradeSteps(kGradeAPlus, 1), kGradeAPlus);
	EXPECT_EQ(AddGradeSteps(kGradeF, -1), kGradeF);
	EXPECT_EQ(AddGradeSteps(kGradeF, 12), kGradeAPlus);
	EXPECT_EQ(AddGradeSteps(kGradeAPlus, -12), kGradeF);
	EXPECT_EQ(AddGradeSteps(kGradeF, 11), Parse("A"));
	EXPECT_EQ(AddGradeSteps(kGradeAPlus, -11), Parse("D-"));
}

TEST(GradeTest, OutOfRangeRanksAreContained) {
	// Only a corrupted datum has such a rank; nothing may read past the table.
	EXPECT_STREQ(GradeName(13), "?");
	EXPECT_STREQ(GradeName(255), "?");
	EXPECT_EQ(AddGradeSteps(200, 0), kGradeAPlus);
	EXPECT_EQ(AddGradeSteps(200, -1), Parse("A"));
}

TEST(GradeTest, ValidGradeList) {
	EXPECT_EQ(ValidGradeList(), "A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F");
}

} // namespace
} // namespace leadscore::core
