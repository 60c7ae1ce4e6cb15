// NOTIFY payloads: the full one while PostgreSQL takes it, else the id.
#include "core/lead/handoff_payload.hpp"

#include <gtest/gtest.h>

#include <string>

namespace leadscore::core {
namespace {

constexpr std::size_t kLimit = 8000; // PostgreSQL's with its default BLCKSZ and NAMEDATALEN

TEST(HandoffPayload, FullWhileUnderTheLimit) {
	std::string full(kLimit - 1, 'x');
	EXPECT_EQ(HandoffPayload(HandoffKind::Lead, 1, full.c_str(), kLimit), full);
}

TEST(HandoffPayload, IdAtTheLimit) {
	std::string full(kLimit, 'x');
	EXPECT_EQ(HandoffPayload(HandoffKind::Lead, 42, full.c_str(), kLimit), "{\"event_id\" : 42, \"kind\" : \"status\"}");
	EXPECT_EQ(HandoffPayload(HandoffKind::Account, 7, (full + "y").c_str(), kLimit),
	          "{\"event_id\" : 7, \"kind\" : \"account\"}");
}

TEST(HandoffPayload, IdWhenAsked) {
	EXPECT_EQ(HandoffPayload(HandoffKind::Lead, 9223372036854775807, nullptr, kLimit),
	          "{\"event_id\" : 9223372036854775807, \"kind\" : \"status\"}");
	EXPECT_EQ(HandoffPayload(HandoffKind::Account, 1, nullptr, kLimit), "{\"event_id\" : 1, \"kind\" : \"account\"}");
}

} // namespace
} // namespace leadscore::core
