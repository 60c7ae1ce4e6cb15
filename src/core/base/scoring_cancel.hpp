// Cancellation of long core loops (docs/design.md, "Guarded and CallPg").
//
// The glue passes a callback that reads PostgreSQL's InterruptPending; the
// core calls it every few thousand rows and, when it returns true, throws
// Error(Cancelled).  The guard then unwinds every C++ frame and calls
// CHECK_FOR_INTERRUPTS() itself, so PostgreSQL reports the interrupt it
// really got (cancel, timeout or termination).
//
// The callback must only look: it must not longjmp (no CHECK_FOR_INTERRUPTS
// inside it) and should not throw.
#pragma once

#include "core/base/error.hpp"

#include <cstdint>
#include <functional>

namespace leadscore::core {

// Empty: never cancelled.
using CancelCheck = std::function<bool()>;

// Rows between two calls of a CancelCheck: a row costs well under a
// microsecond, so this polls about every millisecond.
constexpr std::uint32_t kCancelCheckInterval = 4096;

// For a loop that polled its CancelCheck where it could not throw (inside
// a C library's callback) and raises the cancellation once back in C++.
[[noreturn]] inline void ThrowCancelled() {
	throw Error(ErrorKind::Cancelled, "canceling statement due to user request");
}

inline void ThrowIfCancelled(const CancelCheck &cancel) {
	if (cancel && cancel())
		ThrowCancelled();
}

} // namespace leadscore::core
