// The one relcache callback of the configuration caches.  See
// plan_invalidation.hpp.
#include "pg/catalog/plan_invalidation.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/catalog/config_generation.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

#include <array>

namespace leadscore::pg {
namespace {

std::array<StaleListener, 8> listeners{};
// leadscore.models as last looked up; the callback itself must not fail,
// so it cannot look it up.
Oid models_relid = InvalidOid;

void OnRelcacheInvalidation(Datum, Oid relid) {
	bool everything = relid == InvalidOid || relid == models_relid;
	for (StaleListener listener : listeners)
		if (listener != nullptr)
			listener(everything ? InvalidOid : relid);
}

Oid LookUpModelsRelid() {
	return CallPg([] { return get_relname_relid("models", get_namespace_oid("leadscore", false)); });
}

} // namespace

void ListenForStalePlans(StaleListener listener) {
	for (StaleListener &slot : listeners) {
		if (slot == listener)
			return;
		if (slot == nullptr) {
			slot = listener;
			return;
		}
	}
	throw core::Error(core::ErrorKind::Internal, "too many plan caches");
}

void RememberModelsRelid() {
	models_relid = LookUpModelsRelid();
}

void InvalidatePlans() {
	Oid relid = LookUpModelsRelid();
	models_relid = relid;
	CallPg([relid] { CacheInvalidateRelcacheByRelid(relid); });
	OnRelcacheInvalidation(0, InvalidOid);
	BumpConfigGeneration();
}

void MarkPlansStale() {
	OnRelcacheInvalidation(0, InvalidOid);
}

void RegisterPlanInvalidation() {
	CacheRegisterRelcacheCallback(OnRelcacheInvalidation, 0);
}

} // namespace leadscore::pg
