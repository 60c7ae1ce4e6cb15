// Silence and streaks.  See absence_streak.hpp.
#include "core/model/absence_streak.hpp"

#include <algorithm>
#include <cstddef>

namespace leadscore::core {

void AbsenceScorings(const AbsenceStreak &rule, const std::vector<std::int64_t> &sends,
                     const std::vector<std::int64_t> &responses, std::vector<std::int64_t> *out) {
	out->clear();
	std::int32_t streak = 0;
	auto first_after = responses.begin();
	for (std::int64_t s : sends) {
		// The first response after s; sends ascend, so this only moves on.
		first_after = std::upper_bound(first_after, responses.end(), s);
		bool answered = first_after != responses.end() && *first_after <= s + rule.within_us;
		if (answered) {
			streak = 0;
			continue;
		}
		if (++streak == rule.in_a_row) {
			out->push_back(s + rule.within_us);
			streak = 0;
		}
	}
}

} // namespace leadscore::core
