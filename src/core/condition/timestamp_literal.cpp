// ParseTimestampLiteral: ISO 8601 timestamps in condition literals.
//
// Calendar arithmetic is done here, not with libc: mktime/timegm read the
// process time zone and are not available everywhere, and the result must not
// depend on the server's settings.  A literal without an offset is UTC (a
// condition is compiled once and evaluated in many sessions, so the session
// time zone cannot be what it means).
#include "core/condition/condition.hpp"

#include <cstdint>

namespace leadscore::core {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1000000;

bool IsDigit(char c) {
	return c >= '0' && c <= '9';
}

bool IsBlank(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A cursor over the literal.
struct Scanner {
	std::string_view s;
	std::size_t pos = 0;

	bool AtEnd() const {
		return pos >= s.size();
	}
	char Peek() const {
		return AtEnd() ? '\0' : s[pos];
	}
	bool Accept(char c) {
		if (Peek() != c)
			return false;
		pos++;
		return true;
	}
	// Exactly `n` digits.
	bool Digits(int n, int *out) {
		int v = 0;
		for (int k = 0; k < n; k++) {
			if (!IsDigit(Peek()))
				return false;
			v = v * 10 + (s[pos] - '0');
			pos++;
		}
		*out = v;
		return true;
	}
	void SkipBlanks() {
		while (!AtEnd() && IsBlank(s[pos]))
			pos++;
	}
};

bool IsLeapYear(int y) {
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int y, int m) {
	static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t DaysFromCivil(int y, int m, int d) {
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const int yoe = y - era * 400;
	const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

// 'YYYY-MM-DD'; years 0001 to 9999.
bool ParseDate(Scanner &sc, std::int64_t *days) {
	int y, m, d;
	if (!sc.Digits(4, &y) || !sc.Accept('-') || !sc.Digits(2, &m) || !sc.Accept('-') || !sc.Digits(2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m))
		return false;
	*days = DaysFromCivil(y, m, d);
	return true;
}

// Fraction digits after the '.', as microseconds rounded half up (as
// PostgreSQL rounds); at least one digit.
bool ParseFraction(Scanner &sc, std::int64_t *micros) {
	std::int64_t value = 0;
	int n = 0;
	bool round_up = false;
	while (IsDigit(sc.Peek())) {
		int digit = sc.Peek() - '0';
		if (n < 6)
			value = value * 10 + digit;
		else if (n == 6)
			round_up = digit >= 5;
		n++;
		sc.pos++;
	}
	if (n == 0)
		return false;
	for (int k = n; k < 6; k++)
		value *= 10;
	*micros = value + (round_up ? 1 : 0);
	return true;
}

// 'HH:MM[:SS[.fff]]' as microseconds since midnight.
bool ParseTime(Scanner &sc, std::int64_t *micros) {
	int h, mi, s = 0;
	std::int64_t frac = 0;
	if (!sc.Digits(2, &h) || !sc.Accept(':') || !sc.Digits(2, &mi))
		return false;
	if (sc.Accept(':')) {
		if (!sc.Digits(2, &s))
			return false;
		if (sc.Accept('.') && !ParseFraction(sc, &frac))
			return false;
	}
	if (h > 23 || mi > 59 || s > 59)
		return false;
	*micros = ((h * 60 + mi) * 60 + s) * kMicrosPerSecond + frac;
	return true;
}

// 'Z', or '+HH', '+HHMM', '+HH:MM' (or '-'), as seconds east of UTC.
bool ParseOffset(Scanner &sc, std::int64_t *seconds) {
	if (sc.Accept('Z') || sc.Accept('z')) {
		*seconds = 0;
		return true;
	}
	int sign;
	if (sc.Accept('+'))
		sign = 1;
	else if (sc.Accept('-'))
		sign = -1;
	else
		return false;
	int h, m = 0;
	if (!sc.Digits(2, &h))
		return false;
	if (sc.Accept(':')) {
		if (!sc.Digits(2, &m))
			return false;
	} else if (IsDigit(sc.Peek()) && !sc.Digits(2, &m)) {
		return false;
	}
	// PostgreSQL accepts offsets up to 15:59.
	if (h > 15 || m > 59)
		return false;
	*seconds = sign * (h * 3600 + m * 60);
	return true;
}

} // namespace

bool ParseTimestampLiteral(std::string_view text, std::int64_t *micros) noexcept {
	Scanner sc{text};
	sc.SkipBlanks();
	std::int64_t days;
	if (!ParseDate(sc, &days))
		return false;
	std::int64_t time = 0;
	std::int64_t offset = 0;
	Scanner after_date = sc;
	after_date.SkipBlanks();
	if (after_date.AtEnd()) {
		sc = after_date;
	} else if (sc.Peek() == 'T' || sc.Peek() == 't' || sc.Peek() == ' ') {
		sc.pos++;
		sc.SkipBlanks();
		if (!ParseTime(sc, &time))
			return false;
		// An offset belongs to a time: '2024-01-01-05' would read ambiguously.
		sc.SkipBlanks();
		if (!sc.AtEnd() && !ParseOffset(sc, &offset))
			return false;
	}
	sc.SkipBlanks();
	if (!sc.AtEnd())
		return false;
	*micros = days * 86400 * kMicrosPerSecond + time - offset * kMicrosPerSecond;
	return true;
}

} // namespace leadscore::core
