// Reading a user's relation with its owner's rights: see owner_rights.hpp.
#include "pg/spi/owner_rights.hpp"

#include "pg/spi/spi_query.hpp"

#include "core/base/error.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <string>

namespace leadscore::pg {
namespace {

// Whether `user` may act as the owner of leadscore's tables (and so of its
// SECURITY DEFINER code): the rights privileged code runs with.
bool MayActAsLeadscore(Oid user) {
	Oid ns = get_namespace_oid("leadscore", true);
	Oid models = OidIsValid(ns) ? get_relname_relid("models", ns) : InvalidOid;
	return OidIsValid(models) && pg_class_ownercheck(models, user);
}

// PostgreSQL side: who reads `relid` (InvalidOid: the current user); false
// when there is no such relation.  The owner is read after the lock, whose
// AcceptInvalidationMessages makes the catalog current: an ALTER ... OWNER
// committed before it is seen, a later one waits for this transaction.
bool ReaderOf(Oid relid, Oid *reader) {
	LockRelationOid(relid, AccessShareLock);
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	Oid user = GetUserId();
	*reader = has_privs_of_role(user, owner) || MayActAsLeadscore(user) ? owner : InvalidOid;
	return true;
}

// Scopes not yet closed, whoever reads in them.  Every Scope is unwound by C++ (the calls inside it go
// through CallPg), so the count never outlives an error.
int open_scopes = 0;

} // namespace

void RefuseInsideOwnerCode() {
	if (open_scopes == 0)
		return;
	throw core::Error(core::ErrorKind::WrongState,
	                  "leadscore cannot run inside code that runs while it reads an attached table",
	                  "An index expression, constraint, statistics object or view of an attached "
	                  "table wrote or read an attached table, or called leadscore.");
}

void RunAsDefiner(Oid definer, const std::function<void()> &body) {
	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	int nest_level = CallPg([] {
		int level = NewGUCNestLevel();
		(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
		                         true, 0, false);
		return level;
	});
	SetUserIdAndSecContext(definer, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	try {
		body();
	} catch (...) {
		SetUserIdAndSecContext(saved_user, saved_context);
		throw;
	}
	SetUserIdAndSecContext(saved_user, saved_context);
	CallPg([nest_level] { AtEOXact_GUC(true, nest_level); });
}

OwnerRights::OwnerRights(Oid relid) {
	if (!CallPg([&] { return ReaderOf(relid, &reader_); }))
		throw core::Error(core::ErrorKind::UndefinedTable, "relation with OID " + std::to_string(relid) + " does not exist");
}

OwnerRights::Scope::Scope(Oid reader) noexcept {
	open_scopes++;
	if (reader == InvalidOid)
		return;
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	SetUserIdAndSecContext(reader, saved_context_ | SECURITY_RESTRICTED_OPERATION);
	// Settings the owner's code makes (set_config, SET in a function) end
	// with the read.
	nest_level_ = NewGUCNestLevel();
	open_ = true;
}

void OwnerRights::Scope::Close() {
	if (closed_)
		return;
	closed_ = true;
	open_scopes--;
	if (!open_)
		return;
	int level = nest_level_;
	CallPg([level] { AtEOXact_GUC(false, level); });
	SetUserIdAndSecContext(saved_user_, saved_context_);
	open_ = false;
}

OwnerRights::Scope::~Scope() {
	if (!closed_)
		open_scopes--;
	if (open_)
		SetUserIdAndSecContext(saved_user_, saved_context_);
}

} // namespace leadscore::pg
