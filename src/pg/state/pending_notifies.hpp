// NOTIFY leadscore for handoffs, sent when the writer's transaction commits.
//
// pg_notify() inside the transaction that writes a handoff made that
// transaction impossible to PREPARE ("cannot PREPARE a transaction that has
// executed LISTEN, UNLISTEN, or NOTIFY"): a CRM write under an XA or other
// two-phase-commit coordinator was lost.  So the payloads wait here and are
// handed to PostgreSQL at XACT_EVENT_PRE_COMMIT (its own PreCommit_Notify
// runs after the callbacks).  A transaction that is prepared instead sends
// nothing and marks its handoffs unsent (notified_at NULL): tick() relays
// them once COMMIT PREPARED makes them visible.  A rolled-back savepoint's
// handoffs are dropped with it.
#pragma once

#include "pg/boundary/postgres_headers.hpp"

extern "C" {
#include "executor/spi.h"
}

#include "core/lead/handoff_payload.hpp"

#include <cstdint>

namespace leadscore::pg {

// SQL: true unless leadscore.settings.notify_payload = 'id'.  Read through
// to_jsonb so that a module newer than the installed schema (before ALTER
// EXTENSION leadscore UPDATE, which adds the column) sends full payloads
// instead of failing the CRM's writes.
#define LEADSCORE_FULL_PAYLOAD                                                                                        \
	"(SELECT pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->>) 'notify_payload' IS DISTINCT FROM 'id'"                \
	" FROM leadscore.settings s)"

// SQL: the full payload of account event `e` (a row of
// leadscore.account_events); a lead event's is leadscore.event_payload(e).
#define LEADSCORE_ACCOUNT_PAYLOAD(e)                                                                                  \
	"pg_catalog.json_build_object('event_id', " e ".id, 'kind', 'account', 'model', " e ".model, 'account_id', " e  \
	".account_id, 'from', " e ".from_value, 'to', " e ".to_value, 'score', " e ".score, 'engaged_leads', " e         \
	".engaged_leads, 'at', " e ".at, 'cause', " e ".cause)::pg_catalog.text"

// Queues a NOTIFY for each of the `rows` rows of `table`, the result of the
// caller's statement: (event id int8, full payload text, NULL for
// notify_payload = 'id') of
// leadscore.events or leadscore.account_events, as `kind` says;
// core/lead/handoff_payload.hpp says what is sent.  Call inside Guarded, SPI
// connected, as the extension's owner (a trigger or an admin function).
void QueueReturnedHandoffs(SPITupleTable *table, std::uint64_t rows, core::HandoffKind kind);

// Installs the transaction callbacks; from _PG_init.
void RegisterPendingNotifies();

} // namespace leadscore::pg
