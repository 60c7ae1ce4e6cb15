// Lead keys (bigint, integer, uuid or text) as Datums and as bytes.
//
// The triggers group a statement's rows by lead in C++; the key's bytes are
// the grouping key.  The Datums go back to SQL in arrays.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace leadscore::pg {

// A key type as arrays and copies need it: the type, its array type, and
// how its values are laid out.
struct KeyType {
	Oid oid = InvalidOid;
	Oid array_oid = InvalidOid;
	int16 typlen = 0;
	bool byval = false;
	char align = 'i';
};

// The KeyType of `oid`; an empty one for InvalidOid.  PostgreSQL side.
KeyType KeyTypeOf(Oid oid);

// The bytes that identify `key`, without C++ allocation, so it can run
// inside CallPg (PostgreSQL side: a text key may be detoasted).  `data`
// points into the key or into `scratch`: do not copy a KeyView.
struct KeyView {
	const char *data;
	std::size_t len;
	std::int64_t scratch;
};
void ViewKey(Datum key, Oid type, KeyView *out);

// The bytes that identify `key`, as a string: the grouping key of a map.
// C++ side: only ViewKey runs inside CallPg, the string is filled outside.
std::string KeyBytes(Datum key, Oid type);
// The same into `*out`, reusing its buffer (loops over many keys).
void AssignKeyBytes(Datum key, Oid type, std::string *out);

// A copy of `key` in the current memory context.
Datum CopyKey(Datum key, const KeyType &kt);

// Lead and account keys longer than this (text keys; bytes, before any
// compression) are bad data: skipped and counted like a NULL key.  A btree
// entry holds at most about 2.7 kB, so a longer key could not be stored in
// the state tables' primary keys and would fail the CRM's statement.
constexpr std::size_t kMaxKeyBytes = 1024;

// True when `key` (of `type`) is longer than kMaxKeyBytes.
bool KeyTooLong(Datum key, Oid type);

// The key as text (its type's output function), palloc'd.
char *KeyText(Datum key, Oid type);

} // namespace leadscore::pg
