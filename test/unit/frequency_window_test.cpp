// Frequency window arithmetic: the examples, ties in time, rows
// deleted out of a window, cooldowns shorter and longer than the window.
#include "core/model/frequency_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;

std::vector<std::int64_t> Scorings(std::int32_t min_count, std::int64_t within, std::int64_t cooldown,
                                   std::vector<std::int64_t> times) {
	std::sort(times.begin(), times.end());
	std::vector<std::int64_t> out;
	FrequencyScorings(FrequencyWindow{min_count, within, cooldown}, times, &out);
	return out;
}

using Times = std::vector<std::int64_t>;

TEST(FrequencyWindow, TwoViewsInAWeekScoreOnceForFourDailyViews) {
	EXPECT_EQ(Scorings(2, 7 * kDay, 7 * kDay, {-4 * kDay, -3 * kDay, -2 * kDay, -kDay}), Times{-3 * kDay});
}

TEST(FrequencyWindow, TwoBurstsAMonthApartScoreTwice) {
	EXPECT_EQ(Scorings(2, 7 * kDay, 7 * kDay, {-30 * kDay, -29 * kDay, -kDay, -kDay / 2}),
	          (Times{-29 * kDay, -kDay / 2}));
}

TEST(FrequencyWindow, TooFewNeverScore) {
	EXPECT_TRUE(Scorings(3, 7 * kDay, 7 * kDay, {0, 8 * kDay, 16 * kDay}).empty());
	EXPECT_TRUE(Scorings(2, 7 * kDay, 7 * kDay, {}).empty());
}

TEST(FrequencyWindow, MinCountOneScoresOncePerCooldown) {
	EXPECT_EQ(Scorings(1, kDay, 3 * kDay, {0, kDay, 2 * kDay, 3 * kDay, 4 * kDay}), (Times{0, 3 * kDay}));
}

TEST(FrequencyWindow, TheWindowIsOpenAtItsStartAndClosedAtItsEnd) {
	// Exactly `within` apart: the older one is outside (t - within, t].
	EXPECT_TRUE(Scorings(2, 7 * kDay, 7 * kDay, {0, 7 * kDay}).empty());
	EXPECT_EQ(Scorings(2, 7 * kDay, 7 * kDay, {0, 7 * kDay - 1}), Times{7 * kDay - 1});
}

TEST(FrequencyWindow, EqualTimesCountTogetherAndScoreOnce) {
	EXPECT_EQ(Scorings(2, kDay, kDay, {5, 5}), Times{5});
	EXPECT_EQ(Scorings(3, kDay, kDay, {5, 5, 5, 5}), Times{5});
	// A tie that completes the window scores at that time, whatever came first.
	EXPECT_EQ(Scorings(3, kDay, kDay, {0, 10, 10}), Times{10});
}

TEST(FrequencyWindow, CooldownShorterThanTheWindowScoresAgainInsideIt) {
	EXPECT_EQ(Scorings(2, 10 * kDay, 2 * kDay, {0, kDay, 2 * kDay, 3 * kDay, 4 * kDay}),
	          (Times{kDay, 3 * kDay}));
}

TEST(FrequencyWindow, CooldownLongerThanTheWindowWaits) {
	EXPECT_EQ(Scorings(2, kDay, 10 * kDay, {0, 1, 5 * kDay, 5 * kDay + 1, 11 * kDay, 11 * kDay + 1}),
	          (Times{1, 11 * kDay + 1}));
}

TEST(FrequencyWindow, ADeletedRowMovesTheLaterScorings) {
	EXPECT_EQ(Scorings(2, 7 * kDay, 7 * kDay, {0, kDay, 6 * kDay, 7 * kDay, 9 * kDay}), (Times{kDay, 9 * kDay}));
	// Without the view at day 1 the first scoring moves to day 6, and its
	// cooldown then holds the one at day 9.
	EXPECT_EQ(Scorings(2, 7 * kDay, 7 * kDay, {0, 6 * kDay, 7 * kDay, 9 * kDay}), Times{6 * kDay});
}

TEST(FrequencyWindow, OrderOfArrivalDoesNotMatter) {
	Times a{3 * kDay, 0, 2 * kDay, 9 * kDay, kDay, 9 * kDay};
	Times b = a;
	std::reverse(b.begin(), b.end());
	EXPECT_EQ(Scorings(2, 2 * kDay, 3 * kDay, a), Scorings(2, 2 * kDay, 3 * kDay, b));
}

} // namespace
} // namespace leadscore::core
