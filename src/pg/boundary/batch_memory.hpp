// A memory context for what one batch of a long pass needs (rescore(),
// verify()), emptied after each batch: SPI leaves its caller in the
// procedure's context, which lives until the SQL function returns, so a
// batch's arrays and rows allocated there would add up over the whole
// history.  Only what is allocated before a batch's first SPI call lands
// here: SPI returns its caller to the procedure's context.
#pragma once

#include "pg/boundary/guard.hpp"

#include <exception>

namespace leadscore::pg {

class BatchMemory {
public:
	// `name`: a string literal, which the context keeps (what the
	// AllocSetContextCreate macro checks, and cannot through a parameter).
	explicit BatchMemory(const char *name)
	    : context_(CallPg([name] {
		      return AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
	      })) {}
	// Also on the way out of an ERROR in a batch, which may have left the
	// context current and copied its report into it (CallPg): the context
	// stays, freed with its parent when the error has aborted the call, so
	// the report is still there when Guarded raises it.
	~BatchMemory() {
		if (CurrentMemoryContext == context_)
			MemoryContextSwitchTo(MemoryContextGetParent(context_));
		if (std::uncaught_exceptions() == 0)
			MemoryContextDelete(context_);
	}
	BatchMemory(const BatchMemory &) = delete;
	BatchMemory &operator=(const BatchMemory &) = delete;

	MemoryContext context() const {
		return context_;
	}
	// Runs `batch` in the context, then empties it.
	template <typename Batch>
	void Run(Batch &&batch) {
		MemoryContext outer = CallPg([&] { return MemoryContextSwitchTo(context_); });
		batch();
		CallPg([&] {
			MemoryContextSwitchTo(outer);
			MemoryContextReset(context_);
		});
	}

private:
	MemoryContext context_;
};

} // namespace leadscore::pg
