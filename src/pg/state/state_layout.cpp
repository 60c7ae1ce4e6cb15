// The layout of leadscore.lead_state.  See state_layout.hpp.
#include "pg/state/state_layout.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/plan_invalidation.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
}

namespace leadscore::pg {
namespace {

enum class Known { No, Hot, Old };
Known known = Known::No;
Oid state_relid = InvalidOid;

// ALTER EXTENSION UPDATE alters lead_state: a relcache invalidation of it
// (or of everything) makes the answer stale.
void OnStale(Oid relid) {
	if (relid == InvalidOid || relid == state_relid)
		known = Known::No;
}

} // namespace

bool HotStateLayout() {
	if (known == Known::No) {
		ListenForStalePlans(OnStale);
		bool hot = CallPg([] {
			state_relid = get_relname_relid("lead_state", get_namespace_oid("leadscore", false));
			return get_attnum(state_relid, "score_rank") != InvalidAttrNumber;
		});
		known = hot ? Known::Hot : Known::Old;
	}
	return known == Known::Hot;
}

} // namespace leadscore::pg
