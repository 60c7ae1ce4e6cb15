// Lead grades: parsing, spelling and stepping (grade.hpp).
//
// A grade is its rank 0..12, so ordering, btree support and arithmetic in
// the glue are integer operations; only input and output see letters.
#include "core/model/grade.hpp"

namespace leadscore::core {

namespace {

// Indexed by rank; ranks order as grades do (F lowest).
constexpr const char *kGradeNames[kGradeCount] = {
	"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+",
};

bool IsBlank(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimBlanks(std::string_view text) {
	while (!text.empty() && IsBlank(text.front()))
		text.remove_prefix(1);
	while (!text.empty() && IsBlank(text.back()))
		text.remove_suffix(1);
	return text;
}

// The rank of the plain letter (B, not B+ or B-), or -1.  'E' is not a
// grade, and F stands alone: there is nothing below it to move between.
int LetterRank(char letter) {
	switch (letter) {
	case 'A':
	case 'a':
		return 11;
	case 'B':
	case 'b':
		return 8;
	case 'C':
	case 'c':
		return 5;
	case 'D':
	case 'd':
		return 2;
	case 'F':
	case 'f':
		return kGradeF;
	default:
		return -1;
	}
}

} // namespace

bool ParseGrade(std::string_view text, GradeRank *rank) noexcept {
	text = TrimBlanks(text);
	if (text.empty() || text.size() > 2)
		return false;

	int letter = LetterRank(text[0]);
	if (letter < 0)
		return false;

	int result = letter;
	if (text.size() == 2) {
		// "F+" and "F-" are not grades: F has no thirds.
		if (letter == kGradeF)
			return false;
		if (text[1] == '+')
			result = letter + 1;
		else if (text[1] == '-')
			result = letter - 1;
		else
			return false;
	}
	*rank = static_cast<GradeRank>(result);
	return true;
}

const char *GradeName(GradeRank rank) noexcept {
	// A rank outside 0..12 can only come from a corrupted datum; say so
	// rather than read past the table.
	if (rank > kGradeAPlus)
		return "?";
	return kGradeNames[rank];
}

GradeRank AddGradeSteps(GradeRank rank, std::int64_t steps) noexcept {
	if (rank > kGradeAPlus)
		rank = kGradeAPlus;

	// Compare steps with the room left instead of adding first: steps may be
	// INT64_MIN or INT64_MAX, and rank + steps would overflow.
	std::int64_t room_up = kGradeAPlus - rank;
	std::int64_t room_down = rank - kGradeF;
	if (steps >= room_up)
		return kGradeAPlus;
	if (steps <= -room_down)
		return kGradeF;
	return static_cast<GradeRank>(rank + steps);
}

std::string ValidGradeList() {
	std::string list;
	for (int rank = kGradeAPlus; rank >= kGradeF; rank--) {
		if (!list.empty())
			list += ", ";
		list += kGradeNames[rank];
	}
	return list;
}

} // namespace leadscore::core
