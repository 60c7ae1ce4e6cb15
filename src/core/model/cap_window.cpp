// Exact caps over a window of the most recent matching times: see
// cap_window.hpp for the invariant and why reloads are rare.
#include "core/model/cap_window.hpp"

#include <algorithm>
#include <functional>
#include <iterator>

namespace leadscore::core {

namespace {

constexpr std::size_t kMinReserve = 8;
constexpr std::size_t kMaxReserve = 64;

// Appends |count| copies of `at` to `out`.
void Expand(std::int64_t at, std::int64_t count, std::vector<std::int64_t> *out) {
	out->insert(out->end(), static_cast<std::size_t>(count), at);
}

} // namespace

std::size_t CapReserve(std::int32_t max_count) noexcept {
	auto n = static_cast<std::size_t>(std::max<std::int32_t>(max_count, 1));
	return std::clamp(n, kMinReserve, kMaxReserve);
}

std::size_t CapWindowSize(std::int32_t max_count) noexcept {
	return static_cast<std::size_t>(std::max<std::int32_t>(max_count, 1)) + CapReserve(max_count);
}

CapRule::CapRule(std::int32_t max_count, double points, const Decay &decay) noexcept
    : max_count_(std::max<std::int32_t>(max_count, 1)), window_size_(CapWindowSize(max_count)), points_(points),
      decay_(decay) {
}

bool CapRule::Valid(const CapWindow &w) const noexcept {
	if (w.beyond < 0 || w.times.size() > window_size_)
		return false;
	if (!std::is_sorted(w.times.begin(), w.times.end(), std::greater<std::int64_t>()))
		return false;
	// Older activities exist but the window lacks some of the N newest.
	return w.beyond == 0 || w.times.size() >= static_cast<std::size_t>(max_count_);
}

double CapRule::Contribution(const CapWindow &w) const noexcept {
	std::size_t n = std::min(w.times.size(), static_cast<std::size_t>(max_count_));
	CompensatedSum weights;
	for (std::size_t k = 0; k < n; k++)
		weights.Add(decay_.Weight(w.times[k]));
	return points_ * weights.Value();
}

CapApplyResult CapRule::Apply(CapWindow *w, const CapHit *hits, std::size_t n) const {
	CapApplyResult result;
	if (!Valid(*w)) {
		result.needs_reload = result.out_of_step = true;
		return result;
	}
	double before = Contribution(*w);

	std::vector<std::int64_t> inserts;
	std::vector<std::int64_t> removals;
	for (std::size_t k = 0; k < n; k++) {
		std::int64_t count = hits[k].count; // int64: -INT32_MIN fits
		if (count > 0)
			Expand(hits[k].at, count, &inserts);
		else if (count < 0)
			Expand(hits[k].at, -count, &removals);
	}
	std::sort(inserts.begin(), inserts.end(), std::greater<std::int64_t>());
	std::sort(removals.begin(), removals.end(), std::greater<std::int64_t>());

	// 1. Insertions.  While older activities exist outside the window, a
	// time older than its oldest may rank below one of them: it joins
	// beyond.  A time equal to the oldest may join the window, as equal
	// times are interchangeable.
	std::vector<std::int64_t> merged;
	merged.reserve(w->times.size() + inserts.size());
	if (w->beyond > 0) {
		std::int64_t oldest = w->times.back();
		auto older = std::find_if(inserts.begin(), inserts.end(), [&](std::int64_t t) { return t < oldest; });
		w->beyond += std::distance(older, inserts.end());
		inserts.erase(older, inserts.end());
	}
	std::merge(w->times.begin(), w->times.end(), inserts.begin(), inserts.end(), std::back_inserter(merged),
	           std::greater<std::int64_t>());

	// 2. Removals, newest first, walking the merged window once.  A time not
	// in it is one of the older activities when it is not newer than the
	// window's oldest; otherwise the state is out of step with the history.
	std::vector<std::int64_t> kept;
	kept.reserve(merged.size());
	std::size_t i = 0;
	bool consistent = true;
	for (std::int64_t r : removals) {
		while (i < merged.size() && merged[i] > r)
			kept.push_back(merged[i++]);
		if (i < merged.size() && merged[i] == r) {
			i++;
		} else if (w->beyond > 0 && (merged.empty() || r <= merged.back())) {
			w->beyond--;
		} else {
			consistent = false;
		}
	}
	kept.insert(kept.end(), merged.begin() + static_cast<std::ptrdiff_t>(i), merged.end());

	// 3. Back to K: the oldest times past it become part of beyond.
	if (kept.size() > window_size_) {
		w->beyond += static_cast<std::int64_t>(kept.size() - window_size_);
		kept.resize(window_size_);
	}
	w->times.swap(kept);

	if (!consistent || !Valid(*w)) {
		result.needs_reload = true;
		result.out_of_step = !consistent;
		return result;
	}
	result.delta = Contribution(*w) - before;
	return result;
}

double CapRule::Rebuild(CapWindow *w, std::vector<std::int64_t> *times) const {
	std::size_t keep = std::min(times->size(), window_size_);
	auto mid = times->begin() + static_cast<std::ptrdiff_t>(keep);
	std::partial_sort(times->begin(), mid, times->end(), std::greater<std::int64_t>());
	w->times.assign(times->begin(), mid);
	w->beyond = static_cast<std::int64_t>(times->size() - keep);
	return Contribution(*w);
}

} // namespace leadscore::core
