// Silence and streak arithmetic: single sends, streaks, answers that reset
// them, responses at the window's edges, ties in time, late and deleted
// responses.
#include "core/model/absence_streak.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace leadscore::core {
namespace {

constexpr std::int64_t kDay = 86'400'000'000;
using Times = std::vector<std::int64_t>;

Times Scorings(std::int32_t n, std::int64_t within, Times sends, Times responses) {
	std::sort(sends.begin(), sends.end());
	std::sort(responses.begin(), responses.end());
	Times out;
	AbsenceScorings(AbsenceStreak{n, within}, sends, responses, &out);
	return out;
}

TEST(AbsenceStreak, AnUnansweredSendScoresWhenItsWindowCloses) {
	EXPECT_EQ(Scorings(1, 14 * kDay, {0}, {}), Times{14 * kDay});
	EXPECT_TRUE(Scorings(1, 14 * kDay, {0}, {3 * kDay}).empty());
}

TEST(AbsenceStreak, TheWindowIsOpenAtTheSendAndClosedAtItsEnd) {
	// A response at the send's own time does not answer it; one at the
	// window's last microsecond does.
	EXPECT_EQ(Scorings(1, kDay, {5}, {5}), Times{5 + kDay});
	EXPECT_TRUE(Scorings(1, kDay, {5}, {5 + kDay}).empty());
	EXPECT_EQ(Scorings(1, kDay, {5}, {6 + kDay}), Times{5 + kDay});
}

TEST(AbsenceStreak, ThreeInARowScoreOnceAtTheThirdsClose) {
	Times sends{0, kDay, 2 * kDay, 3 * kDay, 4 * kDay, 5 * kDay};
	EXPECT_EQ(Scorings(3, 2 * kDay, sends, {}), (Times{4 * kDay, 7 * kDay}));
}

TEST(AbsenceStreak, AnAnswerResetsTheStreak) {
	// The second send is answered: the streak starts again at the third.
	Times sends{0, 10 * kDay, 20 * kDay, 30 * kDay, 40 * kDay};
	EXPECT_EQ(Scorings(2, 5 * kDay, sends, {11 * kDay}), Times{35 * kDay});
}

TEST(AbsenceStreak, SendsAtTheSameTimeAreAnsweredTogether) {
	EXPECT_EQ(Scorings(2, kDay, {7, 7}, {}), Times{7 + kDay});
	EXPECT_TRUE(Scorings(2, kDay, {7, 7}, {8}).empty());
}

TEST(AbsenceStreak, ALateResponseTakesTheScoringBack) {
	Times sends{0, 2 * kDay};
	EXPECT_EQ(Scorings(1, kDay, sends, {}), (Times{kDay, 3 * kDay}));
	EXPECT_EQ(Scorings(1, kDay, sends, {kDay / 2}), Times{3 * kDay});
	// ...and deleting it brings it back.
	EXPECT_EQ(Scorings(1, kDay, sends, {}), (Times{kDay, 3 * kDay}));
}

TEST(AbsenceStreak, OneResponseAnswersEverySendWhoseWindowHoldsIt) {
	EXPECT_TRUE(Scorings(1, 10 * kDay, {0, kDay, 2 * kDay}, {5 * kDay}).empty());
}

} // namespace
} // namespace leadscore::core
