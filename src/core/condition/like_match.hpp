// SQL LIKE and ILIKE.
//
// `%` matches any run of characters, `_` exactly one character (a UTF-8 code
// point, not a byte), and the escape character (backslash unless ESCAPE says
// otherwise; none for ESCAPE '') makes the next character literal.
//
// Matching is iterative, O(text × pattern) at worst and linear in practice:
// a hostile pattern such as '%a%a%a%a%b' cannot make a backend spin.
//
// ILIKE folds case with simple one-to-one mappings: ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic.  PostgreSQL uses the database's locale;
// the two agree on these scripts, except for special cases such as 'ß' vs
// 'SS' that no one-to-one folding covers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace leadscore::core {

class LikePattern {
public:
	// Compiles `pattern`.  `escape` is one character or empty (no escape).
	// Returns false if the pattern ends with the escape character, which
	// PostgreSQL rejects ("LIKE pattern must not end with escape
	// character").  The caller validates `escape` and the UTF-8.
	static bool Compile(std::string_view pattern, std::string_view escape, bool case_insensitive,
	                    LikePattern *out);

	bool Matches(std::string_view text) const noexcept;

private:
	enum class Kind : std::uint8_t { Char, AnyChar, AnyString };
	struct Element {
		Kind kind;
		char32_t c;  // Char: the character, case-folded for ILIKE
	};

	std::vector<Element> elements_;
	bool case_insensitive_ = false;
};

// The lower-case partner of `c` under the simple folding described above;
// `c` itself if it has none.
char32_t FoldCase(char32_t c) noexcept;

// Decodes the character at text[pos] and stores its byte length in *len.
// A byte that does not start a valid UTF-8 sequence is one character of its
// own, decoded outside the Unicode range so that it equals only itself.
char32_t DecodeUtf8(std::string_view text, std::size_t pos, std::size_t *len) noexcept;

} // namespace leadscore::core
