// The condition lexer: PostgreSQL's lexical rules, cut down to what the
// condition language uses.  Unquoted identifiers fold to lower case (ASCII
// only, as PostgreSQL does in UTF-8 databases); strings follow
// standard_conforming_strings, so a backslash is an ordinary character.
#include "core/condition/lexer.hpp"

#include "core/base/error.hpp"

#include <charconv>
#include <system_error>

namespace leadscore::core {

namespace {

bool IsDigit(char c) {
	return c >= '0' && c <= '9';
}

bool IsBlank(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsContinuation(unsigned char c) {
	return (c & 0xC0) == 0x80;
}

// Typographic quotes pasted from a word processor would otherwise lex as
// identifier characters (PostgreSQL takes any non-ASCII character in a
// name), turning ‘/pricing’ into a baffling "column does not exist".
bool IsTypographicQuote(std::string_view s) {
	return s == "\u2018" || s == "\u2019" || s == "\u201C" || s == "\u201D";
}

char LowerAscii(char c) {
	return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Identifier characters: letters, digits, _, $ and (as in PostgreSQL) any
// non-ASCII character but the typographic quotes.  Returns the byte length
// of the character at s[k] if it is one, else 0.
std::size_t IdentifierCharAt(std::string_view s, std::size_t k, bool first) {
	const char c = s[k];
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	if (!first && (IsDigit(c) || c == '$'))
		return 1;
	const auto lead = static_cast<unsigned char>(c);
	if (lead < 0x80)
		return 0;
	const std::size_t len = Utf8Length(lead);
	if (len == 0 || k + len > s.size() || IsTypographicQuote(s.substr(k, len)))
		return 0;
	return len;
}

} // namespace

void ThrowSyntaxError(std::size_t position, const std::string &what) {
	throw Error(ErrorKind::Syntax, "syntax error at position " + std::to_string(position) + ": " + what);
}

std::size_t CountCharacters(std::string_view text) noexcept {
	std::size_t n = 0;
	for (char c : text)
		if (!IsContinuation(static_cast<unsigned char>(c)))
			n++;
	return n;
}

std::size_t Utf8Length(unsigned char lead) noexcept {
	if (lead < 0x80)
		return 1;
	if (lead >= 0xC2 && lead <= 0xDF)
		return 2;
	if (lead >= 0xE0 && lead <= 0xEF)
		return 3;
	if (lead >= 0xF0 && lead <= 0xF4)
		return 4;
	return 0;
}

std::size_t FindInvalidUtf8(std::string_view text) noexcept {
	const auto *s = reinterpret_cast<const unsigned char *>(text.data());
	const std::size_t n = text.size();
	std::size_t k = 0;
	while (k < n) {
		const std::size_t len = Utf8Length(s[k]);
		if (len == 0 || k + len > n)
			return k;
		for (std::size_t j = 1; j < len; j++)
			if (!IsContinuation(s[k + j]))
				return k;
		// The second byte's range excludes overlong forms, UTF-16
		// surrogates and code points past U+10FFFF.
		if (len >= 3) {
			const unsigned char lead = s[k], second = s[k + 1];
			if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
			    (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F))
				return k;
		}
		k += len;
	}
	return n;
}

void ThrowIfTooLong(std::string_view text, std::size_t max_length, const char *what) {
	if (text.size() <= max_length)
		return;
	throw Error(ErrorKind::TooComplex, std::string(what) + " is too long",
	            "The " + std::string(what) + " has " + std::to_string(text.size()) + " bytes; the limit is " +
	                std::to_string(max_length) + ".");
}

Literal NumberLiteral(const Token &number, bool negative, std::size_t position) {
	Literal lit;
	const std::string &digits = number.text;
	if (number.is_integer) {
		// Parse with the sign so that -9223372036854775808 fits.
		const std::string text = negative ? "-" + digits : digits;
		std::int64_t i = 0;
		auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
		if (ec == std::errc() && end == text.data() + text.size()) {
			lit.kind = LiteralKind::Int;
			lit.i = i;
			return lit;
		}
	}
	double f = 0;
	auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), f);
	if (ec != std::errc() || end != digits.data() + digits.size())
		throw Error(ErrorKind::OutOfRange, "number out of range at position " + std::to_string(position) + ": " +
		                                       Abbreviate(negative ? "-" + digits : digits),
		            "Numbers must lie within the range of double precision (about 1e-308 to 1e308).");
	lit.kind = LiteralKind::Float;
	lit.f = negative ? -f : f;
	return lit;
}

TokenKind KeywordKind(std::string_view w) noexcept {
	struct Keyword {
		std::string_view word;
		TokenKind kind;
	};
	static constexpr Keyword kKeywords[] = {
	    {"and", TokenKind::And},       {"or", TokenKind::Or},         {"not", TokenKind::Not},
	    {"in", TokenKind::In},         {"like", TokenKind::Like},     {"ilike", TokenKind::Ilike},
	    {"escape", TokenKind::Escape}, {"is", TokenKind::Is},         {"null", TokenKind::Null},
	    {"true", TokenKind::True},     {"false", TokenKind::False},
	};
	for (const Keyword &k : kKeywords)
		if (k.word == w)
			return k.kind;
	return TokenKind::Identifier;
}

std::string QuoteIdentifier(std::string_view name) {
	bool plain = !name.empty() && !IsDigit(name[0]) && KeywordKind(name) == TokenKind::Identifier;
	for (char c : name)
		if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '_'))
			plain = false;
	if (plain)
		return std::string(name);
	std::string out = "\"";
	for (char c : name) {
		if (c == '"')
			out += '"';
		out += c;
	}
	out += '"';
	return out;
}

std::string QuoteString(std::string_view text) {
	std::string out = "'";
	for (char c : text) {
		if (c == '\'')
			out += '\'';
		out += c;
	}
	out += '\'';
	return out;
}

std::string Abbreviate(std::string_view text, std::size_t max_chars) {
	std::size_t chars = 0;
	for (std::size_t k = 0; k < text.size(); k++) {
		if (IsContinuation(static_cast<unsigned char>(text[k])))
			continue;
		if (chars == max_chars)
			return std::string(text.substr(0, k)) + "...";
		chars++;
	}
	return std::string(text);
}

Lexer::Lexer(std::string_view text, bool arithmetic) : text_(text), arithmetic_(arithmetic) {
	const std::size_t bad = FindInvalidUtf8(text);
	if (bad < text.size())
		ThrowSyntaxError(CountCharacters(text.substr(0, bad)) + 1, "invalid UTF-8 byte sequence");
}

char Lexer::Peek(std::size_t ahead) const {
	return byte_ + ahead < text_.size() ? text_[byte_ + ahead] : '\0';
}

void Lexer::Advance(std::size_t bytes) {
	for (std::size_t k = 0; k < bytes && byte_ < text_.size(); k++, byte_++)
		if (!IsContinuation(static_cast<unsigned char>(text_[byte_])))
			position_++;
}

void Lexer::SkipBlanks() {
	while (byte_ < text_.size() && IsBlank(text_[byte_]))
		Advance(1);
}

Token Lexer::Make(TokenKind kind, std::size_t start_byte, std::size_t start_position) const {
	Token t;
	t.kind = kind;
	t.position = start_position;
	t.raw = text_.substr(start_byte, byte_ - start_byte);
	return t;
}

Token Lexer::Next() {
	SkipBlanks();
	if (byte_ >= text_.size())
		return Make(TokenKind::End, byte_, position_);
	const char c = Peek();
	if (c == '\'' || c == '"')
		return LexQuoted(c);
	if (IsDigit(c) || (c == '.' && IsDigit(Peek(1))))
		return LexNumber();
	if (IdentifierCharAt(text_, byte_, true) > 0)
		return LexWord();
	return LexOperator();
}

Token Lexer::LexOperator() {
	const std::size_t start = byte_, position = position_;
	const char c = Peek();
	TokenKind kind;
	std::size_t len = 1;
	switch (c) {
	case '(':
		kind = TokenKind::LParen;
		break;
	case ')':
		kind = TokenKind::RParen;
		break;
	case ',':
		kind = TokenKind::Comma;
		break;
	case '-':
		kind = TokenKind::Minus;
		break;
	case '=':
		kind = TokenKind::Eq;
		break;
	case '<':
		kind = Peek(1) == '>' ? TokenKind::Ne : Peek(1) == '=' ? TokenKind::Le : TokenKind::Lt;
		len = kind == TokenKind::Lt ? 1 : 2;
		break;
	case '>':
		kind = Peek(1) == '=' ? TokenKind::Ge : TokenKind::Gt;
		len = kind == TokenKind::Ge ? 2 : 1;
		break;
	case '~':
		kind = Peek(1) == '*' ? TokenKind::IMatch : TokenKind::Match;
		len = kind == TokenKind::IMatch ? 2 : 1;
		break;
	case '!':
		if (Peek(1) == '=') {
			kind = TokenKind::Ne;
			len = 2;
		} else if (Peek(1) == '~') {
			kind = Peek(2) == '*' ? TokenKind::NotIMatch : TokenKind::NotMatch;
			len = kind == TokenKind::NotIMatch ? 3 : 2;
		} else {
			ThrowSyntaxError(position, "unexpected '!'");
		}
		break;
	case '+':
	case '*':
	case '/':
		if (arithmetic_) {
			kind = c == '+' ? TokenKind::Plus : c == '*' ? TokenKind::Star : TokenKind::Slash;
			break;
		}
		[[fallthrough]];
	default: {
		const auto lead = static_cast<unsigned char>(c);
		if (lead < 0x20 || lead == 0x7F) {
			static constexpr char kHex[] = "0123456789ABCDEF";
			ThrowSyntaxError(position, std::string("unexpected character U+00") + kHex[lead >> 4] + kHex[lead & 15]);
		}
		const std::size_t n = lead < 0x80 ? 1 : Utf8Length(lead);
		ThrowSyntaxError(position, "unexpected '" + std::string(text_.substr(byte_, n)) + "'");
	}
	}
	Advance(len);
	return Make(kind, start, position);
}

Token Lexer::LexWord() {
	const std::size_t start = byte_, position = position_;
	for (bool first = true; byte_ < text_.size(); first = false) {
		const std::size_t len = IdentifierCharAt(text_, byte_, first);
		if (len == 0)
			break;
		Advance(len);
	}
	Token t = Make(TokenKind::Identifier, start, position);
	t.text.reserve(t.raw.size());
	for (char ch : t.raw)
		t.text += LowerAscii(ch);
	t.kind = KeywordKind(t.text);
	return t;
}

Token Lexer::LexQuoted(char quote) {
	const std::size_t start = byte_, position = position_;
	const bool is_string = quote == '\'';
	std::string text;
	Advance(1);
	for (;;) {
		if (byte_ >= text_.size())
			ThrowSyntaxError(position, is_string ? "unterminated string" : "unterminated quoted identifier");
		const char c = Peek();
		if (c == quote) {
			if (Peek(1) != quote)
				break;
			Advance(1);  // a doubled quote stands for one
		}
		text += c;
		Advance(1);
	}
	Advance(1);
	if (!is_string && text.empty())
		ThrowSyntaxError(position, "zero-length quoted identifier");
	Token t = Make(is_string ? TokenKind::String : TokenKind::Identifier, start, position);
	t.text = std::move(text);
	return t;
}

Token Lexer::LexNumber() {
	const std::size_t start = byte_, position = position_;
	bool integer = true;
	while (IsDigit(Peek()))
		Advance(1);
	if (Peek() == '.') {
		integer = false;
		Advance(1);
		while (IsDigit(Peek()))
			Advance(1);
	}
	if (Peek() == 'e' || Peek() == 'E') {
		const std::size_t sign = Peek(1) == '+' || Peek(1) == '-' ? 1 : 0;
		if (IsDigit(Peek(1 + sign))) {
			integer = false;
			Advance(1 + sign);
			while (IsDigit(Peek()))
				Advance(1);
		}
	}
	// PostgreSQL 15 rejects "trailing junk after numeric literal" too:
	// 10days is not 10.
	if (byte_ < text_.size() && (Peek() == '.' || IdentifierCharAt(text_, byte_, false) > 0)) {
		while (byte_ < text_.size()) {
			const std::size_t len = Peek() == '.' ? 1 : IdentifierCharAt(text_, byte_, false);
			if (len == 0)
				break;
			Advance(len);
		}
		ThrowSyntaxError(position, "invalid number '" + Abbreviate(text_.substr(start, byte_ - start)) + "'");
	}
	Token t = Make(TokenKind::Number, start, position);
	t.text = std::string(t.raw);
	t.is_integer = integer;
	return t;
}

} // namespace leadscore::core
