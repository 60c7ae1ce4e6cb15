// Exact caps: the window of the K most recent times against a brute force
// that keeps every time, under late, duplicate, updated and deleted rows; and
// how often the window must be reloaded from history.
#include "core/model/cap_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
constexpr std::int64_t k2024 = 1'704'067'200'000'000; // 2024-01-01 UTC
constexpr double kHalfLife = 30.0 * 86'400'000'000;

// points * sum(2^((t - E)/h)) over the N newest of `times`, straight from the
// definition in long double, sharing no code with CapRule.
long double BruteContribution(const std::multiset<std::int64_t> &times, int n, double points, const Decay &decay) {
	long double sum = 0;
	int taken = 0;
	for (auto it = times.rbegin(); it != times.rend() && taken < n; ++it, ++taken) {
		long double w = 1;
		if (decay.decays())
			w = std::exp2l(static_cast<long double>(*it - decay.epoch_us()) /
			               static_cast<long double>(decay.half_life_us()));
		sum += w;
	}
	return static_cast<long double>(points) * sum;
}

// The window must be the |W| newest of the multiset, newest first.
void ExpectPrefixOf(const CapWindow &w, const std::multiset<std::int64_t> &times) {
	ASSERT_EQ(static_cast<std::size_t>(w.total()), times.size());
	auto it = times.rbegin();
	for (std::size_t k = 0; k < w.times.size(); k++, ++it)
		ASSERT_EQ(w.times[k], *it) << "window position " << k;
}

CapHit Plus(std::int64_t at) {
	return CapHit{at, 1};
}
CapHit Minus(std::int64_t at) {
	return CapHit{at, -1};
}

CapApplyResult Apply(const CapRule &cap, CapWindow *w, std::vector<CapHit> hits) {
	return cap.Apply(w, hits.data(), hits.size());
}

TEST(CapWindow, ReserveAndSize) {
	EXPECT_EQ(CapReserve(1), 8u);
	EXPECT_EQ(CapWindowSize(1), 9u);
	EXPECT_EQ(CapWindowSize(5), 13u);
	EXPECT_EQ(CapReserve(20), 20u);
	EXPECT_EQ(CapWindowSize(20), 40u);
	EXPECT_EQ(CapReserve(100), 64u);
	EXPECT_EQ(CapWindowSize(1000), 1064u);
}

TEST(CapWindow, CountsTheNewestOnly) {
	// No decay: the contribution is points * min(N, total).
	CapRule cap(3, 5, Decay(0, 0));
	CapWindow w;
	double total = 0;
	for (int k = 0; k < 20; k++) {
		CapApplyResult r = Apply(cap, &w, {Plus(k2024 + k * kDay)});
		ASSERT_FALSE(r.needs_reload);
		total += r.delta;
		EXPECT_EQ(total, 5.0 * std::min(k + 1, 3));
	}
	EXPECT_EQ(w.times.size(), cap.window_size());
	EXPECT_EQ(w.beyond, 20 - static_cast<std::int64_t>(cap.window_size()));
	EXPECT_EQ(w.times.front(), k2024 + 19 * kDay);
}

TEST(CapWindow, SteadyReaderStaysFreshUnderDecay) {
	// docs/design.md §1, "Caps": with decay, "the N most recent" keeps a
	// loyal reader's score fresh; the contribution is that of the N newest
	// reads.
	Decay decay(kHalfLife, k2024);
	CapRule cap(5, 5, decay);
	CapWindow w;
	double total = 0;
	for (int k = 0; k < 100; k++)
		total += Apply(cap, &w, {Plus(k2024 + k * kDay)}).delta;
	double want = 0;
	for (int k = 95; k < 100; k++)
		want += 5 * decay.Weight(k2024 + k * kDay);
	EXPECT_NEAR(total, want, 1e-12 * want);
	EXPECT_DOUBLE_EQ(cap.Contribution(w), want);
}

TEST(CapWindow, LateRowOlderThanTheWindowOnlyCounts) {
	CapRule cap(2, 10, Decay(0, 0));
	CapWindow w;
	std::vector<CapHit> hits;
	for (int k = 0; k < 20; k++)
		hits.push_back(Plus(k2024 + k * kDay));
	Apply(cap, &w, hits);
	std::int64_t oldest = w.times.back();
	CapApplyResult r = Apply(cap, &w, {Plus(k2024 - 100 * kDay)});
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(r.delta, 0);
	EXPECT_EQ(w.times.back(), oldest);
	EXPECT_EQ(w.total(), 21);
}

TEST(CapWindow, LateRowNewerThanTheCountedOnesTakesTheirPlace) {
	Decay decay(kHalfLife, k2024);
	CapRule cap(2, 10, decay);
	CapWindow w;
	Apply(cap, &w, {Plus(k2024), Plus(k2024 + 10 * kDay), Plus(k2024 + 20 * kDay)});
	// A back-dated row between the two newest: it displaces the older one.
	CapApplyResult r = Apply(cap, &w, {Plus(k2024 + 15 * kDay)});
	EXPECT_FALSE(r.needs_reload);
	// The delta is the difference of the sums before and after: it rounds at
	// their scale.
	double want = 10 * (decay.Weight(k2024 + 15 * kDay) - decay.Weight(k2024 + 10 * kDay));
	EXPECT_NEAR(r.delta, want, 1e-14 * cap.Contribution(w));
}

TEST(CapWindow, EqualTimesAreAMultiset) {
	CapRule cap(2, 1, Decay(0, 0));
	CapWindow w;
	Apply(cap, &w, {CapHit{k2024, 3}, Plus(k2024 - kDay)});
	EXPECT_EQ(w.times, (std::vector<std::int64_t>{k2024, k2024, k2024, k2024 - kDay}));
	EXPECT_DOUBLE_EQ(cap.Contribution(w), 2);
	// Removing one of three equal times leaves two.
	CapApplyResult r = Apply(cap, &w, {Minus(k2024)});
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(w.times, (std::vector<std::int64_t>{k2024, k2024, k2024 - kDay}));
	EXPECT_EQ(r.delta, 0);
	// And -2, +1 in one statement.
	r = Apply(cap, &w, {CapHit{k2024, -2}, Plus(k2024 - 2 * kDay)});
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(w.times, (std::vector<std::int64_t>{k2024 - kDay, k2024 - 2 * kDay}));
	EXPECT_EQ(r.delta, 0);
}

TEST(CapWindow, EqualTimesAcrossTheWindowEdge) {
	// K = 9 for N = 1: twelve equal times, three of them beyond the window.
	CapRule cap(1, 1, Decay(0, 0));
	CapWindow w;
	Apply(cap, &w, {CapHit{k2024, 12}});
	EXPECT_EQ(w.times.size(), 9u);
	EXPECT_EQ(w.beyond, 3);
	// Removing all twelve: nine from the window, three from beyond.
	CapApplyResult r = Apply(cap, &w, {CapHit{k2024, -12}});
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(w.total(), 0);
	EXPECT_EQ(r.delta, -1);
}

TEST(CapWindow, DeletingOldActivityNeedsNoReload) {
	// A retention purge deletes the oldest rows: they are beyond the window.
	CapRule cap(5, 5, Decay(0, 0));
	CapWindow w;
	std::vector<CapHit> hits;
	for (int k = 0; k < 100; k++)
		hits.push_back(Plus(k2024 + k * kDay));
	Apply(cap, &w, hits);
	hits.clear();
	for (int k = 0; k < 80; k++)
		hits.push_back(Minus(k2024 + k * kDay));
	CapApplyResult r = Apply(cap, &w, hits);
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(r.delta, 0);
	EXPECT_EQ(w.total(), 20);
}

TEST(CapWindow, DeletingEverythingNeedsNoReload) {
	// GDPR erasure: the whole history in one statement.
	CapRule cap(5, 5, Decay(0, 0));
	CapWindow w;
	std::vector<CapHit> hits;
	for (int k = 0; k < 100; k++)
		hits.push_back(Plus(k2024 + k * kDay));
	Apply(cap, &w, hits);
	for (CapHit &h : hits)
		h.count = -1;
	CapApplyResult r = Apply(cap, &w, hits);
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(r.delta, -25);
	EXPECT_EQ(w.total(), 0);
}

TEST(CapWindow, DeletingTheNewestReloadsOncePerReserve) {
	// The worst case: deleting the newest activity over and over.  After
	// R = 8 deletions the window still holds N = 2; the ninth leaves one
	// while older times exist, and only then is a reload needed.
	CapRule cap(2, 1, Decay(0, 0));
	ASSERT_EQ(CapReserve(2), 8u);
	std::multiset<std::int64_t> all;
	CapWindow w;
	std::vector<CapHit> hits;
	for (int k = 0; k < 100; k++) {
		hits.push_back(Plus(k2024 + k * kDay));
		all.insert(k2024 + k * kDay);
	}
	Apply(cap, &w, hits);
	int reloads = 0;
	for (int k = 0; k < 90; k++) {
		std::int64_t newest = *all.rbegin();
		all.erase(std::prev(all.end()));
		CapApplyResult r = Apply(cap, &w, {Minus(newest)});
		if (r.needs_reload) {
			EXPECT_EQ(k % 9, 8) << "deletion " << k;
			EXPECT_FALSE(r.out_of_step);
			std::vector<std::int64_t> times(all.begin(), all.end());
			cap.Rebuild(&w, &times);
			reloads++;
		} else {
			EXPECT_EQ(cap.Contribution(w), 2);
		}
	}
	EXPECT_EQ(reloads, 10);
}

TEST(CapWindow, UpdateMovingATimeNeedsNoReload) {
	// Window exactly N with older times beyond (after deletions): an UPDATE
	// that moves one counted time is -t +t' in one statement.  Insertions
	// go first, so the window never drops below N in between.
	CapRule cap(2, 1, Decay(0, 0));
	CapWindow w;
	w.times = {k2024 + 10 * kDay, k2024 + 9 * kDay};
	w.beyond = 5;
	ASSERT_TRUE(cap.Valid(w));
	CapApplyResult r = Apply(cap, &w, {Minus(k2024 + 10 * kDay), Plus(k2024 + 11 * kDay)});
	EXPECT_FALSE(r.needs_reload);
	EXPECT_EQ(w.times, (std::vector<std::int64_t>{k2024 + 11 * kDay, k2024 + 9 * kDay}));
	EXPECT_EQ(w.beyond, 5);
	EXPECT_EQ(r.delta, 0);
}

TEST(CapWindow, OutOfStepStateAsksForReload) {
	CapRule cap(2, 1, Decay(0, 0));
	CapWindow w;
	Apply(cap, &w, {Plus(k2024), Plus(k2024 + kDay)});
	// Removing a time the lead never had (newer than the window's oldest).
	CapApplyResult r = Apply(cap, &w, {Minus(k2024 + 5 * kDay)});
	EXPECT_TRUE(r.needs_reload);
	EXPECT_TRUE(r.out_of_step);

	// Removing a time older than everything, with nothing beyond.
	CapWindow v;
	Apply(cap, &v, {Plus(k2024)});
	r = Apply(cap, &v, {Minus(k2024 - kDay)});
	EXPECT_TRUE(r.needs_reload);
	EXPECT_TRUE(r.out_of_step);

	// Windows that break the invariant: unsorted, negative beyond, too long,
	// short of N with older times.
	CapWindow bad;
	bad.times = {k2024, k2024 + kDay};
	EXPECT_FALSE(cap.Valid(bad));
	EXPECT_TRUE(Apply(cap, &bad, {Plus(k2024)}).out_of_step);
	bad.times = {k2024};
	bad.beyond = -1;
	EXPECT_FALSE(cap.Valid(bad));
	bad.beyond = 3;
	EXPECT_FALSE(cap.Valid(bad));
	bad.beyond = 0;
	bad.times.assign(cap.window_size() + 1, k2024);
	EXPECT_FALSE(cap.Valid(bad));
}

TEST(CapWindow, RebuildKeepsTheNewestK) {
	Decay decay(kHalfLife, k2024);
	CapRule cap(3, 20, decay);
	std::vector<std::int64_t> times;
	for (int k = 0; k < 50; k++)
		times.push_back(k2024 + ((k * 37) % 50) * kDay);
	CapWindow w;
	double c = cap.Rebuild(&w, &times);
	ASSERT_EQ(w.times.size(), cap.window_size());
	EXPECT_EQ(w.beyond, 50 - static_cast<std::int64_t>(cap.window_size()));
	EXPECT_EQ(w.times.front(), k2024 + 49 * kDay);
	EXPECT_TRUE(cap.Valid(w));
	double want = 20 * (decay.Weight(k2024 + 49 * kDay) + decay.Weight(k2024 + 48 * kDay) +
	                    decay.Weight(k2024 + 47 * kDay));
	EXPECT_NEAR(c, want, 1e-12 * want);

	std::vector<std::int64_t> none;
	EXPECT_EQ(cap.Rebuild(&w, &none), 0);
	EXPECT_EQ(w.total(), 0);
}

// Thousands of random statements per cap: late rows, duplicates, updates,
// deletes of old and new times, in random order within a statement.  After
// every statement the window is the newest prefix of the brute-force
// multiset, never longer than K, and the running contribution (the sum of the
// deltas, as the stored sum gets them) equals the brute force.
TEST(CapWindow, RandomStatementsMatchBruteForce) {
	std::mt19937_64 rng(20240607);
	const int caps[] = {1, 2, 3, 5, 8, 20};
	const double points[] = {5, -10, 35, 0.1};
	long sequences = 0, statements = 0, reloads = 0;

	for (int seq = 0; seq < 600; seq++) {
		int n = caps[seq % 6];
		double p = points[(seq / 6) % 4];
		Decay decay = seq % 2 ? Decay(kHalfLife, k2024 - 90 * kDay) : Decay(0, 0);
		CapRule cap(n, p, decay);
		CapWindow w;
		std::multiset<std::int64_t> all;
		double running = 0;
		long double peak = 0;
		sequences++;

		std::uniform_int_distribution<std::int64_t> recent(0, 60);
		for (int st = 0; st < 40; st++, statements++) {
			std::vector<CapHit> hits;
			std::multiset<std::int64_t> after = all;
			int ops = std::uniform_int_distribution<int>(1, 10)(rng);
			for (int op = 0; op < ops; op++) {
				int kind = std::uniform_int_distribution<int>(0, 9)(rng);
				if (kind < 5 || after.empty()) {
					// Insert: mostly recent days (many equal times), some
					// back-dated by up to a year, some equal to an existing one.
					std::int64_t at = k2024 + recent(rng) * kDay;
					if (kind == 1)
						at = k2024 - std::uniform_int_distribution<std::int64_t>(0, 365)(rng) * kDay;
					if (kind == 2 && !after.empty()) {
						auto it = after.begin();
						std::advance(it, std::uniform_int_distribution<std::size_t>(0, after.size() - 1)(rng));
						at = *it;
					}
					hits.push_back(Plus(at));
					after.insert(at);
				} else {
					// Delete any existing time (old, new, or inserted by
					// this very statement), or the newest (a correction).
					auto it = after.begin();
					if (kind == 9)
						it = std::prev(after.end());
					else
						std::advance(it, std::uniform_int_distribution<std::size_t>(0, after.size() - 1)(rng));
					hits.push_back(Minus(*it));
					after.erase(it);
				}
			}
			std::shuffle(hits.begin(), hits.end(), rng);
			CapApplyResult r = cap.Apply(&w, hits.data(), hits.size());
			all = after;
			ASSERT_FALSE(r.out_of_step);
			if (r.needs_reload) {
				reloads++;
				std::vector<std::int64_t> times(all.begin(), all.end());
				running = cap.Rebuild(&w, &times);
			} else {
				running += r.delta;
			}

			ASSERT_LE(w.times.size(), cap.window_size());
			ASSERT_TRUE(cap.Valid(w));
			ExpectPrefixOf(w, all);
			long double want = BruteContribution(all, n, p, decay);
			peak = std::max(peak, std::fabs(want));
			// The window's own sum: one rounding per term.
			ASSERT_LE(std::fabs(cap.Contribution(w) - want), 1e-12L * std::fabs(want) + 1e-300L)
			    << "seq " << seq << " statement " << st;
			// The running sum also carries the rounding of every earlier
			// delta, at the scale of the largest sum it held.
			ASSERT_LE(std::fabs(running - want), 1e-9L * std::max(std::fabs(want), peak) + 1e-300L)
			    << "seq " << seq << " statement " << st;
		}
	}
	// This workload is delete-heavy on purpose (half the operations, many of
	// the newest): reloads still stay a small fraction of statements.
	EXPECT_GT(reloads, 0);
	EXPECT_LT(reloads * 20, statements) << reloads << " reloads in " << statements << " statements";
	std::printf("[          ] %ld sequences, %ld statements, %ld reloads\n", sequences, statements, reloads);
}

// A CRM-like history of one steady lead: mostly new activity, some late
// rows, corrections (UPDATE of a time, DELETE of a random row) and a monthly
// retention purge of everything older than a year.  Reloads must be rare.
TEST(CapWindow, ReloadsAreRareOnACrmLikeWorkload) {
	std::mt19937_64 rng(7);
	CapRule cap(5, 5, Decay(kHalfLife, k2024));
	CapWindow w;
	std::multiset<std::int64_t> all;
	std::int64_t clock = k2024;
	int statements = 0, reloads = 0;
	for (int day = 0; day < 3 * 365; day++) {
		clock += kDay;
		for (int k = 0; k < 4; k++, statements++) {
			std::vector<CapHit> hits;
			int kind = std::uniform_int_distribution<int>(0, 99)(rng);
			if (kind < 80 || all.empty()) {
				std::int64_t at = clock + std::uniform_int_distribution<std::int64_t>(0, kDay)(rng);
				hits.push_back(Plus(at));
				all.insert(at);
			} else if (kind < 90) {
				std::int64_t at = clock - std::uniform_int_distribution<std::int64_t>(0, 30 * kDay)(rng);
				hits.push_back(Plus(at));
				all.insert(at);
			} else {
				auto it = all.begin();
				std::advance(it, std::uniform_int_distribution<std::size_t>(0, all.size() - 1)(rng));
				hits.push_back(Minus(*it));
				if (kind < 95) {
					std::int64_t moved = *it + std::uniform_int_distribution<std::int64_t>(-kDay, kDay)(rng);
					hits.push_back(Plus(moved));
					all.insert(moved);
				}
				all.erase(it);
			}
			if (cap.Apply(&w, hits.data(), hits.size()).needs_reload) {
				reloads++;
				std::vector<std::int64_t> times(all.begin(), all.end());
				cap.Rebuild(&w, &times);
			}
		}
		if (day % 30 == 29) {
			std::vector<CapHit> purge;
			while (!all.empty() && *all.begin() < clock - 365 * kDay) {
				purge.push_back(Minus(*all.begin()));
				all.erase(all.begin());
			}
			statements++;
			if (cap.Apply(&w, purge.data(), purge.size()).needs_reload)
				reloads++;
		}
		ExpectPrefixOf(w, all);
	}
	std::printf("[          ] %d statements, %d reloads\n", statements, reloads);
	EXPECT_LE(reloads, statements / 1000);
}

} // namespace
} // namespace leadscore::core
