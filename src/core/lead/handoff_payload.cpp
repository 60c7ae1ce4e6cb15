#include "core/lead/handoff_payload.hpp"

#include <cstring>

namespace leadscore::core {

std::string HandoffPayload(HandoffKind kind, std::int64_t event_id, const char *full, std::size_t limit) {
	if (full != nullptr && std::strlen(full) < limit)
		return full;
	return "{\"event_id\" : " + std::to_string(event_id) + ", \"kind\" : \"" +
	       (kind == HandoffKind::Lead ? "status" : "account") + "\"}";
}

} // namespace leadscore::core
