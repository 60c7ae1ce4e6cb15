// LikePattern: SQL LIKE / ILIKE semantics, escapes, characters vs bytes,
// and linear behaviour on hostile patterns.
#include "core/condition/like_match.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace leadscore::core;

namespace {

bool Like(std::string_view text, std::string_view pattern, std::string_view escape = "\\") {
	LikePattern p;
	EXPECT_TRUE(LikePattern::Compile(pattern, escape, false, &p)) << pattern;
	return p.Matches(text);
}

bool ILike(std::string_view text, std::string_view pattern, std::string_view escape = "\\") {
	LikePattern p;
	EXPECT_TRUE(LikePattern::Compile(pattern, escape, true, &p)) << pattern;
	return p.Matches(text);
}

} // namespace

TEST(LikeMatch, Literals) {
	EXPECT_TRUE(Like("abc", "abc"));
	EXPECT_FALSE(Like("abc", "abd"));
	EXPECT_FALSE(Like("abc", "ab"));
	EXPECT_FALSE(Like("ab", "abc"));
	EXPECT_TRUE(Like("", ""));
	EXPECT_FALSE(Like("a", ""));
	EXPECT_FALSE(Like("", "a"));
}

TEST(LikeMatch, Percent) {
	EXPECT_TRUE(Like("", "%"));
	EXPECT_TRUE(Like("anything", "%"));
	EXPECT_TRUE(Like("/pricing/x", "/pricing%"));
	EXPECT_TRUE(Like("/pricing", "/pricing%"));
	EXPECT_FALSE(Like("/price", "/pricing%"));
	EXPECT_TRUE(Like("jane@competitor.com", "%@competitor.com"));
	EXPECT_FALSE(Like("jane@competitor.com.evil", "%@competitor.com"));
	EXPECT_TRUE(Like("abcbcd", "%bcd"));
	EXPECT_TRUE(Like("xaxbx", "%a%b%"));
	EXPECT_FALSE(Like("xbxax", "%a%b%"));
	EXPECT_TRUE(Like("aaa", "%%%a%%"));
	EXPECT_TRUE(Like("mississippi", "m%iss%ppi"));
	EXPECT_TRUE(Like("mississippi", "%s%s%s%s%"));
	EXPECT_FALSE(Like("mississippi", "%s%s%s%s%s%"));
}

TEST(LikeMatch, Underscore) {
	EXPECT_TRUE(Like("abc", "a_c"));
	EXPECT_FALSE(Like("ac", "a_c"));
	EXPECT_FALSE(Like("abbc", "a_c"));
	EXPECT_TRUE(Like("abc", "___"));
	EXPECT_FALSE(Like("abc", "____"));
	EXPECT_TRUE(Like("abc", "_%"));
	EXPECT_FALSE(Like("", "_%"));
	EXPECT_TRUE(Like("abcd", "%_c_"));
}

TEST(LikeMatch, UnderscoreIsOneCharacterNotOneByte) {
	EXPECT_TRUE(Like("ü", "_"));        // 2 bytes
	EXPECT_TRUE(Like("€", "_"));        // 3 bytes
	EXPECT_TRUE(Like("😀", "_"));       // 4 bytes
	EXPECT_FALSE(Like("ü", "__"));
	EXPECT_TRUE(Like("für", "f_r"));
	EXPECT_TRUE(Like("a😀b€c", "a_b_c"));
	EXPECT_TRUE(Like("über", "%ber"));
	EXPECT_TRUE(Like("grüße", "gr%e"));
	EXPECT_TRUE(Like("grüße", "gr__e"));
}

TEST(LikeMatch, InvalidUtf8InTheTextCountsByteByByte) {
	EXPECT_TRUE(Like("a\xff" "b", "a_b"));
	EXPECT_TRUE(Like("\xc3", "_"));  // a truncated sequence is one character
	EXPECT_FALSE(Like("\xc3", "Ã"));
	EXPECT_TRUE(Like("x\xe2\x82", "x__"));
}

TEST(LikeMatch, BackslashEscapeByDefault) {
	EXPECT_TRUE(Like("100%", "100\\%"));
	EXPECT_FALSE(Like("1000", "100\\%"));
	EXPECT_TRUE(Like("a_b", "a\\_b"));
	EXPECT_FALSE(Like("axb", "a\\_b"));
	EXPECT_TRUE(Like("a\\b", "a\\\\b"));
	EXPECT_TRUE(Like("ab", "\\a\\b"));  // escaping an ordinary character is harmless
}

TEST(LikeMatch, OtherAndNoEscape) {
	EXPECT_TRUE(Like("100%", "100!%", "!"));
	EXPECT_TRUE(Like("a!b", "a!!b", "!"));
	EXPECT_TRUE(Like("a\\b", "a\\b", "!"));  // backslash is ordinary now
	EXPECT_TRUE(Like("a\\xb", "a\\%", ""));
	EXPECT_TRUE(Like("100%", "100§%", "§"));
	EXPECT_TRUE(Like("§", "§§", "§"));
	EXPECT_TRUE(Like("a%", "a%%", "%"));  // the escape may even be a wildcard
	EXPECT_FALSE(Like("ab", "a%%", "%"));
}

TEST(LikeMatch, TrailingEscapeIsRejected) {
	LikePattern p;
	EXPECT_FALSE(LikePattern::Compile("abc\\", "\\", false, &p));
	EXPECT_FALSE(LikePattern::Compile("\\", "\\", false, &p));
	EXPECT_FALSE(LikePattern::Compile("ab!", "!", true, &p));
	EXPECT_TRUE(LikePattern::Compile("abc\\\\", "\\", false, &p));
	EXPECT_TRUE(LikePattern::Compile("abc\\", "", false, &p));
}

TEST(LikeMatch, ILike) {
	EXPECT_TRUE(ILike("/PRICING/x", "/pricing%"));
	EXPECT_TRUE(ILike("Jane@Competitor.COM", "%@competitor.com"));
	EXPECT_TRUE(ILike("ÜBER", "über"));
	EXPECT_TRUE(ILike("ÀÉÎÕÜÇ", "àéîõüç"));
	EXPECT_TRUE(ILike("ŁÓDŹ", "łódź"));
	EXPECT_TRUE(ILike("ΑΘΗΝΑ", "αθηνα"));
	EXPECT_TRUE(ILike("МОСКВА", "москва"));
	EXPECT_TRUE(ILike("ЁЖ", "ёж"));
	EXPECT_TRUE(ILike("x", "X"));
	EXPECT_FALSE(ILike("x", "y"));
	EXPECT_FALSE(Like("ÜBER", "über"));
	EXPECT_TRUE(ILike("A_B", "a\\_b"));
}

TEST(LikeMatch, FoldCase) {
	EXPECT_EQ(FoldCase('A'), U'a');
	EXPECT_EQ(FoldCase('a'), U'a');
	EXPECT_EQ(FoldCase('['), U'[');
	EXPECT_EQ(FoldCase(0xD7), 0xD7u);  // multiplication sign
	EXPECT_EQ(FoldCase(0xC9), 0xE9u);  // É
	EXPECT_EQ(FoldCase(0x178), 0xFFu);  // Ÿ
	EXPECT_EQ(FoldCase(0x3A3), 0x3C3u);  // Σ
	EXPECT_EQ(FoldCase(0x3C2), 0x3C3u);  // ς
	EXPECT_EQ(FoldCase(0x410), 0x430u);  // А
	EXPECT_EQ(FoldCase(0x1F600), 0x1F600u);
}

TEST(LikeMatch, HostilePatternsStayFast) {
	const std::string as(30000, 'a');
	const auto start = std::chrono::steady_clock::now();
	EXPECT_FALSE(Like(as, "%a%a%a%a%a%a%a%a%a%a%b"));
	EXPECT_FALSE(Like(as, "%aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
	EXPECT_FALSE(Like(as, std::string(1000, '%') + "b"));
	EXPECT_TRUE(Like(as + "b", "%a%a%a%a%a%a%a%a%a%a%b"));
	EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}
