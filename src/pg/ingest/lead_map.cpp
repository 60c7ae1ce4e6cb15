// One statement's leads: see lead_map.hpp.
#include "pg/ingest/lead_map.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/boundary/lead_key.hpp"
#include "pg/boundary/text_datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/uuid.h"
}

namespace leadscore::pg {
namespace {

bool IntegerKeys(Oid type) {
	return type == INT8OID || type == INT4OID;
}

std::int64_t IntegerKey(Datum key, Oid type) {
	return type == INT8OID ? DatumGetInt64(key) : DatumGetInt32(key);
}

// PostgreSQL side: the bytes of a uuid or text key, detoasted if need be.
std::string_view ByteKeyView(Datum key, Oid type) {
	if (type == UUIDOID)
		return std::string_view(reinterpret_cast<const char *>(DatumGetUUIDP(key)->data), UUID_LEN);
	return TextView(DatumGetTextPP(key));
}

} // namespace

std::uint32_t LeadMap::Intern(const KeyType &kt, Datum key, Oid type) {
	bool added;
	integer_keys_ = IntegerKeys(type);
	std::uint32_t index = integer_keys_ ? ints_.FindOrAdd(IntegerKey(key, type), &added)
	                                    : bytes_.FindOrAdd(ByteKeyView(key, type), &added);
	if (added)
		keys_.push_back(CopyKey(key, kt));
	return index;
}

void LeadMap::Prefetch(Datum key, Oid type) const {
	if (IntegerKeys(type))
		ints_.Prefetch(IntegerKey(key, type));
	else
		bytes_.Prefetch(ByteKeyView(key, type));
}

std::uint32_t LeadMap::Find(const KeyType &kt, Datum key) {
	if (IntegerKeys(kt.oid))
		return ints_.Find(IntegerKey(key, kt.oid));
	const char *data = nullptr;
	std::size_t size = 0;
	CallPg([&] {
		std::string_view bytes = ByteKeyView(key, kt.oid);
		data = bytes.data();
		size = bytes.size();
	});
	return bytes_.Find(std::string_view(data, size));
}

bool LeadMap::KeyLess(const KeyType &kt, Datum a, Datum b) {
	if (IntegerKeys(kt.oid))
		return IntegerKey(a, kt.oid) < IntegerKey(b, kt.oid);
	return ByteKeyView(a, kt.oid) < ByteKeyView(b, kt.oid);
}

void LeadMap::Clear() noexcept {
	ints_.Clear();
	bytes_.Clear();
	keys_.clear();
}

} // namespace leadscore::pg
