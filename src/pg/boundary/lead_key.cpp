// Lead keys.
#include "pg/boundary/lead_key.hpp"

#include "pg/boundary/guard.hpp"

extern "C" {
#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"
}

#include <cstring>

namespace leadscore::pg {

KeyType KeyTypeOf(Oid oid) {
	KeyType kt;
	if (oid == InvalidOid)
		return kt;
	kt.oid = oid;
	kt.array_oid = get_array_type(oid);
	get_typlenbyvalalign(oid, &kt.typlen, &kt.byval, &kt.align);
	return kt;
}

bool KeyTooLong(Datum key, Oid type) {
	if (type != TEXTOID && type != VARCHAROID && type != BPCHAROID)
		return false;
	return toast_raw_datum_size(key) - VARHDRSZ > kMaxKeyBytes;
}

char *KeyText(Datum key, Oid type) {
	Oid output;
	bool varlena;
	getTypeOutputInfo(type, &output, &varlena);
	return OidOutputFunctionCall(output, key);
}

void ViewKey(Datum key, Oid type, KeyView *out) {
	switch (type) {
	case INT4OID:
		out->scratch = DatumGetInt32(key);
		out->data = reinterpret_cast<const char *>(&out->scratch);
		out->len = sizeof out->scratch;
		break;
	case INT8OID:
		out->scratch = DatumGetInt64(key);
		out->data = reinterpret_cast<const char *>(&out->scratch);
		out->len = sizeof out->scratch;
		break;
	case UUIDOID:
		out->data = reinterpret_cast<const char *>(DatumGetUUIDP(key)->data);
		out->len = UUID_LEN;
		break;
	default: {
		text *t = DatumGetTextPP(key);
		out->data = VARDATA_ANY(t);
		out->len = VARSIZE_ANY_EXHDR(t);
		break;
	}
	}
}

void AssignKeyBytes(Datum key, Oid type, std::string *out) {
	KeyView view;
	CallPg([&] { ViewKey(key, type, &view); });
	out->assign(view.data, view.len);
}

std::string KeyBytes(Datum key, Oid type) {
	std::string bytes;
	AssignKeyBytes(key, type, &bytes);
	return bytes;
}

Datum CopyKey(Datum key, const KeyType &kt) {
	return datumCopy(key, kt.byval, kt.typlen);
}

} // namespace leadscore::pg
