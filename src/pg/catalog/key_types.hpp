// The database's lead and account key types (leadscore.settings): fixed by
// the first attachment of a lead or account column, then the type of every
// state table's key and of the arrays the state statements take.
#pragma once

#include "pg/boundary/lead_key.hpp"

namespace leadscore::pg {

// The lead key type; empty (InvalidOid) before the first attachment.
// PostgreSQL side: call inside CallPg, SPI connected.
KeyType LeadKeyType();

// The account key type; empty before the first account column is attached.
// C++ side: call outside CallPg, SPI connected.
KeyType AccountKeyType();

} // namespace leadscore::pg
