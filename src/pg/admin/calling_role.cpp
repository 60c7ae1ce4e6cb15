// leadscore._calling_role(): the role that called into leadscore, seen from
// inside a SECURITY DEFINER function.
//
// The admin functions run as the extension's owner (SECURITY DEFINER), so
// current_user inside them is the owner.  What they do to a CRM table
// (attach creates triggers on it and reads it) must still be allowed to the
// role that called them: PostgreSQL's "outer" user, the one SET ROLE (or
// the login) chose, which SECURITY DEFINER calls do not change.
#include "pg/boundary/postgres_headers.hpp"

extern "C" {

PG_FUNCTION_INFO_V1(leadscore_calling_role);
Datum leadscore_calling_role(PG_FUNCTION_ARGS) {
	PG_RETURN_OID(GetOuterUserId());
}

} // extern "C"
