// Caps, exact (docs/design.md, "Cap windows"): a rule with max_count N
// counts only the lead's N most recent matching activities, whatever order
// rows arrive, change or disappear in.
//
// The N most recent of a set that loses members cannot be kept from the N
// alone: delete one of them and the (N+1)-th comes back into the count.  So
// per (model, lead, capped rule) the lead's state keeps a window: the
// K = N + R most recent matching times, newest first, and `beyond`, how many
// matching activities are older than the window (counted, not stored).
//
// Invariant: the window holds the |W| greatest times of the lead's multiset
// of matching times (equal times are interchangeable: only times matter),
// |W| <= K, and |W| + beyond is the number of matching activities.  The
// rule's contribution, points * sum(Weight(t)) over the N newest, can be read
// off the window whenever |W| >= N or beyond = 0.
//
// Applying one statement's hits: insertions go in (a time older than the
// window while beyond > 0 only increments beyond), removals come out (a time
// older than the window decrements beyond), then the window is trimmed back
// to K.  Insertions go first and the trim comes last, so an UPDATE that moves
// a time never loses information in between.  Only when the removals leave
// fewer than N times while older ones exist (|W| < N, beyond > 0) is the
// window short of information: then the glue re-reads the lead's matching
// history and calls Rebuild().
//
// Why reloads are rare: deleting activities older than the window (the usual
// retention purge) only touches `beyond`; deleting a lead's whole history
// (GDPR, merges) empties window and beyond together; inserting, late or not,
// never reloads.  A reload needs more than R of the window's newest times
// deleted, net of insertions, while older ones remain: R + 1 corrections of
// recent rows in a row, with no new activity in between.
//
// The reserve R = clamp(N, 8, 64): proportional to N, so a lead can lose as
// many recent activities as the cap counts before a reload; at least 8, so a
// small cap (N = 1: "only the latest visit") still survives a burst of
// corrections; at most 64, because the window is stored with every lead and
// beyond 64 net deletions of a lead's newest activities the reload, a read of
// the lead's history, costs little next to those deletions.
#pragma once

#include "core/model/decay.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace leadscore::core {

// R and K for a cap of N = max_count >= 1.
std::size_t CapReserve(std::int32_t max_count) noexcept;
std::size_t CapWindowSize(std::int32_t max_count) noexcept;

struct CapWindow {
	std::vector<std::int64_t> times; // newest first (descending), at most K
	std::int64_t beyond = 0;         // matching activities older than times.back()

	std::int64_t total() const noexcept {
		return static_cast<std::int64_t>(times.size()) + beyond;
	}
};

// `count` activities at time `at` (us since the Unix epoch): positive for
// inserted rows, negative for removed rows.
struct CapHit {
	std::int64_t at;
	std::int32_t count;
};

struct CapApplyResult {
	double delta = 0;          // change of the rule's stored contribution
	bool needs_reload = false; // the window must be rebuilt from history; delta is then 0
	bool out_of_step = false;  // ... because it does not agree with the hits (a bug or a
	                           // state written by another model version), not by design
};

// One capped rule of a model: its cap, points and the model's decay.
class CapRule {
public:
	CapRule(std::int32_t max_count, double points, const Decay &decay) noexcept;

	std::size_t window_size() const noexcept {
		return window_size_;
	}

	// True when `w` satisfies the invariant's checkable part: sorted newest
	// first, at most K times, beyond >= 0, and holding the N newest.
	bool Valid(const CapWindow &w) const noexcept;

	// points * sum(Weight(t)) over the N newest times of a Valid window, as
	// a stored (epoch-relative) amount.
	double Contribution(const CapWindow &w) const noexcept;

	// Applies one statement's hits (any order) to `w` and returns the exact
	// change of the contribution.  needs_reload: `w` was not Valid, a removal
	// named a time the window cannot hold (state out of step with history),
	// or the removals left fewer than N times while beyond > 0; the caller
	// then rebuilds `w` from the lead's history and ignores delta.
	CapApplyResult Apply(CapWindow *w, const CapHit *hits, std::size_t n) const;

	// Makes `w` from every matching time of the lead (any order; `times` is
	// reordered) and returns its contribution.
	double Rebuild(CapWindow *w, std::vector<std::int64_t> *times) const;

private:
	std::int32_t max_count_;
	std::size_t window_size_;
	double points_;
	Decay decay_;
};

} // namespace leadscore::core
