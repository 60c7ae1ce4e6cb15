// ParseTimestampLiteral: the ISO 8601 forms it takes, offsets, fractions,
// and calendar validation (leap years included).
#include "core/condition/condition.hpp"

#include <gtest/gtest.h>

#include <cstdint>

using namespace leadscore::core;

namespace {

constexpr std::int64_t kSecond = 1000000;
constexpr std::int64_t kDay = 86400 * kSecond;

std::int64_t Parse(std::string_view text) {
	std::int64_t micros = -42;
	EXPECT_TRUE(ParseTimestampLiteral(text, &micros)) << text;
	return micros;
}

bool Rejects(std::string_view text) {
	std::int64_t micros = -42;
	const bool ok = ParseTimestampLiteral(text, &micros);
	EXPECT_EQ(micros, -42) << "written on failure: " << text;
	return !ok;
}

} // namespace

TEST(TimestampLiteral, Dates) {
	EXPECT_EQ(Parse("1970-01-01"), 0);
	EXPECT_EQ(Parse("1970-01-02"), kDay);
	EXPECT_EQ(Parse("1969-12-31"), -kDay);
	EXPECT_EQ(Parse("2000-03-01"), 951868800 * kSecond);
	EXPECT_EQ(Parse("2024-01-01"), 1704067200 * kSecond);
	EXPECT_EQ(Parse("0001-01-01"), -62135596800 * kSecond);
	EXPECT_EQ(Parse("9999-12-31"), 253402214400 * kSecond);
	EXPECT_EQ(Parse("  2024-01-01  "), 1704067200 * kSecond);
}

TEST(TimestampLiteral, LeapYears) {
	EXPECT_EQ(Parse("2024-02-29") + kDay, Parse("2024-03-01"));
	EXPECT_EQ(Parse("2000-02-29") + kDay, Parse("2000-03-01"));  // divisible by 400
	EXPECT_EQ(Parse("2023-02-28") + kDay, Parse("2023-03-01"));
	EXPECT_TRUE(Rejects("2023-02-29"));
	EXPECT_TRUE(Rejects("1900-02-29"));  // divisible by 100, not 400
	EXPECT_TRUE(Rejects("2100-02-29"));
}

TEST(TimestampLiteral, InvalidDates) {
	for (const char *text : {"", "  ", "2024", "2024-01", "2024-1-01", "24-01-01", "2024-00-01", "2024-13-01",
	                         "2024-01-00", "2024-01-32", "2024-04-31", "2024-06-31", "0000-01-01", "2024/01/01",
	                         "20240101", "+2024-01-01", "2024-01-01x", "yesterday", "2024-01-01 x",
	                         "2024-01-01-05"})
		EXPECT_TRUE(Rejects(text)) << text;
}

TEST(TimestampLiteral, Times) {
	const std::int64_t day = Parse("2024-01-01");
	EXPECT_EQ(Parse("2024-01-01 10:30"), day + (10 * 3600 + 30 * 60) * kSecond);
	EXPECT_EQ(Parse("2024-01-01 10:30:15"), day + (10 * 3600 + 30 * 60 + 15) * kSecond);
	EXPECT_EQ(Parse("2024-01-01T10:30:15"), Parse("2024-01-01 10:30:15"));
	EXPECT_EQ(Parse("2024-01-01t10:30:15"), Parse("2024-01-01 10:30:15"));
	EXPECT_EQ(Parse("2024-01-01 23:59:59"), day + kDay - kSecond);
	EXPECT_EQ(Parse("2024-01-01 00:00"), day);
	for (const char *text : {"2024-01-01 24:00", "2024-01-01 10:60", "2024-01-01 10:00:60", "2024-01-01 1:00",
	                         "2024-01-01 10", "2024-01-01 10:", "2024-01-01 10:00:", "2024-01-01T",
	                         "2024-01-01 10:00:00.", "2024-01-01 10:00.5"})
		EXPECT_TRUE(Rejects(text)) << text;
}

TEST(TimestampLiteral, Fractions) {
	const std::int64_t base = Parse("2024-01-01 10:00:00");
	EXPECT_EQ(Parse("2024-01-01 10:00:00.5"), base + 500000);
	EXPECT_EQ(Parse("2024-01-01 10:00:00.123456"), base + 123456);
	EXPECT_EQ(Parse("2024-01-01 10:00:00.000001"), base + 1);
	// Past microseconds: rounded half up, as PostgreSQL does.
	EXPECT_EQ(Parse("2024-01-01 10:00:00.1234564"), base + 123456);
	EXPECT_EQ(Parse("2024-01-01 10:00:00.1234565"), base + 123457);
	EXPECT_EQ(Parse("2024-01-01 10:00:00.9999995"), base + kSecond);
}

TEST(TimestampLiteral, Offsets) {
	const std::int64_t utc = Parse("2024-01-01 10:00:00");
	EXPECT_EQ(Parse("2024-01-01 10:00:00Z"), utc);
	EXPECT_EQ(Parse("2024-01-01 10:00:00z"), utc);
	EXPECT_EQ(Parse("2024-01-01 12:00:00+02"), utc);
	EXPECT_EQ(Parse("2024-01-01 12:00:00+02:00"), utc);
	EXPECT_EQ(Parse("2024-01-01 12:30:00+0230"), utc);
	EXPECT_EQ(Parse("2024-01-01 05:00:00-05:00"), utc);
	EXPECT_EQ(Parse("2024-01-01 05:00 -05"), utc);
	EXPECT_EQ(Parse("2024-01-01T10:00:00.000+00:00"), utc);
	// Across a day and a year boundary.
	EXPECT_EQ(Parse("2023-12-31 23:00:00-11:00"), Parse("2024-01-01 10:00:00"));
	EXPECT_EQ(Parse("2024-01-01 01:00:00+15:59"), Parse("2023-12-31 09:01:00"));
	for (const char *text : {"2024-01-01 10:00+16", "2024-01-01 10:00+02:60", "2024-01-01 10:00+2",
	                         "2024-01-01 10:00+02:0", "2024-01-01 10:00 UTC", "2024-01-01 10:00+02:00x",
	                         "2024-01-01Z"})
		EXPECT_TRUE(Rejects(text)) << text;
}
