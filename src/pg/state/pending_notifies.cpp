// Handoff notifications held until commit.  See pending_notifies.hpp.
#include "pg/state/pending_notifies.hpp"

#include "pg/boundary/guard.hpp"
#include "pg/spi/owner_rights.hpp"
#include "pg/spi/spi_query.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
}

#include "core/lead/handoff_payload.hpp"

#include <string>
#include <vector>

namespace leadscore::pg {
namespace {

// PostgreSQL refuses a payload of this many bytes or more ("payload string
// too long"), failing the transaction.  The full payload carries the lead
// key (up to a kilobyte, up to six times that JSON-escaped) and the model
// name; a build with smaller blocks has a lower limit.
constexpr std::size_t kPayloadLimit = BLCKSZ - NAMEDATALEN - 128;

struct Handoff {
	SubTransactionId subxact;  // whose rollback takes the event back
	core::HandoffKind kind;
	std::int64_t id;
	std::string payload;
};

// Created on first use: no static constructors in the module.
std::vector<Handoff> *pending = nullptr;
// The extension's owner, as whom the handoffs were queued: a PREPARE marks
// them unsent with its rights, not with those of the CRM writer.
Oid owner = InvalidOid;

void Queue(core::HandoffKind kind, std::int64_t id, const char *full) {
	if (pending == nullptr)
		pending = new std::vector<Handoff>();
	pending->push_back(
	    Handoff{GetCurrentSubTransactionId(), kind, id, core::HandoffPayload(kind, id, full, kPayloadLimit)});
	owner = GetUserId();
}

void Send() {
	for (const Handoff &h : *pending)
		CallPg([&] { Async_Notify("leadscore", h.payload.c_str()); });
}

// "{1,2,3}": the event ids of one kind's handoffs, as an int8[] literal.
std::string IdArray(core::HandoffKind kind) {
	std::string ids;
	for (const Handoff &h : *pending)
		if (h.kind == kind)
			ids += (ids.empty() ? "" : ",") + std::to_string(h.id);
	return "{" + ids + "}";
}

// A prepared transaction cannot NOTIFY (PostgreSQL refuses to PREPARE one
// that did), and whoever runs COMMIT PREPARED runs none of our code: its
// handoffs are left to tick(), which relays every unsent one.  The callback
// runs as the session's user: the events are marked as the extension's
// owner that queued them (owner_rights.hpp, RunAsDefiner).
void MarkUnsent() {
	std::string lead_ids = IdArray(core::HandoffKind::Lead), account_ids = IdArray(core::HandoffKind::Account);
	RunAsDefiner(owner, [&] {
		ConnectSpi();
		// No statement runs at PREPARE: SPI needs a snapshot of its own.
		CallPg([] { PushActiveSnapshot(GetTransactionSnapshot()); });
		ExecuteText("UPDATE leadscore.events SET notified_at = NULL WHERE id = ANY ($1::pg_catalog.int8[])",
		            {lead_ids});
		ExecuteText("UPDATE leadscore.account_events SET notified_at = NULL WHERE id = ANY ($1::pg_catalog.int8[])",
		            {account_ids});
		CallPg([] { PopActiveSnapshot(); });
		FinishSpi();
	});
}

// Drops the handoffs of subtransaction `from` and of those it started, or
// hands them to `to` (noexcept: called while PostgreSQL aborts too).
void Settle(SubTransactionId from, SubTransactionId to, bool keep) noexcept {
	if (keep) {
		for (Handoff &h : *pending)
			if (h.subxact >= from)
				h.subxact = to;
		return;
	}
	// Queued in order: the subtransaction's handoffs are the last ones.
	while (!pending->empty() && pending->back().subxact >= from)
		pending->pop_back();
}

void OnTransactionEvent(XactEvent event, void *) {
	if (pending == nullptr || pending->empty())
		return;
	switch (event) {
	case XACT_EVENT_PRE_COMMIT:
		Guarded([] {
			Send();
			return Datum(0);
		});
		break;
	case XACT_EVENT_PRE_PREPARE:
		Guarded([] {
			MarkUnsent();
			return Datum(0);
		});
		break;
	default:
		// Committed (sent), prepared (left to tick()) or rolled back; an
		// ERROR in the cases above aborts, and the abort comes here.  The
		// memory goes too: a bulk load may have queued millions.
		std::vector<Handoff>().swap(*pending);
		break;
	}
}

void OnSubTransactionEvent(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *) {
	if (pending == nullptr || pending->empty())
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB || event == SUBXACT_EVENT_ABORT_SUB)
		Settle(mine, parent, event == SUBXACT_EVENT_COMMIT_SUB);
}

} // namespace

void QueueReturnedHandoffs(SPITupleTable *table, std::uint64_t rows, core::HandoffKind kind) {
	for (std::uint64_t i = 0; i < rows; i++) {
		std::int64_t id = 0;
		char *full = nullptr;
		CallPg([&] {
			HeapTuple tuple = table->vals[i];
			TupleDesc desc = table->tupdesc;
			bool isnull;
			id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			Datum payload = SPI_getbinval(tuple, desc, 2, &isnull);
			full = isnull ? nullptr : TextDatumGetCString(payload);
		});
		Queue(kind, id, full);
		if (full != nullptr)
			CallPg([&] { pfree(full); });
	}
}

void RegisterPendingNotifies() {
	RegisterXactCallback(OnTransactionEvent, nullptr);
	RegisterSubXactCallback(OnSubTransactionEvent, nullptr);
}

} // namespace leadscore::pg
