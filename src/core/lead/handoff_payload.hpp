// What NOTIFY leadscore carries for one handoff.
//
// Any role that can connect may LISTEN on any channel (PostgreSQL has no
// privilege on channels), so the full payload (the event as JSON) is public
// whatever was revoked on leadscore's tables.  The id payload names only the
// event, {"event_id" : N, "kind" : K}, K being the full payload's kind
// ("status" for leadscore.events, "account" for leadscore.account_events):
// listeners read the row with their own rights.  PostgreSQL refuses a
// payload of its limit or more bytes, which would fail the CRM write; such a
// full payload falls back to the id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace leadscore::core {

// Whose handoff: a lead's to sales (leadscore.events) or an account turning
// hot (leadscore.account_events).
enum class HandoffKind { Lead, Account };

// `full` (nullptr: the id payload was asked for) if shorter than `limit`
// bytes, else the id payload.
std::string HandoffPayload(HandoffKind kind, std::int64_t event_id, const char *full, std::size_t limit);

} // namespace leadscore::core
