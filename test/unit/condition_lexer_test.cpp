// The condition lexer: token kinds, folding, quoting, positions in
// characters, and its error messages.
#include "core/condition/lexer.hpp"
#include "core/base/error.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace leadscore::core;

namespace {

std::vector<Token> LexAll(std::string_view text) {
	Lexer lexer(text);
	std::vector<Token> out;
	for (;;) {
		Token t = lexer.Next();
		out.push_back(t);
		if (t.kind == TokenKind::End)
			return out;
	}
}

std::vector<TokenKind> Kinds(std::string_view text) {
	std::vector<TokenKind> kinds;
	for (const Token &t : LexAll(text))
		kinds.push_back(t.kind);
	return kinds;
}

std::string LexError(std::string_view text) {
	try {
		LexAll(text);
	} catch (const Error &e) {
		EXPECT_EQ(e.kind(), ErrorKind::Syntax);
		return e.what();
	}
	return "no error";
}

using K = TokenKind;

} // namespace

TEST(ConditionLexer, Operators) {
	EXPECT_EQ(Kinds("= <> != < <= > >= ~ ~* !~ !~* ( ) , -"),
	          (std::vector<K>{K::Eq, K::Ne, K::Ne, K::Lt, K::Le, K::Gt, K::Ge, K::Match, K::IMatch, K::NotMatch,
	                          K::NotIMatch, K::LParen, K::RParen, K::Comma, K::Minus, K::End}));
	// Without blanks too.
	EXPECT_EQ(Kinds("a<=-1"), (std::vector<K>{K::Identifier, K::Le, K::Minus, K::Number, K::End}));
	EXPECT_EQ(Kinds("a!~*'x'"), (std::vector<K>{K::Identifier, K::NotIMatch, K::String, K::End}));
	EXPECT_EQ(Kinds("a<>b"), (std::vector<K>{K::Identifier, K::Ne, K::Identifier, K::End}));
}

TEST(ConditionLexer, KeywordsAreCaseInsensitive) {
	EXPECT_EQ(Kinds("and Or NOT in Like ILIKE escape is NuLL true FALSE"),
	          (std::vector<K>{K::And, K::Or, K::Not, K::In, K::Like, K::Ilike, K::Escape, K::Is, K::Null, K::True,
	                          K::False, K::End}));
}

TEST(ConditionLexer, IdentifiersFoldUnlessQuoted) {
	auto t = LexAll("Duration_S \"Duration_S\" a$1 _x \"and\" \"a\"\"b\" größe");
	EXPECT_EQ(t[0].kind, K::Identifier);
	EXPECT_EQ(t[0].text, "duration_s");
	EXPECT_EQ(t[0].raw, "Duration_S");
	EXPECT_EQ(t[1].text, "Duration_S");
	EXPECT_EQ(t[2].text, "a$1");
	EXPECT_EQ(t[3].text, "_x");
	EXPECT_EQ(t[4].kind, K::Identifier);  // a quoted keyword is a name
	EXPECT_EQ(t[4].text, "and");
	EXPECT_EQ(t[5].text, "a\"b");
	EXPECT_EQ(t[6].text, "größe");
	// Only ASCII folds, as in PostgreSQL with UTF-8.
	EXPECT_EQ(LexAll("GRÖSSE")[0].text, "grÖsse");
}

TEST(ConditionLexer, Strings) {
	auto t = LexAll("'it''s' '' 'a\\b' 'ü'");
	EXPECT_EQ(t[0].kind, K::String);
	EXPECT_EQ(t[0].text, "it's");
	EXPECT_EQ(t[1].text, "");
	EXPECT_EQ(t[2].text, "a\\b");  // standard_conforming_strings: backslash is literal
	EXPECT_EQ(t[3].text, "ü");
}

TEST(ConditionLexer, Numbers) {
	auto t = LexAll("42 1.5 .5 1. 50e6 2E-3 1e+2 007");
	ASSERT_EQ(t.size(), 9u);
	EXPECT_TRUE(t[0].is_integer);
	EXPECT_EQ(t[0].text, "42");
	for (int k = 1; k <= 6; k++)
		EXPECT_FALSE(t[k].is_integer) << t[k].text;
	EXPECT_EQ(t[4].text, "50e6");
	EXPECT_TRUE(t[7].is_integer);
	// A minus is its own token; the parser joins it to the number.
	EXPECT_EQ(Kinds("-5"), (std::vector<K>{K::Minus, K::Number, K::End}));
}

TEST(ConditionLexer, PositionsCountCharactersNotBytes) {
	auto t = LexAll("'ü€😀' = x");
	EXPECT_EQ(t[0].position, 1u);
	EXPECT_EQ(t[1].position, 7u);
	EXPECT_EQ(t[2].position, 9u);
	EXPECT_EQ(t[3].position, 10u);  // End: one past the last character
	auto u = LexAll("\n\ta");
	EXPECT_EQ(u[0].position, 3u);
}

TEST(ConditionLexer, Errors) {
	EXPECT_EQ(LexError("a = 'abc"), "syntax error at position 5: unterminated string");
	EXPECT_EQ(LexError("'it''s"), "syntax error at position 1: unterminated string");
	EXPECT_EQ(LexError("\"abc"), "syntax error at position 1: unterminated quoted identifier");
	EXPECT_EQ(LexError("\"\" = 1"), "syntax error at position 1: zero-length quoted identifier");
	EXPECT_EQ(LexError("a @ b"), "syntax error at position 3: unexpected '@'");
	EXPECT_EQ(LexError("a ! b"), "syntax error at position 3: unexpected '!'");
	EXPECT_EQ(LexError("a; b"), "syntax error at position 2: unexpected ';'");
	EXPECT_EQ(LexError("é = ‘x’"), "syntax error at position 5: unexpected '‘'");
	EXPECT_EQ(LexError(std::string_view("a = \0", 5)), "syntax error at position 5: unexpected character U+0000");
	EXPECT_EQ(LexError("a = 10days"), "syntax error at position 5: invalid number '10days'");
	EXPECT_EQ(LexError("a = 1.2.3"), "syntax error at position 5: invalid number '1.2.3'");
	EXPECT_EQ(LexError("a = 1e"), "syntax error at position 5: invalid number '1e'");
	EXPECT_EQ(LexError("a = 1e+"), "syntax error at position 5: invalid number '1e'");
	EXPECT_EQ(LexError("a = ."), "syntax error at position 5: unexpected '.'");
}

TEST(ConditionLexer, InvalidUtf8IsASyntaxErrorWithItsPosition) {
	EXPECT_EQ(LexError("ü = '\xff'"), "syntax error at position 6: invalid UTF-8 byte sequence");
	EXPECT_EQ(LexError("a\xc3"), "syntax error at position 2: invalid UTF-8 byte sequence");       // truncated
	EXPECT_EQ(LexError("\xc0\xaf"), "syntax error at position 1: invalid UTF-8 byte sequence");    // overlong
	EXPECT_EQ(LexError("\xed\xa0\x80"), "syntax error at position 1: invalid UTF-8 byte sequence");  // surrogate
	EXPECT_EQ(LexError("\xf4\x90\x80\x80"), "syntax error at position 1: invalid UTF-8 byte sequence");  // > U+10FFFF
	EXPECT_EQ(FindInvalidUtf8("ok ü € 😀"), std::string_view("ok ü € 😀").size());
}

TEST(ConditionLexer, QuoteIdentifier) {
	EXPECT_EQ(QuoteIdentifier("duration_s"), "duration_s");
	EXPECT_EQ(QuoteIdentifier("_x1"), "_x1");
	EXPECT_EQ(QuoteIdentifier("Duration"), "\"Duration\"");
	EXPECT_EQ(QuoteIdentifier("1a"), "\"1a\"");
	EXPECT_EQ(QuoteIdentifier("a$b"), "\"a$b\"");
	EXPECT_EQ(QuoteIdentifier("null"), "\"null\"");
	EXPECT_EQ(QuoteIdentifier("like"), "\"like\"");
	EXPECT_EQ(QuoteIdentifier("größe"), "\"größe\"");
	EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
	EXPECT_EQ(QuoteIdentifier("a b"), "\"a b\"");
}

TEST(ConditionLexer, QuoteStringAndAbbreviate) {
	EXPECT_EQ(QuoteString("it's"), "'it''s'");
	EXPECT_EQ(QuoteString(""), "''");
	EXPECT_EQ(Abbreviate("abcdef", 3), "abc...");
	EXPECT_EQ(Abbreviate("abc", 3), "abc");
	EXPECT_EQ(Abbreviate("üüüü", 2), "üü...");
}
