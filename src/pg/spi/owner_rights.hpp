// Whose rights leadscore code runs with: a query of a user's relation (as its
// owner, restricted), and leadscore's own callbacks (as the extension's owner).
//
// leadscore's admin functions and triggers run as the extension's owner, a
// superuser (SECURITY DEFINER).  Planning or running a query of a user's
// table runs code that the table's owner wrote: the planner folds index
// expressions and predicates, extended statistics' expressions and CHECK
// constraints the first time a backend opens the table, a view computes its
// columns, row security policies run their functions.  With the extension
// owner's rights that code made its owner a superuser.  So every read of a
// user's relation runs through OwnerRights: as the relation's owner, in a
// security-restricted operation, at a GUC nest level of its own, which is
// what PostgreSQL does for VACUUM, ANALYZE, CREATE INDEX and REFRESH
// MATERIALIZED VIEW (CVE-2022-1552).  What leadscore writes to its own
// tables it writes outside, as the extension's owner.
//
// A reader function (explain(), calibrate(), evaluate(): SECURITY INVOKER)
// called by a role that may act neither as the relation's owner nor as
// leadscore's owner reads with that caller's rights instead, as any query of
// theirs would: reading as the owner would show them rows they may not see.
#pragma once

#include "pg/boundary/guard.hpp"
#include "pg/boundary/postgres_headers.hpp"

#include <functional>
#include <type_traits>
#include <utility>

namespace leadscore::pg {

// Raises 55000 when called from code that runs inside an OwnerRights read
// (a table owner's index expression, constraint, statistics or view that
// writes or reads an attached table in turn): leadscore's per-statement
// scratch and cached plans belong to the read in progress, so nothing of
// leadscore may run nested in it.  C++ side.
void RefuseInsideOwnerCode();

// Runs `body` (C++ side) as `definer`, the extension's owner that a
// trigger of leadscore ran as, with search_path pinned as a SECURITY
// DEFINER function's SET clause pins it.  For leadscore code that
// PostgreSQL calls back outside leadscore's functions (the end-of-statement
// reload hook, the pre-prepare callback): it runs as the session's user,
// who may have no right on leadscore's tables, and with the session's
// search_path, which would resolve `=` and friends in the reload's SQL
// through a writer's schema, running her operator as a superuser.  (An
// ERROR restores the user and the setting at (sub)transaction abort.)
void RunAsDefiner(Oid definer, const std::function<void()> &body);

class OwnerRights {
public:
	// Locks `relid` (AccessShareLock, the lock reading it takes anyway:
	// its owner cannot change before the read) and decides who reads it.
	// C++ side.
	explicit OwnerRights(Oid relid);

	// The current user's rights, unchanged: for leadscore's own tables.
	static OwnerRights Current() {
		return OwnerRights();
	}

	// Runs `call` (PostgreSQL side, as CallPg's) with these rights.
	template <typename Call>
	auto Run(Call &&call) const -> decltype(call()) {
		Scope scope(reader_);
		if constexpr (std::is_void_v<decltype(call())>) {
			CallPg(std::forward<Call>(call));
			scope.Close();
		} else {
			auto result = CallPg(std::forward<Call>(call));
			scope.Close();
			return result;
		}
	}

private:
	OwnerRights() = default;

	// The switch: the constructor makes `reader` the current user (nothing
	// when it is InvalidOid); Close() puts everything back.  An exception
	// leaving without Close() gets the user back at once, so no C++ code
	// runs on as the reader; it always ends in a (sub)transaction abort,
	// which pops the GUC nest level (AtEOXact_GUC may ERROR: not in a
	// destructor).
	class Scope {
	public:
		explicit Scope(Oid reader) noexcept;
		~Scope();
		Scope(const Scope &) = delete;
		Scope &operator=(const Scope &) = delete;
		void Close();

	private:
		bool open_ = false;   // the user was switched
		bool closed_ = false; // Close() ran
		Oid saved_user_ = InvalidOid;
		int saved_context_ = 0;
		int nest_level_ = 0;
	};

	Oid reader_ = InvalidOid; // InvalidOid: the current user's rights
};

} // namespace leadscore::pg
