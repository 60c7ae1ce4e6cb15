// The key types of leadscore.settings.  See key_types.hpp.
#include "pg/catalog/key_types.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/spi/shard_names.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace leadscore::pg {
namespace {

// `query` selects one oid column of the one settings row (on a Citus
// shard: of its node's placement).
KeyType SettingsKeyType(const char *query) {
	if (SPI_execute(ShardSql(query), true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return KeyType{};
	bool isnull;
	Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return KeyTypeOf(isnull ? InvalidOid : DatumGetObjectId(d));
}

} // namespace

KeyType LeadKeyType() {
	return SettingsKeyType("SELECT lead_key_type::pg_catalog.oid FROM leadscore.settings");
}

KeyType AccountKeyType() {
	KeyType kt;
	CallPg([&] { kt = SettingsKeyType("SELECT account_key_type::pg_catalog.oid FROM leadscore.settings"); });
	return kt;
}

} // namespace leadscore::pg
