// LIKE / ILIKE matching without recursion: the classic wildcard matcher
// that remembers only the last '%' and, on a mismatch, lets that '%' absorb
// one more character.  Remembering only the last one is enough because a
// later '%' can absorb anything an earlier one could have.
#include "core/condition/like_match.hpp"

namespace leadscore::core {

namespace {

bool IsContinuation(unsigned char c) {
	return (c & 0xC0) == 0x80;
}

// Invalid bytes decode here, past U+10FFFF.
constexpr char32_t kInvalidBase = 0x110000;

} // namespace

char32_t DecodeUtf8(std::string_view text, std::size_t pos, std::size_t *len) noexcept {
	const auto *s = reinterpret_cast<const unsigned char *>(text.data()) + pos;
	const std::size_t left = text.size() - pos;
	const unsigned char lead = s[0];
	*len = 1;
	if (lead < 0x80)
		return lead;

	std::size_t n;
	char32_t c;
	char32_t min;
	if (lead >= 0xC2 && lead <= 0xDF) {
		n = 2;
		c = lead & 0x1Fu;
		min = 0x80;
	} else if (lead >= 0xE0 && lead <= 0xEF) {
		n = 3;
		c = lead & 0x0Fu;
		min = 0x800;
	} else if (lead >= 0xF0 && lead <= 0xF4) {
		n = 4;
		c = lead & 0x07u;
		min = 0x10000;
	} else {
		return kInvalidBase + lead;
	}
	if (n > left)
		return kInvalidBase + lead;
	for (std::size_t k = 1; k < n; k++) {
		if (!IsContinuation(s[k]))
			return kInvalidBase + lead;
		c = (c << 6) | (s[k] & 0x3Fu);
	}
	// Overlong forms, surrogates and values past U+10FFFF are not characters.
	if (c < min || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return kInvalidBase + lead;
	*len = n;
	return c;
}

char32_t FoldCase(char32_t c) noexcept {
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	// Latin-1: À..Þ but the multiplication sign.
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c < 0x100)
		return c;
	// Latin Extended-A pairs capital/small, on even or odd code points.
	if (c == 0x130)
		return 'i';
	if (c == 0x178)
		return 0xFF;
	if ((c <= 0x12F || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 0)
		return c + 1;
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1)
		return c + 1;
	// Greek.
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 37;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 63;
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c == 0x3C2)  // final sigma folds like sigma
		return 0x3C3;
	// Cyrillic.
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) && c % 2 == 0)
		return c + 1;
	return c;
}

bool LikePattern::Compile(std::string_view pattern, std::string_view escape, bool case_insensitive,
                          LikePattern *out) {
	std::size_t len;
	const bool has_escape = !escape.empty();
	const char32_t escape_char = has_escape ? DecodeUtf8(escape, 0, &len) : 0;

	LikePattern p;
	p.case_insensitive_ = case_insensitive;
	for (std::size_t pos = 0; pos < pattern.size(); pos += len) {
		char32_t c = DecodeUtf8(pattern, pos, &len);
		if (has_escape && c == escape_char) {
			pos += len;
			if (pos >= pattern.size())
				return false;
			c = DecodeUtf8(pattern, pos, &len);
		} else if (c == '%') {
			// Consecutive '%' match what one does; keeping one spares the
			// matcher work.
			if (p.elements_.empty() || p.elements_.back().kind != Kind::AnyString)
				p.elements_.push_back({Kind::AnyString, 0});
			continue;
		} else if (c == '_') {
			p.elements_.push_back({Kind::AnyChar, 0});
			continue;
		}
		p.elements_.push_back({Kind::Char, case_insensitive ? FoldCase(c) : c});
	}
	*out = std::move(p);
	return true;
}

bool LikePattern::Matches(std::string_view text) const noexcept {
	const std::size_t n = text.size(), m = elements_.size();
	constexpr std::size_t kNone = static_cast<std::size_t>(-1);
	std::size_t p = 0, s = 0;
	std::size_t star_p = kNone, star_s = 0;  // the last '%' and where its match ends

	while (s < n) {
		if (p < m) {
			const Element &e = elements_[p];
			if (e.kind == Kind::AnyString) {
				star_p = p++;
				star_s = s;
				continue;
			}
			std::size_t len;
			char32_t c = DecodeUtf8(text, s, &len);
			if (case_insensitive_)
				c = FoldCase(c);
			if (e.kind == Kind::AnyChar || c == e.c) {
				p++;
				s += len;
				continue;
			}
		}
		if (star_p == kNone)
			return false;
		// Let the last '%' absorb one more character and retry after it.
		std::size_t len;
		DecodeUtf8(text, star_s, &len);
		star_s += len;
		s = star_s;
		p = star_p + 1;
	}
	while (p < m && elements_[p].kind == Kind::AnyString)
		p++;
	return p == m;
}

} // namespace leadscore::core
