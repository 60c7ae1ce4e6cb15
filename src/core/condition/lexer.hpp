// The tokens of the condition language, and the spelling rules the
// normalizer needs to print them back (quoting identifiers and strings).
//
// Positions are 1-based and count characters (UTF-8 code points), not bytes,
// because users read them against the text they typed.
#pragma once

#include "core/condition/ast.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace leadscore::core {

enum class TokenKind : std::uint8_t {
	End,
	Identifier,  // text: the name, folded to lower case unless it was quoted
	String,      // text: the contents, '' undoubled
	Number,      // text: the digits as written (no sign)
	LParen,
	RParen,
	Comma,
	Minus,
	Plus,        // only when lexing arithmetic
	Star,        // likewise
	Slash,       // likewise
	Eq,
	Ne,          // <> or !=
	Lt,
	Le,
	Gt,
	Ge,
	Match,       // ~
	IMatch,      // ~*
	NotMatch,    // !~
	NotIMatch,   // !~*
	And,
	Or,
	Not,
	In,
	Like,
	Ilike,
	Escape,
	Is,
	Null,
	True,
	False,
};

struct Token {
	TokenKind kind = TokenKind::End;
	std::size_t position = 0;  // 1-based, in characters
	std::string_view raw;      // the token as written, for messages
	std::string text;
	bool is_integer = false;   // Number: no '.' and no exponent
};

// Splits condition text into tokens, one at a time.  Throws Error(Syntax)
// with "syntax error at position N: ..." for invalid UTF-8 (anywhere in the
// text, checked up front), an unterminated string or quoted identifier, a
// malformed number or a character the language does not use.  With
// `arithmetic` (numeric expressions) '+', '*' and '/' are tokens; conditions
// have no use for them, so there they stay unexpected characters.
class Lexer {
public:
	explicit Lexer(std::string_view text, bool arithmetic = false);

	Token Next();

private:
	char Peek(std::size_t ahead = 0) const;
	void Advance(std::size_t bytes);
	void SkipBlanks();
	Token Make(TokenKind kind, std::size_t start_byte, std::size_t start_position) const;
	Token LexWord();
	Token LexQuoted(char quote);
	Token LexNumber();
	Token LexOperator();

	std::string_view text_;
	bool arithmetic_;
	std::size_t byte_ = 0;
	std::size_t position_ = 1;  // character position of text_[byte_]
};

// "syntax error at position N: what".
[[noreturn]] void ThrowSyntaxError(std::size_t position, const std::string &what);

// Error(TooComplex) "<what> is too long" when `text` has more than
// `max_length` bytes: checked before lexing, for conditions and expressions.
void ThrowIfTooLong(std::string_view text, std::size_t max_length, const char *what);

// The literal a Number token reads as, negated if `negative` (the '-' at
// `position` belongs to it).  Integers that do not fit in int64 become
// floats, as PostgreSQL reads them as numeric rather than failing; throws
// Error(OutOfRange) for a float past double's range.
Literal NumberLiteral(const Token &number, bool negative, std::size_t position);

// The keyword an unquoted (lower-cased) word is, or Identifier.
TokenKind KeywordKind(std::string_view lower_word) noexcept;

// `name` as the language writes it: bare when it is a plain lower-case
// identifier that is not a keyword ([a-z_][a-z0-9_]*), else double-quoted
// with " doubled.  Reading the result back yields `name` again.
std::string QuoteIdentifier(std::string_view name);

// `text` as a string literal: single-quoted with ' doubled.
std::string QuoteString(std::string_view text);

// At most `max_chars` characters of `text`, with "..." when cut; never cuts
// a UTF-8 character in two.  For quoting user text in messages.
std::string Abbreviate(std::string_view text, std::size_t max_chars = 40);

// Characters (code points) in valid UTF-8 text.
std::size_t CountCharacters(std::string_view text) noexcept;

// Bytes of the UTF-8 character starting with `lead`: 1 to 4, or 0 if `lead`
// cannot start one.
std::size_t Utf8Length(unsigned char lead) noexcept;

// Byte offset of the first invalid UTF-8 sequence in `text` (overlong forms,
// surrogates and code points past U+10FFFF are invalid), or text.size().
std::size_t FindInvalidUtf8(std::string_view text) noexcept;

} // namespace leadscore::core
