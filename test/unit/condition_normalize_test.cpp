// Normalize: canonical spelling, minimal parentheses, and the round trip
// Normalize(Parse(Normalize(x))) == Normalize(x).
#include "core/condition/condition.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace leadscore::core;

namespace {

std::string Norm(std::string_view text) {
	return Normalize(*ParseCondition(text));
}

// Normalizes and checks the result is a fixed point.
std::string NormStable(std::string_view text) {
	const std::string once = Norm(text);
	EXPECT_EQ(Norm(once), once) << "not stable: " << text;
	return once;
}

} // namespace

TEST(ConditionNormalize, SpecExample) {
	EXPECT_EQ(NormStable("url like '/pricing%'   and Duration_S>=30"), "url LIKE '/pricing%' AND duration_s >= 30");
}

TEST(ConditionNormalize, DesignExamples) {
	EXPECT_EQ(NormStable("job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))"),
	          "job_title ~* '(chief|head|vp|director)' AND NOT (country IN ('XX', 'YY'))");
	EXPECT_EQ(NormStable("employees >= 200 OR annual_revenue > 50e6"), "employees >= 200 OR annual_revenue > 5e+07");
	EXPECT_EQ(NormStable("email ILIKE '%@competitor.com' OR title IS NULL"),
	          "email ILIKE '%@competitor.com' OR title IS NULL");
}

TEST(ConditionNormalize, Operators) {
	EXPECT_EQ(NormStable("a!=1"), "a <> 1");
	EXPECT_EQ(NormStable("a<>1"), "a <> 1");
	EXPECT_EQ(NormStable("a<1 and a<=2 and a>3 and a>=4 and a=5"), "a < 1 AND a <= 2 AND a > 3 AND a >= 4 AND a = 5");
	EXPECT_EQ(NormStable("a~'x' or a~*'x' or a!~'x' or a!~*'x'"), "a ~ 'x' OR a ~* 'x' OR a !~ 'x' OR a !~* 'x'");
	EXPECT_EQ(NormStable("a is null or a is not null"), "a IS NULL OR a IS NOT NULL");
	EXPECT_EQ(NormStable("a not in (1,2)"), "a NOT IN (1, 2)");
	EXPECT_EQ(NormStable("a not like 'x' or a ilike 'y' or a not ilike 'z'"),
	          "a NOT LIKE 'x' OR a ILIKE 'y' OR a NOT ILIKE 'z'");
}

TEST(ConditionNormalize, Escape) {
	EXPECT_EQ(NormStable("a LIKE 'x' ESCAPE '\\'"), "a LIKE 'x'");
	EXPECT_EQ(NormStable("a LIKE 'x!%' ESCAPE '!'"), "a LIKE 'x!%' ESCAPE '!'");
	EXPECT_EQ(NormStable("a LIKE 'x' ESCAPE ''"), "a LIKE 'x' ESCAPE ''");
	EXPECT_EQ(NormStable("a LIKE 'x' ESCAPE ''''"), "a LIKE 'x' ESCAPE ''''");
}

TEST(ConditionNormalize, Identifiers) {
	EXPECT_EQ(NormStable("Url = 'x'"), "url = 'x'");
	EXPECT_EQ(NormStable("\"Url\" = 'x'"), "\"Url\" = 'x'");
	EXPECT_EQ(NormStable("\"url\" = 'x'"), "url = 'x'");
	EXPECT_EQ(NormStable("\"null\" IS NULL"), "\"null\" IS NULL");
	EXPECT_EQ(NormStable("\"my col\" = 1"), "\"my col\" = 1");
	EXPECT_EQ(NormStable("\"a\"\"b\" = 1"), "\"a\"\"b\" = 1");
	EXPECT_EQ(NormStable("a$b = 1"), "\"a$b\" = 1");
	EXPECT_EQ(NormStable("Größe = 1"), "\"größe\" = 1");
}

TEST(ConditionNormalize, Literals) {
	EXPECT_EQ(NormStable("a = 'it''s'"), "a = 'it''s'");
	EXPECT_EQ(NormStable("a = 'a\\b'"), "a = 'a\\b'");
	EXPECT_EQ(NormStable("a = true or a = False or a = null"), "a = TRUE OR a = FALSE OR a = NULL");
	EXPECT_EQ(NormStable("a = 007"), "a = 7");
	EXPECT_EQ(NormStable("a = - 5"), "a = -5");
	EXPECT_EQ(NormStable("a = 1.50"), "a = 1.5");
	EXPECT_EQ(NormStable("a = .5"), "a = 0.5");
	EXPECT_EQ(NormStable("a = 1."), "a = 1.0");
	EXPECT_EQ(NormStable("a = 100.0"), "a = 100.0");
	EXPECT_EQ(NormStable("a = 1e2"), "a = 100.0");
	EXPECT_EQ(NormStable("a = 50e6"), "a = 5e+07");
	EXPECT_EQ(NormStable("a = -0.0"), "a = -0.0");
	EXPECT_EQ(NormStable("a = 0.1"), "a = 0.1");
	EXPECT_EQ(NormStable("a = 1e-7"), "a = 1e-07");
	EXPECT_EQ(NormStable("a = 123456789012345678.0"), "a = 123456789012345680.0");
	EXPECT_EQ(NormStable("a = -9223372036854775808"), "a = -9223372036854775808");
	EXPECT_EQ(NormStable("a = 9223372036854775808"), "a = 9223372036854775808.0");  // 2^63, a float
	EXPECT_EQ(NormStable("a = 99999999999999999999"), "a = 1e+20");
}

TEST(ConditionNormalize, MinimalParentheses) {
	EXPECT_EQ(NormStable("(a OR b) AND c"), "(a OR b) AND c");
	EXPECT_EQ(NormStable("a OR (b AND c)"), "a OR b AND c");
	EXPECT_EQ(NormStable("(a AND b) AND (c AND d)"), "a AND b AND c AND d");
	EXPECT_EQ(NormStable("a OR (b OR (c OR d))"), "a OR b OR c OR d");
	EXPECT_EQ(NormStable("NOT (a OR b)"), "NOT (a OR b)");
	EXPECT_EQ(NormStable("NOT (a AND b)"), "NOT (a AND b)");
	EXPECT_EQ(NormStable("NOT (a = 1)"), "NOT (a = 1)");
	EXPECT_EQ(NormStable("NOT a = 1"), "NOT (a = 1)");
	EXPECT_EQ(NormStable("NOT (NOT (a))"), "NOT NOT a");
	EXPECT_EQ(NormStable("((((a = 1))))"), "a = 1");
	EXPECT_EQ(NormStable("(a OR b) AND (c OR d) OR e"), "(a OR b) AND (c OR d) OR e");
	EXPECT_EQ(NormStable("NOT a AND NOT (b OR c)"), "NOT a AND NOT (b OR c)");
}

TEST(ConditionNormalize, RoundTripOnAVariety) {
	for (const char *text : {
	         "is_customer AND NOT opted_out",
	         "TRUE",
	         "NULL",
	         "NOT FALSE OR NULL",
	         "5 < a",
	         "'x' IN ('x', NULL)",
	         "a LIKE '%\\_%' ESCAPE '\\'",
	         "a ~ '^\\d+$'",
	         "created_at >= '2024-01-01 10:00:00+02:00'",
	         "a IN (-1, -1.5, 'x', TRUE, NULL)",
	         "((a = 1 OR b = 2) AND NOT (c IS NULL OR d IS NOT NULL)) OR NOT NOT e",
	     })
		NormStable(text);
}
