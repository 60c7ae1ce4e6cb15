// Lead grades (docs/design.md, "Grades and grade profiles"): thirteen
// school grades from F to A+, moved up and down in steps of one third of a
// letter, saturating at both ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leadscore::core {

// A grade's rank: 0 is F, 1 is D-, ... 12 is A+.  Ranks order as grades do.
using GradeRank = std::uint8_t;

constexpr GradeRank kGradeF = 0;
constexpr GradeRank kGradeAPlus = 12;
constexpr int kGradeCount = 13;

// Accepts exactly the 13 spellings ('A+', 'a+' and surrounding blanks too);
// returns false for anything else.
bool ParseGrade(std::string_view text, GradeRank *rank) noexcept;

// The canonical spelling: "A+", "A", ..., "D-", "F".
const char *GradeName(GradeRank rank) noexcept;

// Moves a grade by `steps` thirds of a letter, saturating at F and A+.
GradeRank AddGradeSteps(GradeRank rank, std::int64_t steps) noexcept;

// "A+, A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F" for error hints.
std::string ValidGradeList();

} // namespace leadscore::core
