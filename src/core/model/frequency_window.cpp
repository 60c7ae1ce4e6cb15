// Frequency windows.  See frequency_window.hpp.
#include "core/model/frequency_window.hpp"

#include <cstddef>

namespace leadscore::core {

void FrequencyScorings(const FrequencyWindow &window, const std::vector<std::int64_t> &times,
                       std::vector<std::int64_t> *out) {
	out->clear();
	const std::size_t n = times.size();
	const auto need = static_cast<std::size_t>(window.min_count);
	std::size_t first = 0; // the oldest time inside the window ending at times[i]
	bool scored = false;
	std::int64_t last = 0;
	for (std::size_t i = 0; i < n; i++) {
		const std::int64_t t = times[i];
		// Equal times are one moment: decide at the last of them, so the
		// window counts all of them whichever order they came in.
		if (i + 1 < n && times[i + 1] == t)
			continue;
		// (t − within, t]: subtraction cannot overflow, both are bounded by
		// the core's time range and kMaxWindowUs.
		while (times[first] <= t - window.within_us)
			first++;
		if (i + 1 - first < need)
			continue;
		if (scored && t - last < window.cooldown_us)
			continue;
		out->push_back(t);
		last = t;
		scored = true;
	}
}

} // namespace leadscore::core
